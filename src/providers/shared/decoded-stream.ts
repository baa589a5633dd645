/** Where a pushed body's chunks go as they arrive (a decoded stream attached to an UpstreamChunks). */
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

/**
 * Synchronous decoding of a body into items (SSE events classified for passthrough, canonical stream
 * parts for translation). Each method appends what it decoded to `out`.
 */
export interface StreamDecoder<T, C extends Uint8Array | string = Uint8Array> {
  /** One chunk. 'stop' when nothing after it may be read (a terminal item): the call is abandoned. */
  chunk(chunk: C, out: T[]): 'more' | 'stop';
  /** The body ended. */
  end(out: T[]): void;
  /** Reading failed (reset, timeout, abort), or decoding threw: the items that say so. */
  fail(error: unknown, out: T[]): void;
}

/** Items queued beyond this many pause a pushed body until the reader catches up. */
const HIGH_WATER_ITEMS = 64;
const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true });

function isChunkPusher(source: object): source is ChunkPusher {
  return typeof (source as Partial<ChunkPusher>).attach === 'function';
}

/**
 * A body decoded into items for one reader. On a body that pushes (UpstreamChunks) each chunk is decoded
 * as undici delivers it and the reader's one pending promise is resolved: no async generators or body
 * iterator between the socket and the reader, which cost several promises and microtasks per streamed
 * token. Any other async iterable is read a chunk at a time when the reader asks. Either way the items
 * of a chunk are queued (`poll()` takes them without a promise); once the decoder says 'stop', the body
 * ended or failed, or decoding threw, nothing more is decoded (after a 'stop' or a throw the call is
 * abandoned); the reader's `return()` abandons a call still running; past HIGH_WATER_ITEMS queued items
 * a pushed body is paused. Nothing is read before the first `next()`.
 */
export class DecodedStream<T, C extends Uint8Array | string = Uint8Array> implements AsyncIterableIterator<T>, ChunkSink {
  private queue: T[] = [];
  private head = 0;
  /** No more items will be queued. */
  private closed = false;
  /** The body ended or failed by itself (nothing to abandon). */
  private settled = false;
  private started = false;
  private paused = false;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private pusher: ChunkPusher | undefined;
  private iterator: AsyncIterator<C> | undefined;

  constructor(
    private readonly source: AsyncIterable<C>,
    private readonly decoder: StreamDecoder<T, C>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
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

  /**
   * The next queued item without waiting; the end (done) once nothing more can come, so a reader that
   * polls first needs no promise for it either; undefined while it must wait.
   */
  poll(): IteratorResult<T> | undefined {
    if (this.head === this.queue.length) return this.closed ? (DONE as IteratorResult<T>) : undefined;
    const value = this.queue[this.head++];
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head <= HIGH_WATER_ITEMS / 2) {
      this.paused = false;
      this.pusher?.resume();
    }
    return { value, done: false };
  }

  /** The reader stopped: nothing more is decoded and a call still running is abandoned. */
  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve(DONE);
  }

  /** What return() does, without a promise: nothing more is read, and a call still running is abandoned. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
    if (!this.settled) this.abandonSource();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(DONE);
  }

  /** A pushed chunk (always bytes), or one read from the source. */
  onChunk(chunk: Uint8Array | C): boolean {
    if (this.closed) return true;
    try {
      if (this.decoder.chunk(chunk as C, this.queue) === 'stop') this.stop();
    } catch (error) {
      this.decoder.fail(error, this.queue);
      this.stop();
    }
    this.deliver();
    if (!this.closed && this.queue.length - this.head >= HIGH_WATER_ITEMS) {
      this.paused = true;
      return false;
    }
    return true;
  }

  onEnd(): void {
    this.settled = true;
    if (this.closed) return;
    try {
      this.decoder.end(this.queue);
    } catch (error) {
      this.decoder.fail(error, this.queue);
    }
    this.closed = true;
    this.deliver();
  }

  onError(error: unknown): void {
    this.settled = true;
    if (this.closed) return;
    this.decoder.fail(error, this.queue);
    this.closed = true;
    this.deliver();
  }

  /** Reads the (non-pushing) source until an item is queued or it ends. */
  private async pull(): Promise<IteratorResult<T>> {
    const iterator = (this.iterator ??= this.source[Symbol.asyncIterator]());
    while (!this.closed && this.head === this.queue.length) {
      let result: IteratorResult<C>;
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

  /** A reader waiting for an item gets the next one, or the end once nothing more can come. */
  private deliver(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    const ready = this.poll();
    if (!ready && !this.closed) return;
    this.waiting = undefined;
    waiting(ready ?? DONE);
  }

  /** Nothing more is decoded, and the call is abandoned. */
  private stop(): void {
    this.closed = true;
    if (!this.settled) this.abandonSource();
    this.settled = true;
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
