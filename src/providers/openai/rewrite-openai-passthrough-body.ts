import type { Warning } from '../../spec/index.js';
import { MAX_COMPLETION_TOKENS_WARNING, type OpenAIMaxTokensField } from './convert-to-openai-request.js';

export interface PassthroughBodyOptions {
  upstreamModel: string;
  /** false for Azure (the deployment is in the URL). */
  includeModel: boolean;
  reasoningModel: boolean;
  maxTokensField: OpenAIMaxTokensField;
  stream: boolean;
}

export interface PassthroughBodyRewrite {
  body: Record<string, unknown>;
  /** The client asked for the usage chunk itself, so the stream can pass through byte for byte. */
  clientWantsUsage: boolean;
  warnings: Warning[];
}

/**
 * Edits a client's Chat Completions body only where the gateway must: `model` (the upstream id, or
 * none for Azure), `stream_options.include_usage` forced on for streams (usage metering), and
 * `max_tokens` → `max_completion_tokens` for reasoning models or servers configured for it.
 * Every other field, known or not, is kept as sent. The client's object is not mutated.
 */
export function rewriteOpenAIPassthroughBody(client: Record<string, unknown>, options: PassthroughBodyOptions): PassthroughBodyRewrite {
  const body: Record<string, unknown> = { ...client };
  const warnings: Warning[] = [];
  if (options.includeModel) body.model = options.upstreamModel;
  else delete body.model;

  const targetField: OpenAIMaxTokensField = options.reasoningModel ? 'max_completion_tokens' : options.maxTokensField;
  if (targetField === 'max_completion_tokens' && body.max_tokens !== undefined && body.max_tokens !== null) {
    if (body.max_completion_tokens === undefined || body.max_completion_tokens === null) body.max_completion_tokens = body.max_tokens;
    delete body.max_tokens;
    if (options.reasoningModel) {
      warnings.push(MAX_COMPLETION_TOKENS_WARNING);
    }
  }

  let clientWantsUsage = false;
  if (options.stream) {
    const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
    clientWantsUsage = streamOptions.include_usage === true;
    body.stream = true;
    if (!clientWantsUsage) body.stream_options = { ...streamOptions, include_usage: true };
  }
  return { body, clientWantsUsage, warnings };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
