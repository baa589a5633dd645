import type { WholeAnswerDialect } from '../shared/whole-as-stream.js';
import { badUpstreamResponse } from './anthropic-errors.js';

/**
 * How a whole Messages answer (`{"type":"message",…}`) answering a streaming request is read
 * (shared/whole-as-stream.ts): re-emitted as the events a streaming server sends, in their order —
 * `message_start` (the message with empty content, the input side of usage), per content block
 * `content_block_start` / one delta (`text_delta`, `input_json_delta` with the whole input,
 * `thinking_delta` then `signature_delta`) / `content_block_stop` (blocks without deltas — redacted
 * thinking, server tool results — start with the whole block), `message_delta` (stop reason and
 * sequence, the output side of usage) and `message_stop`. A JSON error body (`{"type":"error",…}`)
 * becomes an `error` event, mapped like one.
 */
export function wholeMessage(provider: string, upstreamRequestId: string | undefined): WholeAnswerDialect {
  return {
    events: (whole) => messageAsEvents(whole, provider, upstreamRequestId),
    bad: (what) => badUpstreamResponse(provider, what, upstreamRequestId),
  };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const event = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** SSE text of the events equivalent to one Messages answer (or an error event for an error body). */
export function messageAsEvents(whole: unknown, provider: string, upstreamRequestId: string | undefined): string {
  if (isObject(whole) && whole.type === 'error' && isObject(whole.error)) return event('error', { error: whole.error });
  if (!isObject(whole) || !Array.isArray(whole.content)) throw badUpstreamResponse(provider, 'a streaming request was answered with JSON that is not a message', upstreamRequestId);
  const usage = isObject(whole.usage) ? whole.usage : {};
  const { output_tokens: outputTokens, ...inputUsage } = usage;
  let text = event('message_start', { message: { ...whole, content: [], stop_reason: null, stop_sequence: null, usage: { ...inputUsage, output_tokens: 0 } } });
  whole.content.forEach((block: unknown, index: number) => {
    text += blockEvents(isObject(block) ? block : {}, index);
  });
  text += event('message_delta', { delta: { stop_reason: whole.stop_reason ?? 'end_turn', stop_sequence: whole.stop_sequence ?? null }, usage: { output_tokens: typeof outputTokens === 'number' ? outputTokens : 0 } });
  return text + event('message_stop', {});
}

function blockEvents(block: Json, index: number): string {
  const start = (content_block: Json) => event('content_block_start', { index, content_block });
  const delta = (d: Json) => event('content_block_delta', { index, delta: d });
  const stop = event('content_block_stop', { index });
  switch (block.type) {
    case 'text':
      return start({ ...block, text: '' }) + delta({ type: 'text_delta', text: typeof block.text === 'string' ? block.text : '' }) + stop;
    case 'tool_use':
    case 'server_tool_use':
      return start({ ...block, input: {} }) + delta({ type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) }) + stop;
    case 'thinking': {
      const thinking = delta({ type: 'thinking_delta', thinking: typeof block.thinking === 'string' ? block.thinking : '' });
      const signature = typeof block.signature === 'string' ? delta({ type: 'signature_delta', signature: block.signature }) : '';
      return start({ type: 'thinking', thinking: '', signature: '' }) + thinking + signature + stop;
    }
    default:
      return start(block) + stop;
  }
}
