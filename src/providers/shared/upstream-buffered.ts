import { UpstreamCallHandler, dispatchUpstream } from './upstream-dispatch.js';
import { defaultUpstreamPool, MAX_ERROR_BODY_BYTES, MAX_RESPONSE_BODY_BYTES, responseTooLarge, type UpstreamPool, type UpstreamRequest } from './upstream-http.js';

/** A whole upstream answer: status, headers (lower-cased names; repeated ones as arrays) and body bytes. */
export interface BufferedUpstreamResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** The body; an error (non-2xx) body is cut at MAX_ERROR_BODY_BYTES. */
  body: Buffer;
}

/**
 * Sends one request upstream and reads its whole answer (the non-stream calls), through undici's
 * dispatcher directly: the chunks land in an array, with no Readable body stream, no request handler
 * object of undici's and no promise per read in between (those were a tenth of a passthrough request's
 * CPU in the bench profile). A 2xx body larger than MAX_RESPONSE_BODY_BYTES (announced or read) fails
 * with SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE; an error body is cut at MAX_ERROR_BODY_BYTES and the
 * connection closed, so an upstream answering 500 with 50 MB costs 64 KiB.
 */
export function sendUpstreamBuffered(req: UpstreamRequest, pool: UpstreamPool = defaultUpstreamPool): Promise<BufferedUpstreamResponse> {
  return dispatchUpstream<BufferedUpstreamResponse>(req, pool, (resolve, reject) => new BufferingHandler(req, resolve, reject));
}

class BufferingHandler extends UpstreamCallHandler {
  private limit = MAX_RESPONSE_BODY_BYTES;

  constructor(
    req: UpstreamRequest,
    private readonly resolve: (response: BufferedUpstreamResponse) => void,
    reject: (error: unknown) => void,
  ) {
    super(req, reject);
  }

  protected started(): void {
    this.limit = this.succeeded ? MAX_RESPONSE_BODY_BYTES : MAX_ERROR_BODY_BYTES;
    const declared = this.headers['content-length'];
    if (this.succeeded && typeof declared === 'string' && /^\d{1,15}$/.test(declared) && Number(declared) > this.limit) this.tooLarge();
  }

  protected received(chunk: Buffer): boolean {
    if (this.done) return true;
    if (this.succeeded && this.collectedWith(chunk) > this.limit) {
      this.tooLarge();
      return true;
    }
    if (!this.collect(chunk, this.limit)) {
      // An error body: its start is what explains the error; the rest is not read.
      this.succeed();
      this.abortUpstream('The rest of the error body was not read.');
    }
    return true;
  }

  protected completed(): void {
    this.succeed();
  }

  private succeed(): void {
    if (this.done) return;
    this.finish();
    this.resolve({ status: this.status, headers: this.headers, body: this.collected() });
  }

  private tooLarge(): void {
    if (this.done) return;
    this.finish();
    this.reject(responseTooLarge(this.req.provider, this.limit));
    this.abortUpstream('The response is larger than the gateway reads.');
  }
}
