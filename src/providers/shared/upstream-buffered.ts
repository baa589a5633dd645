import type { Dispatcher } from 'undici';
import type { GatewayError } from '../../spec/errors.js';
import {
  defaultUpstreamPool,
  MAX_ERROR_BODY_BYTES,
  MAX_RESPONSE_BODY_BYTES,
  mapNetworkError,
  responseTooLarge,
  splitUrl,
  type UpstreamPool,
  type UpstreamRequest,
} from './upstream-http.js';

/** A whole upstream answer: status, headers (lower-cased names; repeated ones as arrays) and body bytes. */
export interface BufferedUpstreamResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** The body; an error (non-2xx) body is cut at MAX_ERROR_BODY_BYTES. */
  body: Buffer;
}

/**
 * Sends one request upstream and reads its whole answer (the non-stream calls), with the same
 * timeouts, limits and error mapping as `sendUpstream` + `readBodyBytes`, but through undici's
 * dispatcher directly: the chunks land in an array, with no Readable body stream, no request handler
 * object of undici's and no promise per read in between (those were a tenth of a passthrough request's
 * CPU in the bench profile). Deadlines: connect (agent), first byte (headersTimeout), idle between
 * chunks (bodyTimeout) and total (a timer from the start). The client's signal aborts the call.
 * A 2xx body larger than MAX_RESPONSE_BODY_BYTES (announced or read) fails with
 * SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE; an error body is cut at MAX_ERROR_BODY_BYTES and the
 * connection closed, so an upstream answering 500 with 50 MB costs 64 KiB.
 */
export function sendUpstreamBuffered(req: UpstreamRequest, pool: UpstreamPool = defaultUpstreamPool): Promise<BufferedUpstreamResponse> {
  return new Promise<BufferedUpstreamResponse>((resolve, reject) => {
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
    const handler = new BufferingHandler(req, resolve, reject);
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
      handler as unknown as Dispatcher.DispatchHandler,
    );
  });
}

/**
 * undici's dispatch handler (the callback form its dispatchers use internally: onConnect, onHeaders,
 * onData, onComplete, onError). It is also the `abort` listener of the client's signal (handleEvent),
 * so one object per call does everything.
 */
class BufferingHandler {
  private abortCall: ((reason?: unknown) => void) | undefined;
  private settled = false;
  private totalTimedOut = false;
  private readonly timer: NodeJS.Timeout;
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private limit = MAX_RESPONSE_BODY_BYTES;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly req: UpstreamRequest,
    private readonly resolve: (response: BufferedUpstreamResponse) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    req.signal.addEventListener('abort', this);
    this.timer = setTimeout(onTotalTimeout, req.timeouts.totalMs, this);
  }

  /** The client's signal fired: abort the call (undici then reports the abort through onError). */
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
    // Settled before the request reached a socket (client gone, deadline): do not send it.
    if (this.settled) abort(new DOMException('The upstream call was abandoned.', 'AbortError'));
  }

  onHeaders(status: number, rawHeaders: Buffer[], _resume: () => void, _statusText: string): boolean {
    this.status = status;
    this.headers = parseRawHeaders(rawHeaders);
    const success = status >= 200 && status < 300;
    this.limit = success ? MAX_RESPONSE_BODY_BYTES : MAX_ERROR_BODY_BYTES;
    if (success) {
      const declared = this.headers['content-length'];
      if (typeof declared === 'string' && /^\d{1,15}$/.test(declared) && Number(declared) > this.limit) this.fail(responseTooLarge(this.req.provider, this.limit));
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return true;
    if (this.size + chunk.length <= this.limit) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return true;
    }
    if (this.status >= 200 && this.status < 300) {
      this.fail(responseTooLarge(this.req.provider, this.limit));
      return true;
    }
    // An error body: its start is what explains the error; the rest is not read.
    this.chunks.push(chunk.subarray(0, this.limit - this.size));
    this.size = this.limit;
    this.succeed();
    this.abortCall?.(new DOMException('The rest of the error body was not read.', 'AbortError'));
    return true;
  }

  onComplete(): void {
    this.succeed();
  }

  onError(error: unknown): void {
    if (this.settled) return;
    this.finish();
    this.reject(mapNetworkError(error, this.req.provider, this.totalTimedOut, this.req.signal.aborted));
  }

  private succeed(): void {
    if (this.settled) return;
    this.finish();
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.resolve({ status: this.status, headers: this.headers, body });
  }

  private fail(error: GatewayError): void {
    if (this.settled) return;
    this.finish();
    this.reject(error);
    this.abortCall?.(error);
  }

  /** Aborts the call; its error is reported through onError (mapped with who cut it). */
  private cut(reason: unknown): void {
    if (this.settled) return;
    if (this.abortCall) {
      this.abortCall(reason);
      return;
    }
    // Not on a socket yet: settle now; onConnect aborts the request when it gets there.
    this.onError(reason);
  }

  private finish(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.req.signal.removeEventListener('abort', this);
  }
}

function onTotalTimeout(handler: BufferingHandler): void {
  handler.timedOut();
}

/** undici's raw [name, value, …] buffers → lower-cased names, latin-1 values, repeats as arrays (no prototype). */
export function parseRawHeaders(raw: readonly (Buffer | string)[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (typeof previous === 'string') headers[name] = [previous, value];
    else previous.push(value);
  }
  return headers;
}
