import type { ChatRequest } from '../../spec/chat-request.js';

/**
 * Whether the client asked for the usage chunk (`stream_options.include_usage: true`). The decoder
 * keeps `stream_options` in `extra` (already type-checked); the server passes this to the encoder.
 */
export function openAIIncludeUsage(request: ChatRequest): boolean {
  const options = request.extra?.stream_options;
  return typeof options === 'object' && options !== null && (options as Record<string, unknown>).include_usage === true;
}
