import { MAX_RESPONSE_BODY_BYTES, responseTooLarge } from './upstream-http.js';
import type { UpstreamChunks } from './upstream-streamed.js';

/**
 * Servers that cannot stream (a house model's, a proxy in front of one) may answer `"stream": true`
 * with one whole answer as `application/json`. Read as SSE it would look like a truncated stream;
 * instead each provider reads it whole and re-emits the events a streaming server would have sent
 * (openai-whole-as-stream.ts, anthropic-whole-as-stream.ts), so the passthrough taps and the
 * translating decoders read it like any stream ("fake streaming": the client's stream arrives at
 * once). An HTML page (a proxy's or a portal's) is a typed bad response at once.
 */
export type StreamBodyKind = 'sse' | 'json' | 'html';

/** How to read a streamed 2xx answer, by its content type (absent or unknown: as SSE). */
export function streamBodyKind(headers: Record<string, string | string[]>): StreamBodyKind {
  const raw = headers['content-type'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.startsWith('text/event-stream')) return 'sse'; // the usual answer: no string work
  const type = value.split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/html') return 'html';
  return 'sse';
}

/** What reading a whole JSON answer as a stream needs from a provider: its event synthesis and its bad-response error. */
export interface WholeAnswerDialect {
  /** SSE text of the events equivalent to the parsed answer (throws the typed error when it is not an answer). */
  events(whole: unknown): string;
  /** The typed error for an answer that cannot be read. */
  bad(what: string): Error;
}

/**
 * The body of a streamed 2xx answer as its decoder should read it: the chunks themselves (an event
 * stream), the events equivalent to a whole JSON answer, or — for an HTML page — the dialect's typed
 * bad response at once (the call is abandoned).
 */
export function streamBody(headers: Record<string, string | string[]>, chunks: UpstreamChunks, provider: string, dialect: WholeAnswerDialect): AsyncIterable<Uint8Array> {
  const kind = streamBodyKind(headers);
  if (kind === 'sse') return chunks;
  if (kind === 'html') {
    chunks.abandon();
    throw dialect.bad('a streaming request was answered with an HTML page, not an event stream');
  }
  return wholeAnswerAsEvents(chunks, provider, dialect);
}

/**
 * The whole JSON answer from `chunks`, as the SSE bytes of the equivalent stream (one buffer). The
 * first non-blank byte decides: a body that does not start with `{` is an event stream labelled as
 * JSON by a careless server, and passes on unchanged as it arrives.
 */
export async function* wholeAnswerAsEvents(chunks: AsyncIterable<Uint8Array>, provider: string, dialect: WholeAnswerDialect): AsyncGenerator<Uint8Array> {
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
    throw dialect.bad('a streaming request was answered with application/json that does not parse');
  }
  yield Buffer.from(dialect.events(whole), 'utf8');
}

/** true when the first non-blank byte of the chunk is `{`, false for any other, undefined when it is all blank. */
function firstNonBlank(chunk: Uint8Array): boolean | undefined {
  for (const byte of chunk) if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return byte === 0x7b;
  return undefined;
}

