import type { Usage } from '../../spec/index.js';
import type { PassthroughEvent, StreamEventKind } from '../provider.js';
import { encodeSseEvent } from '../shared/sse-decoder.js';
import { tapFramedEvents } from '../shared/framed-event-tap.js';
import { singleDataLineStart, sseEventData, sseEventName } from '../shared/sse-framer.js';
import { JsonKeySet, scanStreamChunk, type StreamChunkScan } from '../shared/stream-chunk-scan.js';
import { mapBodyReadError } from '../shared/upstream-http.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { badUpstreamResponse, mapOpenAIErrorObject, streamTruncated } from './openai-errors.js';
import type { OpenAIWireUsage } from './openai-wire-types.js';

export interface OpenAIStreamTapOptions {
  /**
   * The gateway forced `include_usage` on a client that did not ask for it: remove the usage chunk
   * (and a `usage` object on any other chunk) before the bytes reach the client.
   */
  stripUsage: boolean;
  provider: string;
  signal: AbortSignal;
  upstreamRequestId?: string;
}

/** A passthrough stream's events plus what was learned from them. */
export interface OpenAIStreamTap {
  events: AsyncIterable<PassthroughEvent>;
  usage(): Usage | undefined;
  finished(): boolean;
  deliveredChars(): number;
}

const CONTENT_KEYS = new JsonKeySet(['content', 'arguments', 'reasoning_content', 'reasoning', 'refusal']);
const SCAN: StreamChunkScan = { contentBytes: 0, finishReason: false, usage: false };

interface ChunkShape {
  error?: unknown;
  usage?: OpenAIWireUsage | null;
  choices?: Array<{ delta?: Record<string, unknown>; finish_reason?: unknown }>;
}

/**
 * Reads a Chat Completions SSE body on the passthrough hot path and yields it as framed, classified
 * events. Until the first content event every chunk is parsed (there are one or two); after it only
 * chunks that carry usage are parsed, the rest are classified with native byte searches. In-stream
 * `{"error":…}` chunks become typed `error` events (never forwarded raw: an upstream may echo secrets),
 * and a body that ends without `[DONE]` or a finish reason ends with a truncation error. The client's
 * stream always ends at `[DONE]`: events after it are dropped, and it is added when the body ended
 * after a finish reason without it.
 */
export function tapOpenAIStream(source: AsyncIterable<Uint8Array>, options: OpenAIStreamTapOptions): OpenAIStreamTap {
  let usage: Usage | undefined;
  let finished = false;
  let done = false;
  let contentSeen = false;
  let delivered = 0;

  /** A chunk after the first content, without usage, read by one scan of its JSON (no parse); undefined when it carries usage. */
  function scanned(event: Buffer, from: number, end: number): PassthroughEvent | undefined {
    const scan = scanStreamChunk(event, from, end, CONTENT_KEYS, SCAN);
    if (scan.usage) return undefined;
    delivered += scan.contentBytes;
    if (scan.finishReason) finished = true;
    return { kind: scan.contentBytes > 0 ? 'content' : finished ? 'finish' : 'other', bytes: event };
  }

  function classify(event: Buffer): PassthroughEvent | undefined {
    // [DONE] ends the stream for the client: nothing an upstream sends after it is forwarded.
    if (done) return undefined;
    if (contentSeen) {
      // The hot path: a one-line chunk, not [DONE] nor an error, is read without a string of its payload.
      const from = singleDataLineStart(event);
      if (from >= 0 && !isDone(event, from) && !startsWithBytes(event, from, ERROR_PREFIX)) {
        const plain = scanned(event, from, event.length - 2);
        if (plain) return plain;
      }
    }
    const data = sseEventData(event);
    if (data === undefined) return { kind: 'other', bytes: event };
    if (data === '[DONE]') {
      done = true;
      return { kind: 'finish', bytes: event };
    }
    const isError = data.startsWith('{"error"') || (!contentSeen && data.includes('"error"'));
    if (contentSeen && !isError) {
      // Other shapes of a plain content chunk (several data lines): not parsed either.
      const plain = scanned(event, 0, event.length);
      if (plain) return plain;
    }
    let chunk: ChunkShape;
    try {
      chunk = JSON.parse(data) as ChunkShape;
    } catch {
      return { kind: 'error', error: badUpstreamResponse(options.provider, 'a stream chunk is not JSON', options.upstreamRequestId) };
    }
    if (chunk === null || typeof chunk !== 'object') {
      return { kind: 'error', error: badUpstreamResponse(options.provider, 'a stream chunk is not a JSON object', options.upstreamRequestId) };
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      return { kind: 'error', error: mapOpenAIErrorObject(chunk.error, { provider: options.provider, upstreamRequestId: options.upstreamRequestId }) };
    }
    let kind: StreamEventKind = 'other';
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice?.delta && typeof choice.delta === 'object') {
      const chars = deltaChars(choice.delta);
      if (chars > 0 || Array.isArray(choice.delta.tool_calls)) {
        kind = 'content';
        contentSeen = true;
        delivered += chars;
      }
    }
    if (choice && choice.finish_reason !== null && choice.finish_reason !== undefined) {
      finished = true;
      if (kind === 'other') kind = 'finish';
    }
    let bytes: Buffer | undefined = event;
    if (chunk.usage && typeof chunk.usage === 'object') {
      usage = convertOpenAIUsage(chunk.usage);
      if (kind === 'other') kind = 'usage';
      if (options.stripUsage) {
        if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) bytes = undefined;
        else {
          delete chunk.usage;
          bytes = Buffer.from(encodeSseEvent(JSON.stringify(chunk), sseEventName(event)));
        }
      }
    }
    return { kind, bytes };
  }

  const events = tapFramedEvents(source, {
    classify,
    readError: (error) => mapBodyReadError(error, options.provider, options.signal),
    endError: () => (done || finished ? undefined : streamTruncated(options.provider, options.upstreamRequestId)),
    // A body that ended after its finish_reason without [DONE] still ends with [DONE] for the client.
    closingEvent: () => (done ? undefined : { kind: 'finish', bytes: DONE_EVENT }),
  });
  return { events, usage: () => usage, finished: () => finished || done, deliveredChars: () => delivered };
}

const DONE_PAYLOAD = Buffer.from('[DONE]');
const DONE_EVENT = Buffer.from('data: [DONE]\n\n');
const ERROR_PREFIX = Buffer.from('{"error"');

function startsWithBytes(event: Buffer, at: number, prefix: Buffer): boolean {
  return event.length >= at + prefix.length && event.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** A one-line event whose payload (from `from` to the blank line) is `[DONE]`. */
function isDone(event: Buffer, from: number): boolean {
  return event.length - 2 - from === DONE_PAYLOAD.length && startsWithBytes(event, from, DONE_PAYLOAD);
}

/** Characters of content in one parsed delta. */
function deltaChars(delta: Record<string, unknown>): number {
  let chars = 0;
  for (const key of ['content', 'reasoning_content', 'reasoning', 'refusal']) {
    const value = delta[key];
    if (typeof value === 'string') chars += value.length;
  }
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls as Array<{ function?: { arguments?: unknown; name?: unknown } }>) {
      if (typeof call?.function?.arguments === 'string') chars += call.function.arguments.length;
      if (typeof call?.function?.name === 'string') chars += call.function.name.length;
    }
  }
  return chars;
}
