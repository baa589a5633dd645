import type { Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { contentCodingOf, createContentDecoder, undecodableBody, unsupportedContentCoding, type ContentCoding } from './content-coding.js';
import { parseRawHeaders } from './upstream-headers.js';
import { defaultUpstreamPool, mapNetworkError, splitUrl, type UpstreamPool, type UpstreamRequest } from './upstream-http.js';

/**
 * Sends one request through undici's dispatcher with the gateway's own handler (`create` makes it with
 * the promise's resolve and reject). A signal aborted before the call is a client-closed error; a closed
 * pool refuses with SWY_ERR_SHUTTING_DOWN. Deadlines: connect (the agent), first byte (headersTimeout),
 * idle between chunks (bodyTimeout), total (the handler's timer).
 */
export function dispatchUpstream<T>(req: UpstreamRequest, pool: UpstreamPool = defaultUpstreamPool, create: (resolve: (value: T) => void, reject: (error: unknown) => void) => UpstreamCallHandler): Promise<T> {
  return new Promise<T>((resolve, reject) => {
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
      create(resolve, reject) as unknown as Dispatcher.DispatchHandler,
    );
  });
}

/**
 * What the dispatcher-based calls share: undici's callback handler form (onConnect, onHeaders, onData,
 * onComplete, onError — the one its dispatchers use internally), the total deadline's timer, and the
 * `abort` listener of the client's signal (this object itself, through handleEvent, so one object per
 * call does everything; the gateway's signals are light RequestSignals, execution/request-signal.ts).
 * A cut (client gone, deadline) aborts the call, and undici reports it through
 * onError, mapped with who cut it; before the call reached a socket it is settled at once and
 * onConnect aborts it when it gets there. A body in a content coding (content-coding.ts) is decoded
 * on its way to `received`; subclasses see only decoded bytes and headers without content-encoding
 * or content-length.
 */
export abstract class UpstreamCallHandler {
  protected abortCall: ((reason?: unknown) => void) | undefined;
  /** Settled (answer, failure or abandon): later callbacks are ignored. */
  protected done = false;
  protected status = 0;
  protected headers: Record<string, string | string[]> = {};
  private totalTimedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly bodyChunks: Buffer[] = [];
  private bodySize = 0;
  /** The body's content coding while it is to be decoded (set at the headers, cleared when the bytes show it is plain). */
  private coding: ContentCoding | undefined;
  private decoder: Transform | undefined;
  private resumeUpstream: (() => void) | undefined;

  constructor(
    protected readonly req: UpstreamRequest,
    protected readonly reject: (error: unknown) => void,
  ) {
    req.signal.addEventListener('abort', this);
    this.timer = setTimeout(onTotalTimeout, req.timeouts.totalMs, this);
  }

  /** The client's signal fired. */
  handleEvent(): void {
    this.cut(this.req.signal.reason);
  }

  /** The total deadline passed. */
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
    this.headers = parseRawHeaders(rawHeaders);
    const encoding = this.headers['content-encoding'];
    if (encoding === undefined) {
      this.started(status, resume);
      return true;
    }
    const coding = contentCodingOf(encoding);
    if (coding === 'unsupported') {
      this.onError(unsupportedContentCoding(this.req.provider, encoding));
      this.abortUpstream('The response is in a content coding the gateway cannot read.');
      return true;
    }
    delete this.headers['content-encoding'];
    if (coding === undefined) {
      this.started(status, resume);
      return true;
    }
    delete this.headers['content-length']; // the compressed length: not the body's
    this.coding = coding;
    this.resumeUpstream = resume;
    this.started(status, () => this.resumeDecoded());
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.coding === undefined) return this.received(chunk);
    if (this.done) return true;
    if (this.decoder === undefined && !this.startDecoding(chunk)) return this.received(chunk);
    return this.decoder!.write(chunk);
  }

  onComplete(): void {
    if (this.decoder) this.decoder.end(); // completes at the decoder's 'end'
    else this.completed();
  }

  /** A chunk of the (decoded) body; false asks for a pause until the subclass calls its resume. */
  protected abstract received(chunk: Buffer): boolean;
  /** The whole (decoded) body has arrived. */
  protected abstract completed(): void;

  /** The first bytes of a coded body: a decoder, or none (false) when they show the body is plain after all. */
  private startDecoding(first: Buffer): boolean {
    const coding = this.coding!;
    const decoder = createContentDecoder(coding, first);
    if (decoder === undefined) {
      this.coding = undefined;
      return false;
    }
    this.decoder = decoder;
    decoder.on('data', (chunk: Buffer) => {
      if (!this.done && !this.received(chunk)) decoder.pause();
    });
    decoder.on('drain', () => this.resumeUpstream?.());
    decoder.once('end', () => this.completed());
    decoder.on('error', (error) => {
      if (this.done) return;
      this.onError(undecodableBody(this.req.provider, coding, error));
      this.abortUpstream('The response body does not decode.');
    });
    return true;
  }

  /** The subclass caught up: decoded output flows again, and so does the socket. */
  private resumeDecoded(): void {
    this.decoder?.resume();
    this.resumeUpstream?.();
  }

  onError(error: unknown): void {
    if (this.done) return;
    this.finish();
    this.failed(error);
  }

  /** The response headers arrived (status and headers are set). */
  protected abstract started(status: number, resume: () => void): void;

  /** The call failed (network, timeout, cut): by default the promise rejects with the typed error. */
  protected failed(error: unknown): void {
    this.reject(this.typed(error));
  }

  protected typed(error: unknown): unknown {
    return mapNetworkError(error, this.req.provider, this.totalTimedOut, this.req.signal.aborted);
  }

  protected get succeeded(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** Adds a chunk of a body read whole; false once `limit` bytes are held (the chunk is cut to fit). */
  protected collect(chunk: Buffer, limit: number): boolean {
    if (this.bodySize + chunk.length <= limit) {
      this.bodyChunks.push(chunk);
      this.bodySize += chunk.length;
      return true;
    }
    this.bodyChunks.push(chunk.subarray(0, limit - this.bodySize));
    this.bodySize = limit;
    return false;
  }

  /** Bytes collected so far (or that would be with this chunk). */
  protected collectedWith(chunk: Buffer): number {
    return this.bodySize + chunk.length;
  }

  protected collected(): Buffer {
    return this.bodyChunks.length === 1 ? this.bodyChunks[0] : Buffer.concat(this.bodyChunks, this.bodySize);
  }

  /** Aborts the call (its connection is closed); undici reports it through onError unless settled first. */
  protected abortUpstream(reason: string): void {
    this.abortCall?.(new DOMException(reason, 'AbortError'));
  }

  private cut(reason: unknown): void {
    if (this.done) return;
    if (this.abortCall) this.abortCall(reason);
    else this.onError(reason);
  }

  protected finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.req.signal.removeEventListener('abort', this);
    if (this.decoder && !this.decoder.destroyed) this.decoder.destroy();
  }
}

function onTotalTimeout(handler: UpstreamCallHandler): void {
  handler.timedOut();
}
