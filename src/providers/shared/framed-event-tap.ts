import type { GatewayError } from '../../spec/index.js';
import type { PassthroughEvent } from '../provider.js';
import { DecodedStream, type StreamDecoder } from './decoded-stream.js';
import { SseFramer } from './sse-framer.js';

/** What a passthrough tap knows about its protocol: how to classify an event and how a stream ends. */
export interface EventTapProtocol {
  /** Classifies one framed event; undefined drops it. */
  classify(event: Buffer): PassthroughEvent | undefined;
  /** The typed error for a failed body read (reset, idle timeout, abort, an event past the framer's limit). */
  readError(error: unknown): GatewayError;
  /** After the body ended: the truncation error when the protocol's terminal event never came. */
  endError(): GatewayError | undefined;
  /** After a body that ended complete (no endError): an event the protocol requires last that the upstream left out. */
  closingEvent?(): PassthroughEvent | undefined;
}

/** A passthrough tap's events, with `poll()` for those already queued. */
export type FramedEventTap = DecodedStream<PassthroughEvent>;

/**
 * The shared loop of the passthrough taps: frame the body into SSE events (bytes unchanged), classify
 * each, stop after the first `error` event (the call is abandoned), and end with a read or truncation
 * error when the stream did not complete (or with the protocol's closing event when only that is missing). On an UpstreamChunks it runs inside undici's `onData`
 * (DecodedStream).
 */
export function tapFramedEvents(source: AsyncIterable<Uint8Array>, protocol: EventTapProtocol): FramedEventTap {
  return new DecodedStream(source, new FramingDecoder(protocol));
}

const EMPTY = Buffer.alloc(0);

class FramingDecoder implements StreamDecoder<PassthroughEvent> {
  private readonly framer = new SseFramer();
  /** Scratch list the framer fills; its slots are cleared (not the list shrunk and regrown) after each chunk. */
  private readonly framed: Buffer[] = [];

  constructor(private readonly protocol: EventTapProtocol) {}

  chunk(chunk: Uint8Array, out: PassthroughEvent[]): 'more' | 'stop' {
    const framed = this.framed;
    let count = 0;
    try {
      count = this.framer.push(chunk, framed);
      for (let i = 0; i < count; i++) {
        const classified = this.protocol.classify(framed[i]);
        if (classified === undefined) continue;
        out.push(classified);
        if (classified.kind === 'error') return 'stop';
      }
      return 'more';
    } finally {
      for (let i = 0; i < count; i++) framed[i] = EMPTY;
    }
  }

  end(out: PassthroughEvent[]): void {
    const last = this.framer.flush();
    const classified = last && this.protocol.classify(last);
    if (classified) out.push(classified);
    if (classified?.kind === 'error') return;
    const ended = this.protocol.endError();
    if (ended) return void out.push({ kind: 'error', error: ended });
    this.close(out);
  }

  fail(error: unknown, out: PassthroughEvent[]): void {
    // A read failure after the terminal event (a reset after [DONE] or message_stop) does not undo a complete answer.
    if (this.protocol.endError() === undefined) return this.close(out);
    out.push({ kind: 'error', error: this.protocol.readError(error) });
  }

  private close(out: PassthroughEvent[]): void {
    const closing = this.protocol.closingEvent?.();
    if (closing) out.push(closing);
  }
}
