import { MAX_RESPONSE_BODY_BYTES, responseTooLarge } from '../shared/upstream-http.js';
import { badUpstreamResponse } from './openai-errors.js';

/**
 * Some OpenAI-compatible servers (a house model's server without streaming, proxies in front of one)
 * answer `"stream": true` with a whole `chat.completion` as `application/json`. Read as SSE it would
 * look like a truncated stream; instead the answer is read whole and re-emitted as the chunks a
 * streaming server would have sent — the role and all content (text, refusal, reasoning, tool calls)
 * in one delta per choice, then each choice's finish_reason, then the usage chunk, then `[DONE]` — so
 * the passthrough tap and the translating decoder read it like any stream ("fake streaming": the
 * client's stream arrives at once). A JSON body with `error` becomes an in-stream error event, mapped
 * like one. An HTML page (a proxy's or a portal's) is a typed bad response at once.
 */
export type StreamBodyKind = 'sse' | 'json' | 'html';

/** How to read a streamed 2xx answer, by its content type (absent or unknown: as SSE, as before). */
export function streamBodyKind(headers: Record<string, string | string[]>): StreamBodyKind {
  const raw = headers['content-type'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.startsWith('text/event-stream')) return 'sse'; // the usual answer: no string work
  const type = value.split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/html') return 'html';
  return 'sse';
}

export function htmlForStream(provider: string, upstreamRequestId: string | undefined): Error {
  return badUpstreamResponse(provider, 'a streaming request was answered with an HTML page, not an event stream', upstreamRequestId);
}

/**
 * The whole JSON answer from `chunks`, as the SSE bytes of the equivalent stream (one buffer). The
 * first non-blank byte decides: a body that does not start with `{` is an event stream labelled as
 * JSON by a careless server, and passes on unchanged as it arrives.
 */
export async function* wholeCompletionAsEvents(chunks: AsyncIterable<Uint8Array>, provider: string, upstreamRequestId: string | undefined): AsyncGenerator<Uint8Array> {
  const parts: Buffer[] = [];
  let size = 0;
  let json: boolean | undefined;
  for await (const chunk of chunks) {
    if (json === false) {
      yield chunk;
      continue;
    }
    size += chunk.length;
    if (size > MAX_RESPONSE_BODY_BYTES) throw responseTooLarge(provider, MAX_RESPONSE_BODY_BYTES);
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    json ??= firstNonBlank(chunk);
    if (json === false) yield Buffer.concat(parts, size);
  }
  if (json === false) return;
  let whole: unknown;
  try {
    whole = JSON.parse(Buffer.concat(parts, size).toString('utf8'));
  } catch {
    throw badUpstreamResponse(provider, 'a streaming request was answered with application/json that does not parse', upstreamRequestId);
  }
  yield Buffer.from(completionAsEvents(whole, provider, upstreamRequestId), 'utf8');
}

/** true when the first non-blank byte of the chunk is `{`, false for any other, undefined when it is all blank. */
function firstNonBlank(chunk: Uint8Array): boolean | undefined {
  for (const byte of chunk) if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return byte === 0x7b;
  return undefined;
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
