import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DialectCodec } from '../dialects/dialect.js';
import { anthropicMessagesDialect } from '../dialects/anthropic-messages/index.js';
import { openaiChatDialect } from '../dialects/openai-chat/index.js';
import { GatewayError, shuttingDownError, toGatewayError } from '../spec/errors.js';
import { callerOfRequest, type Caller } from '../tenancy/api-keys.js';
import type { Lifecycle } from './lifecycle.js';
import { bodyTooLargeError, parseJsonRequestBody } from './parse-json-body.js';
import { decodeRequestBody } from './request-coding.js';

export interface FastChatDeps {
  lifecycle: Lifecycle;
  /** Verifies a key (the Authenticator or the key ring). */
  verify(key: string): Caller | undefined | Promise<Caller | undefined>;
  bodyLimitBytes: number;
  maxJsonDepth: number;
  /** The chat route's own work once the caller and body are known (app.ts: the same as the Fastify route's); its promise never rejects. */
  serve(dialect: DialectCodec, req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void>;
}

/**
 * The two chat endpoints straight on node:http, in front of Fastify: `POST /v1/chat/completions` and
 * `POST /v1/messages` (exact paths; anything else, with a query string too, goes to Fastify). They do
 * what the Fastify route with its onRequest hook and body parser does — refuse while draining, verify
 * the key, read the body up to the limit, parse it as JSON whatever the content type — with the same
 * errors in the same shapes, and then run the same handler. Fastify's request and reply objects, hook
 * runner and content-type parser were a tenth of a passthrough request's CPU and allocations in the
 * bench profile; every other endpoint (models, admin, metrics, health) stays on Fastify.
 * Returns false when the request is not one of them.
 */
export function fastChatHandler(deps: FastChatDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const dialect = req.url === '/v1/chat/completions' ? openaiChatDialect : req.url === '/v1/messages' ? anthropicMessagesDialect : undefined;
    if (!dialect) return false;
    try {
      handle(deps, dialect, req, res);
    } catch (error) {
      writeFrameworkError(res, dialect, toGatewayError(error), false);
    }
    return true;
  };
}

/*
 * Callbacks, not async functions: each async layer cost the request a promise, a suspended frame and
 * a microtask, and this path runs for every chat request. `deps.serve`'s promise never rejects (the
 * pipeline writes its own errors), so nothing is chained on it.
 */
function handle(deps: FastChatDeps, dialect: DialectCodec, req: IncomingMessage, res: ServerResponse): void {
  if (deps.lifecycle.draining) return writeFrameworkError(res, dialect, shuttingDownError(), true);
  let found: Caller | Promise<Caller>;
  try {
    found = callerOfRequest(req.headers, deps.verify);
  } catch (error) {
    return writeFrameworkError(res, dialect, toGatewayError(error), false);
  }
  if (found instanceof Promise) {
    found.then(
      (caller) => {
        try {
          withCaller(deps, dialect, req, res, caller);
        } catch (error) {
          writeFrameworkError(res, dialect, toGatewayError(error), false);
        }
      },
      (error: unknown) => writeFrameworkError(res, dialect, toGatewayError(error), false),
    );
    return;
  }
  withCaller(deps, dialect, req, res, found);
}

function withCaller(deps: FastChatDeps, dialect: DialectCodec, req: IncomingMessage, res: ServerResponse, caller: Caller): void {
  // As Fastify decides: no content type and no body at all is "no body"; anything else is parsed.
  const headers = req.headers;
  if (headers['content-type'] === undefined && headers['transfer-encoding'] === undefined && (headers['content-length'] === undefined || headers['content-length'] === '0')) {
    void deps.serve(dialect, req, res, undefined, caller);
    return;
  }
  readBody(req, deps.bodyLimitBytes, (bytes) => {
    if (bytes === undefined) return; // the client went away
    if (GatewayError.is(bytes)) return writeFrameworkError(res, dialect, bytes, true);
    if (headers['content-encoding'] === undefined) return parsed(deps, dialect, req, res, caller, bytes);
    decodeRequestBody(bytes, headers['content-encoding'], deps.bodyLimitBytes, (decoded) => {
      if (res.destroyed) return; // the client left while the body was being decoded: nothing to serve
      if (GatewayError.is(decoded)) return writeFrameworkError(res, dialect, decoded, false);
      parsed(deps, dialect, req, res, caller, decoded);
    });
  });
}

/** The whole (decoded) body: parsed as JSON, then served. */
function parsed(deps: FastChatDeps, dialect: DialectCodec, req: IncomingMessage, res: ServerResponse, caller: Caller, bytes: Buffer): void {
  let body: unknown;
  try {
    body = parseJsonRequestBody(bytes, deps.maxJsonDepth);
  } catch (error) {
    return writeFrameworkError(res, dialect, toGatewayError(error), true);
  }
  // Called from the request's 'end' event (or zlib's callback): nothing may escape into the emitter.
  try {
    void deps.serve(dialect, req, res, body, caller);
  } catch (error) {
    writeFrameworkError(res, dialect, toGatewayError(error), false);
  }
}

/**
 * Calls `done` once with the whole body, or the too-large error (announced or read), or undefined when
 * the request failed or was aborted. One reader object holds the state and the four listeners.
 */
function readBody(req: IncomingMessage, limit: number, done: (body: Buffer | GatewayError | undefined) => void): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return done(bodyTooLargeError(limit));
  new BodyReader(req, limit, done);
}

class BodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly onData = (chunk: Buffer): void => {
    if (this.done === undefined) return; // already answered (too large): the rest is discarded
    this.size += chunk.length;
    if (this.size > this.limit) return this.end(bodyTooLargeError(this.limit));
    this.chunks.push(chunk);
  };
  private readonly onEnd = (): void => this.end(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size));
  private readonly onGone = (): void => this.end(undefined);

  constructor(
    req: IncomingMessage,
    private readonly limit: number,
    private done: ((body: Buffer | GatewayError | undefined) => void) | undefined,
  ) {
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('error', this.onGone);
    req.on('close', this.onGone);
  }

  /*
   * The listeners stay on the request (it is over, or its body is being discarded): each one taken
   * off cost a listener-list rewrite on every request, and once `done` is cleared they do nothing —
   * the 'error' one still keeps a late socket error from becoming an uncaught 'error' event.
   */
  private end(result: Buffer | GatewayError | undefined): void {
    const done = this.done;
    if (!done) return;
    this.done = undefined;
    this.chunks.length = 0;
    done(result);
  }
}

/**
 * An error before the handler, in the shape the Fastify path gives it (app.ts sendError): the
 * dialect's error body as JSON with its status and headers; the connection is closed after errors
 * about the body (its rest may be unread) and while draining, as Fastify does.
 */
function writeFrameworkError(res: ServerResponse, dialect: DialectCodec, error: GatewayError, close: boolean): void {
  if (res.destroyed) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  const rendered = dialect.encodeError(error);
  const payload = JSON.stringify(rendered.body);
  const headers: Record<string, string> = { ...(rendered.headers ?? {}) };
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(payload));
  if (close) headers.connection = 'close';
  res.writeHead(rendered.status, headers);
  res.end(payload);
}
