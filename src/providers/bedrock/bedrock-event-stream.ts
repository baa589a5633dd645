import { EventStreamCodec, type Message, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/**
 * The AWS binary event stream (`application/vnd.amazon.eventstream`), as ConverseStream sends it.
 *
 * Frame: `u32 total_len | u32 headers_len | u32 prelude CRC | headers | payload | u32 message CRC`,
 * big-endian. TCP reads do not follow frame boundaries: one read may hold half a frame or several.
 * `EventStreamFrameSplitter` only reads the length prefix to cut whole frames out of the byte stream;
 * all validation (both CRCs, header parsing) is the codec's (@smithy/eventstream-codec).
 */

const LENGTH_PREFIX = 4;
/** prelude (12) + message CRC (4). */
const MIN_FRAME_LENGTH = 16;
/** AWS caps a message at 16 MiB of payload plus 128 KiB of headers; anything longer is corrupt. */
const MAX_FRAME_LENGTH = 16 * 1024 * 1024 + 128 * 1024 + MIN_FRAME_LENGTH;

/** The byte stream is not a sequence of well-formed frames (bad length prefix, or cut off mid-frame). */
export class EventStreamFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventStreamFramingError';
  }
}

/**
 * Cuts whole frames (prelude to message CRC) out of a chunked byte stream, synchronously, in order;
 * throws EventStreamFramingError on an impossible length prefix, and at `end()` when a frame was cut off.
 */
export class EventStreamFrameSplitter {
  private readonly queue = new ByteQueue();

  /** Appends the frames completed by this chunk to `out`. */
  push(chunk: Uint8Array, out: Uint8Array[]): void {
    if (chunk.byteLength === 0) return;
    const queue = this.queue;
    queue.push(chunk);
    while (queue.length >= LENGTH_PREFIX) {
      const frameLength = queue.peekUint32();
      if (frameLength < MIN_FRAME_LENGTH || frameLength > MAX_FRAME_LENGTH) {
        throw new EventStreamFramingError(`Event stream frame announces an impossible length of ${frameLength} bytes.`);
      }
      if (queue.length < frameLength) break;
      out.push(queue.take(frameLength));
    }
  }

  end(): void {
    if (this.queue.length > 0) {
      throw new EventStreamFramingError(`Event stream ended inside a frame (${this.queue.length} bytes of an incomplete frame).`);
    }
  }
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Decodes exactly one frame. */
export function decodeEventStreamFrame(frame: Uint8Array): Message {
  return codec.decode(frame);
}

/** Encodes one message into a frame (CRCs computed by the codec). */
export function encodeEventStreamFrame(message: Message): Uint8Array {
  return codec.encode(message);
}

/** One ConverseStream frame, interpreted by its `:message-type`. */
export type BedrockStreamFrame =
  /** `:event-type` names the ConverseStreamOutput member; payload is the inner object without `p`. */
  | { kind: 'event'; eventType: string; payload: Record<string, unknown> }
  /** A modeled in-stream exception (`:exception-type` e.g. throttlingException), payload `{message}`. */
  | { kind: 'exception'; exceptionType: string; payload: Record<string, unknown> }
  /** An unmodeled error frame (`:error-code`, `:error-message`). */
  | { kind: 'error'; errorCode: string; errorMessage: string };

export function readBedrockFrame(message: Message): BedrockStreamFrame {
  const messageType = stringHeader(message.headers, ':message-type') ?? 'event';
  if (messageType === 'error') {
    return {
      kind: 'error',
      errorCode: stringHeader(message.headers, ':error-code') ?? 'UnknownError',
      errorMessage: stringHeader(message.headers, ':error-message') ?? '',
    };
  }
  const payload = parsePayload(message.body);
  if (messageType === 'exception') {
    return { kind: 'exception', exceptionType: stringHeader(message.headers, ':exception-type') ?? 'unknownException', payload };
  }
  if (messageType !== 'event') {
    throw new EventStreamFramingError(`Unknown event stream message type '${messageType}'.`);
  }
  const eventType = stringHeader(message.headers, ':event-type');
  if (eventType === undefined) throw new EventStreamFramingError('Event stream event without an :event-type header.');
  return { kind: 'event', eventType, payload };
}

function stringHeader(headers: MessageHeaders, name: string): string | undefined {
  const header = headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

function parsePayload(body: Uint8Array): Record<string, unknown> {
  if (body.byteLength === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(toUtf8(body));
  } catch {
    throw new EventStreamFramingError('Event stream payload is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EventStreamFramingError('Event stream payload is not a JSON object.');
  }
  const { p: _padding, ...payload } = parsed as Record<string, unknown>;
  return payload;
}

/**
 * FIFO of byte chunks that hands out exact-length slices, copying only when a slice spans chunks.
 * Consumed chunks are skipped by index and compacted away in bulk (`shift()` per chunk is quadratic
 * when a large frame arrives in many small chunks).
 */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Index of the front chunk in `chunks`. */
  private first = 0;
  /** Bytes of the front chunk already taken. */
  private head = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  /** Big-endian u32 at the front; requires length >= 4. */
  peekUint32(): number {
    let value = 0;
    let needed = LENGTH_PREFIX;
    let offset = this.head;
    for (let c = this.first; c < this.chunks.length && needed > 0; c++) {
      const chunk = this.chunks[c];
      for (let i = offset; i < chunk.byteLength && needed > 0; i++, needed--) value = value * 256 + chunk[i];
      offset = 0;
    }
    return value;
  }

  take(count: number): Uint8Array {
    const first = this.chunks[this.first];
    if (first.byteLength - this.head >= count) {
      const slice = first.subarray(this.head, this.head + count);
      this.advance(count);
      return slice;
    }
    const out = new Uint8Array(count);
    let written = 0;
    while (written < count) {
      const chunk = this.chunks[this.first];
      const n = Math.min(count - written, chunk.byteLength - this.head);
      out.set(chunk.subarray(this.head, this.head + n), written);
      written += n;
      this.advance(n);
    }
    return out;
  }

  private advance(count: number): void {
    this.head += count;
    this.length -= count;
    if (this.head === this.chunks[this.first].byteLength) {
      this.first++;
      this.head = 0;
      if (this.first === this.chunks.length) {
        this.chunks = [];
        this.first = 0;
      } else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
        this.chunks = this.chunks.slice(this.first);
        this.first = 0;
      }
    }
  }
}
