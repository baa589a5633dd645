import type { Dispatcher } from 'undici';
import { defaultUpstreamPool, MAX_ERROR_BODY_BYTES, mapNetworkError, splitUrl, type UpstreamPool, type UpstreamRequest } from './upstream-http.js';
import { parseRawHeaders } from './upstream-buffered.js';

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
 * Deadlines as sendUpstream: connect (agent), first byte (headersTimeout), idle between chunks
 * (bodyTimeout), total (a timer from the start); the client's signal aborts the call. A read after a
 * failure rejects with the raw error for mapBodyReadError; `return()` (the consumer stopped) aborts the
 * call and closes its connection. An error status is read whole, cut at MAX_ERROR_BODY_BYTES.
 */
export function sendUpstreamStreamed(req: UpstreamRequest, pool: UpstreamPool = defaultUpstreamPool): Promise<StreamedUpstreamResponse> {
  return new Promise<StreamedUpstreamResponse>((resolve, reject) => {
    if (req.signal.aborted) {
      reject(mapNetworkError(req.signal.reason, req.provider, false, true));
      return;
    }
    let agent: Dispatcher;
    try {
      agent = pool.agent(req.timeouts.connectMs, req.provider);
    } catch (error) {
      reject(error);
      return;
    }
    const target = splitUrl(req.url);
    agent.dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: req.method ?? 'POST',
        headers: req.headers,
        body: req.body ?? null,
        headersTimeout: req.timeouts.firstByteMs,
        bodyTimeout: req.timeouts.idleMs,
      },
      new StreamingHandler(req, resolve, reject) as unknown as Dispatcher.DispatchHandler,
    );
  });
}

/** The body of a streamed 2xx answer. */
export class UpstreamChunks implements AsyncIterableIterator<Uint8Array> {
  private queue: Buffer[] = [];
  private head = 0;
  private waiting: { resolve(result: IteratorResult<Uint8Array>): void; reject(error: unknown): void } | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private paused = false;

  constructor(private readonly owner: StreamingHandler) {}

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

  /** The consumer stopped early: abort the call (its connection is closed). */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.owner.abandon();
    this.ended = true;
    this.queue = [];
    this.head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  /** A chunk from the socket; false asks undici to pause reading. */
  push(chunk: Buffer): boolean {
    if (this.ended) return true;
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
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
  }

  fail(error: unknown): void {
    if (this.ended || this.failure) return;
    this.failure = { error };
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

/** undici's dispatch handler for a streamed call; also the `abort` listener of the client's signal. */
class StreamingHandler {
  private abortCall: ((reason?: unknown) => void) | undefined;
  private resume: (() => void) | undefined;
  private done = false;
  private totalTimedOut = false;
  private readonly timer: NodeJS.Timeout;
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private chunks: UpstreamChunks | undefined;
  /** Error (non-2xx) body, read whole up to MAX_ERROR_BODY_BYTES. */
  private errorBody: Buffer[] | undefined;
  private errorSize = 0;

  constructor(
    private readonly req: UpstreamRequest,
    private readonly resolve: (response: StreamedUpstreamResponse) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    req.signal.addEventListener('abort', this);
    this.timer = setTimeout(onTotalTimeout, req.timeouts.totalMs, this);
  }

  handleEvent(): void {
    this.cut(this.req.signal.reason);
  }

  timedOut(): void {
    this.totalTimedOut = true;
    this.cut(new DOMException('The upstream call exceeded the total timeout.', 'TimeoutError'));
  }

  onConnect(abort: (reason?: unknown) => void): void {
    this.abortCall = abort;
    if (this.done) abort(new DOMException('The upstream call was abandoned.', 'AbortError'));
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.status = status;
    this.resume = resume;
    this.headers = parseRawHeaders(rawHeaders);
    if (status >= 200 && status < 300) {
      this.chunks = new UpstreamChunks(this);
      this.resolve({ status, headers: this.headers, ok: true, chunks: this.chunks });
    } else this.errorBody = [];
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return true;
    if (this.chunks) return this.chunks.push(chunk);
    const errorBody = this.errorBody!;
    if (this.errorSize + chunk.length <= MAX_ERROR_BODY_BYTES) {
      errorBody.push(chunk);
      this.errorSize += chunk.length;
      return true;
    }
    // The start of an error body explains it; the rest is not read.
    errorBody.push(chunk.subarray(0, MAX_ERROR_BODY_BYTES - this.errorSize));
    this.errorSize = MAX_ERROR_BODY_BYTES;
    this.complete();
    this.abortCall?.(new DOMException('The rest of the error body was not read.', 'AbortError'));
    return true;
  }

  onComplete(): void {
    this.complete();
  }

  onError(error: unknown): void {
    if (this.done) return;
    this.finish();
    if (this.chunks) this.chunks.fail(error);
    else this.reject(mapNetworkError(error, this.req.provider, this.totalTimedOut, this.req.signal.aborted));
  }

  /** The consumer paused the socket and has caught up. */
  resumeBody(): void {
    if (!this.done) this.resume?.();
  }

  /** The consumer stopped reading: abort the call. */
  abandon(): void {
    if (this.done) return;
    this.finish();
    this.abortCall?.(new DOMException('The upstream body was abandoned.', 'AbortError'));
  }

  private complete(): void {
    if (this.done) return;
    this.finish();
    if (this.chunks) this.chunks.end();
    else this.resolve({ status: this.status, headers: this.headers, ok: false, body: Buffer.concat(this.errorBody ?? [], this.errorSize) });
  }

  /** Aborts the call; undici reports it through onError (not yet on a socket: settled here). */
  private cut(reason: unknown): void {
    if (this.done) return;
    if (this.abortCall) this.abortCall(reason);
    else this.onError(reason);
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.req.signal.removeEventListener('abort', this);
  }
}

function onTotalTimeout(handler: StreamingHandler): void {
  handler.timedOut();
}
