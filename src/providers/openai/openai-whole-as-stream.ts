import type { WholeAnswerDialect } from '../shared/whole-as-stream.js';
import { badUpstreamResponse } from './openai-errors.js';

/**
 * How a whole `chat.completion` answering a streaming request is read (shared/whole-as-stream.ts):
 * re-emitted as the chunks a streaming server would have sent — the role and all content (text,
 * refusal, reasoning, tool calls) in one delta per choice, then each choice's finish_reason, then the
 * usage chunk, then `[DONE]`. A JSON body with `error` becomes an in-stream error event, mapped like one.
 */
export function wholeCompletion(provider: string, upstreamRequestId: string | undefined): WholeAnswerDialect {
  return {
    events: (whole) => completionAsEvents(whole, provider, upstreamRequestId),
    bad: (what) => badUpstreamResponse(provider, what, upstreamRequestId),
  };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** SSE text of the chunks equivalent to one `chat.completion` object (or an error event for `{"error": …}`). */
export function completionAsEvents(whole: unknown, provider: string, upstreamRequestId: string | undefined): string {
  if (isObject(whole) && whole.error !== undefined && whole.choices === undefined) return `data: ${JSON.stringify({ error: whole.error })}\n\n`;
  if (!isObject(whole) || !Array.isArray(whole.choices)) {
    throw badUpstreamResponse(provider, 'a streaming request was answered with JSON that is not a chat completion', upstreamRequestId);
  }
  const base: Json = { id: whole.id, object: 'chat.completion.chunk', created: whole.created, model: whole.model };
  if (whole.system_fingerprint !== undefined) base.system_fingerprint = whole.system_fingerprint;
  if (whole.service_tier !== undefined) base.service_tier = whole.service_tier;
  const event = (extra: Json) => `data: ${JSON.stringify({ ...base, ...extra })}\n\n`;
  let text = '';
  const finishes: string[] = [];
  whole.choices.forEach((choice: unknown, position: number) => {
    const c = isObject(choice) ? choice : {};
    const index = typeof c.index === 'number' ? c.index : position;
    text += event({ choices: [{ index, delta: messageAsDelta(isObject(c.message) ? c.message : {}), logprobs: c.logprobs ?? null, finish_reason: null }] });
    finishes.push(event({ choices: [{ index, delta: {}, logprobs: null, finish_reason: c.finish_reason ?? 'stop' }] }));
  });
  text += finishes.join('');
  if (isObject(whole.usage)) text += event({ choices: [], usage: whole.usage });
  return `${text}data: [DONE]\n\n`;
}

/** A whole message as one delta: role, then whatever content it has; tool calls get their stream `index`. */
function messageAsDelta(message: Json): Json {
  const delta: Json = { role: typeof message.role === 'string' ? message.role : 'assistant' };
  for (const field of ['content', 'refusal', 'reasoning_content', 'reasoning', 'function_call', 'audio'] as const) {
    if (message[field] !== undefined && message[field] !== null) delta[field] = message[field];
  }
  if (delta.content === undefined) delta.content = message.content === null ? null : '';
  if (Array.isArray(message.tool_calls)) {
    delta.tool_calls = message.tool_calls.map((call: unknown, index: number) => {
      const c = isObject(call) ? call : {};
      return { index, id: c.id, type: c.type ?? 'function', function: c.function };
    });
  }
  return delta;
}
