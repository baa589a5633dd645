import type { GatewayError } from '../../spec/index.js';
import type { PassthroughEvent } from '../provider.js';

const LF = 0x0a;
const CR = 0x0d;
const EVENT_END = Buffer.from('\n\n');

/**
 * Frames an SSE byte stream into whole events (each returned with its terminating blank line) using
 * native searches, for passthrough taps that must look at every event but forward bytes unchanged.
 * Streams with CR or CRLF line ends (allowed by SSE) are normalised to LF, a CR at the end of a chunk
 * being held back until the next one shows whether an LF follows. Memory is bounded by the caller's
 * event size: `pendingBytes` tells how much is buffered waiting for a blank line.
 */
export class SseFramer {
  private carry: Buffer | undefined;
  private heldCr = false;

  /** Feeds bytes; returns the events completed by them (possibly none). */
  push(chunk: Uint8Array): Buffer[] {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.heldCr || bytes.includes(CR)) bytes = this.normalise(bytes);
    const data = this.carry ? Buffer.concat([this.carry, bytes]) : bytes;
    const events: Buffer[] = [];
    let start = 0;
    for (;;) {
      const end = data.indexOf(EVENT_END, start);
      if (end < 0) break;
      events.push(data.subarray(start, end + 2));
      start = end + 2;
      // Extra blank lines between events belong to no event.
      while (start < data.length && data[start] === LF) start++;
    }
    this.carry = start < data.length ? data.subarray(start) : undefined;
    return events;
  }

  /** At end of stream: an unterminated last event (completed with its blank line), if any. */
  flush(): Buffer | undefined {
    const rest = this.carry;
    this.carry = undefined;
    if (!rest || rest.every((byte) => byte === LF)) return undefined;
    return Buffer.concat([rest, rest[rest.length - 1] === LF ? Buffer.from('\n') : EVENT_END]);
  }

  get pendingBytes(): number {
    return this.carry?.length ?? 0;
  }

  private normalise(bytes: Buffer): Buffer {
    let text = bytes.toString('latin1');
    if (this.heldCr) text = '\r' + text;
    this.heldCr = text.endsWith('\r');
    if (this.heldCr) text = text.slice(0, -1);
    return Buffer.from(text.replace(/\r\n?/g, '\n'), 'latin1');
  }
}

/** The `data:` payload of one framed event (lines joined with LF), or undefined when it has none. */
export function sseEventData(event: Buffer): string | undefined {
  // Fast path: a single `data: …` line (what OpenAI sends).
  if (event[0] === 0x64 /* d */ && event.indexOf(LF) === event.length - 2 && event.toString('latin1', 0, 5) === 'data:') {
    const from = event[5] === 0x20 ? 6 : 5;
    return event.toString('utf8', from, event.length - 2);
  }
  let data: string | undefined;
  for (const line of event.toString('utf8').split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line.startsWith('data: ') ? 6 : 5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

/** The `event:` name of one framed event, or undefined. */
export function sseEventName(event: Buffer): string | undefined {
  if (event.toString('latin1', 0, 6) === 'event:') {
    const end = event.indexOf(LF);
    return event.toString('utf8', event[6] === 0x20 ? 7 : 6, end).trim();
  }
  const at = event.indexOf('\nevent:');
  if (at < 0) return undefined;
  const end = event.indexOf(LF, at + 1);
  return event.toString('utf8', at + 7, end).trim();
}

/**
 * Total length of the JSON string values of the given keys in one event (e.g. `"content":"…"`), read
 * without parsing: what a passthrough stream delivered, for estimating usage of a cut stream.
 */
export function stringValuesLength(event: Buffer, keys: readonly Buffer[]): number {
  let total = 0;
  for (const key of keys) {
    let at = event.indexOf(key);
    while (at >= 0) {
      const start = at + key.length;
      let end = start;
      for (;;) {
        end = event.indexOf(0x22 /* " */, end);
        if (end < 0) return total;
        let slashes = 0;
        for (let k = end - 1; k >= start && event[k] === 0x5c; k--) slashes++;
        if (slashes % 2 === 0) break;
        end++;
      }
      total += end - start;
      at = event.indexOf(key, end + 1);
    }
  }
  return total;
}

/** `"name":"` as bytes, for stringValuesLength. */
export function jsonKeyPrefix(name: string): Buffer {
  return Buffer.from(`"${name}":"`);
}

/** What a passthrough tap knows about its protocol: how to classify an event and how a stream ends. */
export interface EventTapProtocol {
  /** Classifies one framed event; undefined drops it. */
  classify(event: Buffer): PassthroughEvent | undefined;
  /** The typed error for a failed body read (reset, idle timeout, abort). */
  readError(error: unknown): GatewayError;
  /** After the body ended: the truncation error when the protocol's terminal event never came. */
  endError(): GatewayError | undefined;
}

/**
 * The shared loop of the passthrough taps: frame the body into events, classify each, stop after the
 * first `error` event, and end with a read or truncation error when the stream did not complete.
 */
export async function* tapFramedEvents(source: AsyncIterable<Uint8Array>, protocol: EventTapProtocol): AsyncGenerator<PassthroughEvent> {
  const framer = new SseFramer();
  try {
    for await (const chunk of source) {
      for (const event of framer.push(chunk)) {
        const classified = protocol.classify(event);
        if (classified) yield classified;
        if (classified?.kind === 'error') return;
      }
    }
    const last = framer.flush();
    const classified = last && protocol.classify(last);
    if (classified) {
      yield classified;
      if (classified.kind === 'error') return;
    }
  } catch (error) {
    yield { kind: 'error', error: protocol.readError(error) };
    return;
  }
  const ended = protocol.endError();
  if (ended) yield { kind: 'error', error: ended };
}
