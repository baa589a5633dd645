import type { Usage } from '../../spec/index.js';
import type { PassthroughEvent } from '../provider.js';
import { tapFramedEvents } from '../shared/framed-event-tap.js';
import { sseEventData, sseEventName } from '../shared/sse-framer.js';
import { JsonKeySet, scanStreamChunk, type StreamChunkScan } from '../shared/stream-chunk-scan.js';
import { mapBodyReadError } from '../shared/upstream-http.js';
import type { AnthropicUsageFields } from './anthropic-api-types.js';
import { mapAnthropicStreamError } from './anthropic-errors.js';
import { isRecord, parseJsonSafely } from './anthropic-narrowing.js';
import { convertAnthropicUsage, mergeAnthropicUsageFields, readAnthropicUsageFields } from './convert-anthropic-usage.js';
import { GatewayError } from '../../spec/index.js';

export interface AnthropicStreamTap {
  events: AsyncIterable<PassthroughEvent>;
  usage(): Usage | undefined;
  finished(): boolean;
  deliveredChars(): number;
}

const CONTENT_KEYS = new JsonKeySet(['text', 'partial_json', 'thinking']);
const SCAN: StreamChunkScan = { contentBytes: 0, finishReason: false, usage: false };

/**
 * Reads an Anthropic Messages SSE body on the passthrough path and yields it as framed, classified
 * events, bytes unchanged. Events are classified by their `event:` name; only message_start,
 * message_delta, content_block_start and error are parsed. Usage is the input side from message_start
 * merged with the cumulative message_delta usage. An `event: error` becomes a typed error event (not
 * forwarded raw); a body that ends before message_stop ends with a truncation error, and events after
 * message_stop are dropped.
 */
export function tapAnthropicStream(source: AsyncIterable<Uint8Array>, provider: string, signal: AbortSignal, upstreamRequestId?: string): AnthropicStreamTap {
  let fields: AnthropicUsageFields = {};
  let usageSeen = false;
  let stopped = false;
  let delivered = 0;

  const readUsage = (raw: unknown) => {
    if (!isRecord(raw)) return;
    fields = mergeAnthropicUsageFields(fields, readAnthropicUsageFields(raw));
    usageSeen = true;
  };

  function classify(event: Buffer): PassthroughEvent | undefined {
    // message_stop ends the stream for the client: nothing an upstream sends after it is forwarded.
    if (stopped) return undefined;
    const name = sseEventName(event) ?? typeOfData(event);
    switch (name) {
      case 'content_block_delta': {
        delivered += scanStreamChunk(event, 0, event.length, CONTENT_KEYS, SCAN).contentBytes;
        return { kind: 'content', bytes: event };
      }
      case 'content_block_start': {
        const data = parseJsonSafely(sseEventData(event) ?? '');
        const block = isRecord(data) && isRecord(data.content_block) ? data.content_block : undefined;
        // A tool call (or any non-text block) is content from its start; text and thinking blocks from their first delta.
        const isContent = block !== undefined && block.type !== 'text' && block.type !== 'thinking';
        return { kind: isContent ? 'content' : 'other', bytes: event };
      }
      case 'message_start': {
        const data = parseJsonSafely(sseEventData(event) ?? '');
        if (isRecord(data) && isRecord(data.message)) readUsage(data.message.usage);
        return { kind: 'start', bytes: event };
      }
      case 'message_delta': {
        const data = parseJsonSafely(sseEventData(event) ?? '');
        if (isRecord(data)) readUsage(data.usage);
        return { kind: 'usage', bytes: event };
      }
      case 'message_stop':
        stopped = true;
        return { kind: 'finish', bytes: event };
      case 'error':
        return { kind: 'error', error: mapAnthropicStreamError(parseJsonSafely(sseEventData(event) ?? ''), provider, upstreamRequestId) };
      default:
        return { kind: 'other', bytes: event };
    }
  }

  const events = tapFramedEvents(source, {
    classify,
    readError: (error) => mapBodyReadError(error, provider, signal),
    endError: () => (stopped ? undefined : truncated(provider, upstreamRequestId)),
  });
  return { events, usage: () => (usageSeen ? convertAnthropicUsage(fields) : undefined), finished: () => stopped, deliveredChars: () => delivered };
}

/** The `type` of an event without an `event:` line (allowed by SSE; Anthropic always sends one). */
function typeOfData(event: Buffer): string | undefined {
  const data = parseJsonSafely(sseEventData(event) ?? '');
  return isRecord(data) && typeof data.type === 'string' ? data.type : undefined;
}

function truncated(provider: string, upstreamRequestId?: string): GatewayError {
  return new GatewayError({
    code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED',
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: `The stream from Anthropic upstream ${provider} ended before message_stop.`,
    retryable: true,
    provider,
    upstreamRequestId,
  });
}

