import type { ChunkPusher, ChunkSink } from './decoded-stream.js';
import { UpstreamCallHandler, dispatchUpstream } from './upstream-dispatch.js';
import { defaultUpstreamPool, MAX_ERROR_BODY_BYTES, type UpstreamPool, type UpstreamRequest } from './upstream-http.js';

/** A streamed upstream answer: a 2xx with its body as chunks, or an error status with its (bounded) body. */
export type StreamedUpstreamResponse =
  | { status: number; headers: Record<string, string | string[]>; ok: true; chunks: UpstreamChunks }
  | { status: number; headers: Record<string, string | string[]>; ok: false; body: Buffer };

/** Chunks queued beyond this many pause the upstream socket until the consumer catches up. */
const HIGH_WATER_CHUNKS = 64;

/**
 * Sends one request upstream and resolves at its response headers with the body as an async iterable
 * of chunks fed straight from undici's dispatcher (the streaming calls). Compared with undici's
 * `request()` body — a Readable consumed through its async iterator — there is no stream object, no
 * event per chunk and no buffering layer: a chunk that arrives while the consumer waits resolves its
 * pending read at once; chunks that arrive faster are queued, and past HIGH_WATER_CHUNKS the socket is
 * paused until the queue drains (backpressure from a slow client reaches the upstream).
 * Deadlines: connect (agent), first byte (headersTimeout), idle between chunks
 * (bodyTimeout), total (a timer from the start); the client's signal aborts the call. A read after a
 * failure rejects with the raw error for mapBodyReadError; `return()` (the consumer stopped) aborts the
 * call and closes its connection. An error status is read whole, cut at MAX_ERROR_BODY_BYTES.
 */
export function sendUpstreamStreamed(req: UpstreamRequest, pool: UpstreamPool = defaultUpstreamPool): Promise<StreamedUpstreamResponse> {
  return dispatchUpstream<StreamedUpstreamResponse>(req, pool, (resolve, reject) => new StreamingHandler(req, resolve, reject));
}

/**
 * The body of a streamed 2xx answer: read it as an async iterator, or `attach` a sink (a DecodedStream:
 * the passthrough taps and the translating decoders) that gets every chunk as it arrives, with no
 * promise per chunk.
 */
export class UpstreamChunks implements AsyncIterableIterator<Uint8Array>, ChunkPusher {
  private queue: Buffer[] = [];
  private head = 0;
  private waiting: { resolve(result: IteratorResult<Uint8Array>): void; reject(error: unknown): void } | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private paused = false;
  private sink: ChunkSink | undefined;

  constructor(private readonly owner: { resumeBody(): void; abandon(): void }) {}

  attach(sink: ChunkSink): void {
    this.sink = sink;
    const queued = this.queue;
    const from = this.head;
    this.queue = [];
    this.head = 0;
    let wantsMore = true;
    for (let i = from; i < queued.length; i++) wantsMore = sink.onChunk(queued[i]);
    if (this.failure) sink.onError(this.failure.error);
    else if (this.ended) sink.onEnd();
    else if (this.paused && wantsMore) this.resume();
  }

  resume(): void {
    this.paused = false;
    this.owner.resumeBody();
  }

  abandon(): void {
    void this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.head < this.queue.length) {
      const chunk = this.queue[this.head++];
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      if (this.paused && this.queue.length - this.head <= HIGH_WATER_CHUNKS / 2) {
        this.paused = false;
        this.owner.resumeBody();
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** The consumer stopped early: abort the call (its connection is closed); a pending read ends. */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.owner.abandon();
    this.ended = true;
    this.queue = [];
    this.head = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  /** A chunk from the socket; false asks undici to pause reading. */
  push(chunk: Buffer): boolean {
    if (this.ended) return true;
    if (this.sink) return this.sink.onChunk(chunk);
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ value: chunk, done: false });
      return true;
    }
    this.queue.push(chunk);
    if (this.queue.length - this.head >= HIGH_WATER_CHUNKS) {
      this.paused = true;
      return false;
    }
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.sink) return this.sink.onEnd();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
  }

  fail(error: unknown): void {
    if (this.ended || this.failure) return;
    this.failure = { error };
    if (this.sink) return this.sink.onError(error);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

/** The dispatch handler of a streamed call: a 2xx's chunks go to its UpstreamChunks, an error body is read whole. */
class StreamingHandler extends UpstreamCallHandler {
  private resume: (() => void) | undefined;
  private chunks: UpstreamChunks | undefined;

  constructor(
    req: UpstreamRequest,
    private readonly resolve: (response: StreamedUpstreamResponse) => void,
    reject: (error: unknown) => void,
  ) {
    super(req, reject);
  }

  protected started(status: number, resume: () => void): void {
    this.resume = resume;
    if (!this.succeeded) return;
    this.chunks = new UpstreamChunks(this);
    this.resolve({ status, headers: this.headers, ok: true, chunks: this.chunks });
  }

  protected received(chunk: Buffer): boolean {
    if (this.done) return true;
    if (this.chunks) return this.chunks.push(chunk);
    if (!this.collect(chunk, MAX_ERROR_BODY_BYTES)) {
      // The start of an error body explains it; the rest is not read.
      this.complete();
      this.abortUpstream('The rest of the error body was not read.');
    }
    return true;
  }

  protected completed(): void {
    this.complete();
  }

  /** After the headers a failure belongs to the body's reader (raw, for mapBodyReadError); before, to the promise. */
  protected override failed(error: unknown): void {
    if (this.chunks) this.chunks.fail(error);
    else super.failed(error);
  }

  /** The consumer paused the socket and has caught up. */
  resumeBody(): void {
    if (!this.done) this.resume?.();
  }

  /** The consumer stopped reading: abort the call. */
  abandon(): void {
    if (this.done) return;
    this.finish();
    this.abortUpstream('The upstream body was abandoned.');
  }

  private complete(): void {
    if (this.done) return;
    this.finish();
    if (this.chunks) this.chunks.end();
    else this.resolve({ status: this.status, headers: this.headers, ok: false, body: this.collected() });
  }
}
