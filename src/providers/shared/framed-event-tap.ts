import type { GatewayError } from '../../spec/index.js';
import type { PassthroughEvent } from '../provider.js';
import { SseFramer } from './sse-framer.js';

/** What a passthrough tap knows about its protocol: how to classify an event and how a stream ends. */
export interface EventTapProtocol {
  /** Classifies one framed event; undefined drops it. */
  classify(event: Buffer): PassthroughEvent | undefined;
  /** The typed error for a failed body read (reset, idle timeout, abort, an event past the framer's limit). */
  readError(error: unknown): GatewayError;
  /** After the body ended: the truncation error when the protocol's terminal event never came. */
  endError(): GatewayError | undefined;
}

/** Where a pushed body's chunks go as they arrive (a tap attached to an UpstreamChunks). */
export interface ChunkSink {
  /** One chunk; false asks the source to stop reading until `resume()`. */
  onChunk(chunk: Uint8Array): boolean;
  onEnd(): void;
  onError(error: unknown): void;
}

/** A body that can hand its chunks over as they arrive instead of being read (UpstreamChunks). */
export interface ChunkPusher {
  /** From now on every chunk (those queued first), then the end or failure, goes to the sink. */
  attach(sink: ChunkSink): void;
  /** The sink said false and has caught up: read again. */
  resume(): void;
  /** The reader stopped: abort the call (its connection is closed). */
  abandon(): void;
}

/** Events queued beyond this many pause a pushed body until the reader catches up. */
const HIGH_WATER_EVENTS = 64;
const DONE: IteratorResult<PassthroughEvent> = Object.freeze({ value: undefined, done: true });
const EMPTY = Buffer.alloc(0);

function isChunkPusher(source: object): source is ChunkPusher {
  return typeof (source as Partial<ChunkPusher>).attach === 'function';
}

/**
 * The shared loop of the passthrough taps: frame the body into events, classify each, stop after the
 * first `error` event, and end with a read or truncation error when the stream did not complete.
 */
export function tapFramedEvents(source: AsyncIterable<Uint8Array>, protocol: EventTapProtocol): FramedEventTap {
  return new FramedEventTap(source, protocol);
}

/**
 * The passthrough taps' event sequence. On an upstream body that pushes (UpstreamChunks) it frames and
 * classifies each chunk as undici delivers it and hands the reader its next event through one promise:
 * no async generator or body iterator between the socket and the response writer, which cost several
 * promises and microtasks per streamed token. Any other async iterable is read a chunk at a time when
 * the reader asks. Either way: the events of a chunk are queued (`poll()` takes them without a
 * promise); after an `error` event — classified, a failed read, a truncated end, an event past the
 * framer's limit — nothing more is read, and a classified error or an oversized event abandons the call; the
 * reader's `return()` abandons it too; past HIGH_WATER_EVENTS queued events a pushed body is paused.
 * Nothing is read before the first `next()`.
 */
export class FramedEventTap implements AsyncIterableIterator<PassthroughEvent>, ChunkSink {
  private readonly framer = new SseFramer();
  /** Scratch list the framer fills; its slots are cleared (not the list shrunk and regrown) after each chunk. */
  private readonly framed: Buffer[] = [];
  private queue: PassthroughEvent[] = [];
  private head = 0;
  /** No more events will be queued: the body ended or failed, an error was queued, or the reader stopped. */
  private closed = false;
  private started = false;
  private paused = false;
  private waiting: ((result: IteratorResult<PassthroughEvent>) => void) | undefined;
  private pusher: ChunkPusher | undefined;
  private iterator: AsyncIterator<Uint8Array> | undefined;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly protocol: EventTapProtocol,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<PassthroughEvent>> {
    let ready = this.poll();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.resolve(DONE);
    if (!this.started) {
      this.started = true;
      if (isChunkPusher(this.source)) {
        this.pusher = this.source;
        this.source.attach(this); // what arrived before is delivered at once
        ready = this.poll();
        if (ready) return Promise.resolve(ready);
        if (this.closed) return Promise.resolve(DONE);
      }
    }
    if (!this.pusher) return this.pull();
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The next queued event without waiting, or undefined when none is queued. */
  poll(): IteratorResult<PassthroughEvent> | undefined {
    if (this.head === this.queue.length) return undefined;
    const event = this.queue[this.head++];
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head <= HIGH_WATER_EVENTS / 2) {
      this.paused = false;
      this.pusher?.resume();
    }
    return { value: event, done: false };
  }

  /** The reader stopped: nothing more is read and the upstream call is abandoned. */
  return(): Promise<IteratorResult<PassthroughEvent>> {
    const wasOpen = !this.closed;
    this.closed = true;
    this.queue = [];
    this.head = 0;
    if (wasOpen) this.abandonSource();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(DONE);
    return Promise.resolve(DONE);
  }

  onChunk(chunk: Uint8Array): boolean {
    if (this.closed) return true;
    const framed = this.framed;
    let count = 0;
    try {
      count = this.framer.push(chunk, framed);
      for (let i = 0; i < count; i++) {
        const classified = this.protocol.classify(framed[i]);
        if (classified === undefined) continue;
        this.queue.push(classified);
        if (classified.kind === 'error') {
          this.close(true);
          break;
        }
      }
    } catch (error) {
      this.queue.push({ kind: 'error', error: this.protocol.readError(error) });
      this.close(true);
    } finally {
      for (let i = 0; i < count; i++) framed[i] = EMPTY;
    }
    this.deliver();
    if (!this.closed && this.queue.length - this.head >= HIGH_WATER_EVENTS) {
      this.paused = true;
      return false;
    }
    return true;
  }

  onEnd(): void {
    if (this.closed) return;
    try {
      const last = this.framer.flush();
      const classified = last && this.protocol.classify(last);
      if (classified) this.queue.push(classified);
      if (classified?.kind !== 'error') {
        const ended = this.protocol.endError();
        if (ended) this.queue.push({ kind: 'error', error: ended });
      }
    } catch (error) {
      this.queue.push({ kind: 'error', error: this.protocol.readError(error) });
    }
    this.close(false);
    this.deliver();
  }

  onError(error: unknown): void {
    if (this.closed) return;
    this.queue.push({ kind: 'error', error: this.protocol.readError(error) });
    this.close(false);
    this.deliver();
  }

  /** Reads the (non-pushing) source until an event is queued or it ends. */
  private async pull(): Promise<IteratorResult<PassthroughEvent>> {
    const iterator = (this.iterator ??= this.source[Symbol.asyncIterator]());
    while (!this.closed && this.head === this.queue.length) {
      let result: IteratorResult<Uint8Array>;
      try {
        result = await iterator.next();
      } catch (error) {
        this.onError(error);
        break;
      }
      if (result.done) this.onEnd();
      else this.onChunk(result.value);
    }
    return this.poll() ?? DONE;
  }

  /** A reader waiting for an event gets the next one, or the end once nothing more can come. */
  private deliver(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    const ready = this.poll();
    if (!ready && !this.closed) return;
    this.waiting = undefined;
    waiting(ready ?? DONE);
  }

  private close(abandon: boolean): void {
    this.closed = true;
    if (abandon) this.abandonSource();
  }

  private abandonSource(): void {
    if (this.pusher) this.pusher.abandon();
    else if (isChunkPusher(this.source)) this.source.abandon();
    else {
      const iterator = this.iterator ?? this.source[Symbol.asyncIterator]();
      void iterator.return?.()?.catch(() => undefined);
    }
  }
}
