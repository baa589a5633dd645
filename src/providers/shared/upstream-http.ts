import { Agent, errors as undiciErrors } from 'undici';
import { clientClosedError, GatewayError, shuttingDownError, UPSTREAM_ERROR_CODES } from '../../spec/errors.js';
import { redactSecrets } from '../../spec/redact-secrets.js';
import type { CallTimeouts } from '../provider.js';
import { SseEventTooLarge } from './sse-framer.js';

/**
 * The upstream connection pools of one running gateway: one keep-alive undici Agent per distinct
 * connect timeout, shared by every adapter the gateway built (header and body timeouts are set per
 * request: first byte, stream idle). startGateway creates one and closes it when the gateway closes,
 * so two gateways in one process never share or close each other's connections. Adapters built
 * without a gateway (unit tests, tools) use `defaultUpstreamPool`.
 */
export class UpstreamPool {
  private readonly agents = new Map<number, Agent>();
  private closed = false;

  /** The Agent of one connect timeout, created on first use. Throws SWY_ERR_SHUTTING_DOWN once the pool is closed. */
  agent(connectMs: number, provider?: string): Agent {
    const agent = this.agents.get(connectMs);
    if (agent) return agent;
    if (this.closed) throw shuttingDownError(provider);
    const created = new Agent({
      connect: { timeout: connectMs },
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      // No per-origin connection cap: every concurrent stream needs its own upstream connection
      // (a cap of 256 made the 257th concurrent stream wait for a free connection).
      connections: null,
      pipelining: 1,
    });
    this.agents.set(connectMs, created);
    return created;
  }

  /** Number of Agents (one per connect timeout in use). */
  get size(): number {
    return this.agents.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes every connection (waiting for requests in flight on them) and refuses new calls. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.closeAgents();
  }

  /** Closes the open connections but keeps the pool usable (the default pool, between test files). */
  async closeAgents(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((agent) => agent.close().catch(() => undefined)));
  }
}

/** The pool of adapters built without a gateway (unit tests, tools): release its connections with closeUpstreamAgents(), never close() it. */
export const defaultUpstreamPool = new UpstreamPool();

/** Closes the default pool's connections (test teardown); the pool stays usable. */
export async function closeUpstreamAgents(): Promise<void> {
  await defaultUpstreamPool.closeAgents();
}

/** Response headers as the upstream calls return them: lower-cased names, repeated headers as arrays. */
export type UpstreamHeaders = Record<string, string | string[] | undefined>;

export interface UpstreamRequest {
  url: string;
  method?: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string | Buffer;
  timeouts: CallTimeouts;
  signal: AbortSignal;
  /** Provider config name, for error messages. */
  provider: string;
}

/**
 * URL → origin + path, cached: `undici.request(url)` parses the URL on every call (~5 µs a request in
 * the bench); upstream URLs are a small set (provider × model), so the cache stays small. It is
 * bounded anyway in case a provider builds URLs from unbounded input.
 */
const splitUrls = new Map<string, { origin: string; path: string }>();

export function splitUrl(url: string): { origin: string; path: string } {
  let split = splitUrls.get(url);
  if (!split) {
    const parsed = new URL(url);
    split = { origin: parsed.origin, path: parsed.pathname + parsed.search };
    if (splitUrls.size >= 1024) splitUrls.clear();
    splitUrls.set(url, split);
  }
  return split;
}

/** Maps undici/network failures (and aborts) to GatewayErrors. Safe to call on errors thrown while reading a body. */
export function mapNetworkError(error: unknown, provider: string, totalTimedOut = false, clientAborted = false): GatewayError {
  if (GatewayError.is(error)) return error;
  if (clientAborted) return clientClosedError(provider, error);
  if (totalTimedOut) {
    return new GatewayError({
      code: UPSTREAM_ERROR_CODES.TOTAL_TIMEOUT,
      kind: 'timeout',
      origin: 'upstream',
      message: `Upstream ${provider} did not finish within the total timeout.`,
      provider,
      cause: error,
    });
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return timeoutError(UPSTREAM_ERROR_CODES.CONNECT_TIMEOUT, `Connecting to upstream ${provider} timed out.`, provider, error);
  }
  if (error instanceof undiciErrors.HeadersTimeoutError) {
    return timeoutError(UPSTREAM_ERROR_CODES.FIRST_BYTE_TIMEOUT, `Upstream ${provider} sent no response headers within the first-byte timeout.`, provider, error);
  }
  if (error instanceof undiciErrors.BodyTimeoutError) {
    return timeoutError(UPSTREAM_ERROR_CODES.IDLE_TIMEOUT, `Upstream ${provider} went silent longer than the stream idle timeout.`, provider, error);
  }
  const code = networkErrorCode(error);
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.UNREACHABLE,
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: `Upstream ${provider} could not be reached${code ? ` (${code})` : ''}: ${describeNetworkError(error, code)}.`,
    retryable: true,
    provider,
    cause: error,
  });
}

/**
 * What went wrong on the way to the upstream, in words a client may see: never the upstream's
 * host, port or address (the raw error, with them, stays on `cause` for the server's logs).
 */
const NETWORK_FAILURES: Readonly<Record<string, string>> = Object.freeze({
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ECONNABORTED: 'the connection was aborted',
  EPIPE: 'the connection closed while the request was sent',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the host name could not be resolved',
  EAI_AGAIN: 'the host name could not be resolved (temporary DNS failure)',
  EHOSTUNREACH: 'the host is unreachable',
  EHOSTDOWN: 'the host is down',
  ENETUNREACH: 'the network is unreachable',
  ENETDOWN: 'the network is down',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  UND_ERR_CLOSED: 'the connection was closed',
  UND_ERR_DESTROYED: 'the connection was destroyed',
  UND_ERR_INFO: 'the connection failed',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the response body did not match its content-length',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'the request body did not match its content-length',
  HPE_INVALID_CONSTANT: 'the response was not valid HTTP',
  CERT_HAS_EXPIRED: 'the TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the TLS certificate does not match the host name',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the TLS certificate could not be verified',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the TLS certificate could not be verified',
  EPROTO: 'the TLS handshake failed',
});

function networkErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,60}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeNetworkError(error: unknown, code: string | undefined): string {
  if (code !== undefined && Object.hasOwn(NETWORK_FAILURES, code)) return NETWORK_FAILURES[code];
  const message = error instanceof Error ? error.message : String(error);
  const plain = withoutAddresses(redactSecrets(message, 300)).replace(/[.\s]+$/, '');
  return plain === '' ? 'the connection failed' : plain;
}

/** URLs, IPv4/IPv6 addresses and host:port pairs → `[address]`. Bounded quantifiers only (linear). */
function withoutAddresses(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]{0,15}:\/\/[^\s'"<>]*/gi, '[address]')
    .replace(/\[[0-9A-Fa-f:.%\w]{2,64}\](?::\d{1,5})?/g, '[address]')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, '[address]')
    .replace(/(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?::\d{1,5})?(?![\w:])/g, '[address]')
    .replace(/\b[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,10}:\d{1,5}\b/g, '[address]');
}

/** The first-byte or total deadline passed (for upstreams that are not HTTP calls: the simulated provider). */
export function deadlineError(which: 'first-byte' | 'total', provider: string): GatewayError {
  return which === 'first-byte'
    ? timeoutError(UPSTREAM_ERROR_CODES.FIRST_BYTE_TIMEOUT, `Upstream ${provider} sent no response headers within the first-byte timeout.`, provider, undefined)
    : new GatewayError({ code: UPSTREAM_ERROR_CODES.TOTAL_TIMEOUT, kind: 'timeout', origin: 'upstream', message: `Upstream ${provider} did not finish within the total timeout.`, provider });
}

function timeoutError(code: string, message: string, provider: string, cause: unknown): GatewayError {
  return new GatewayError({ code, kind: 'timeout', origin: 'upstream', message, provider, retryable: true, cause });
}

/**
 * Maps a failure while reading an upstream body. A call aborts a body only through the client's
 * signal or its own total timeout, so an abort the client did not cause is the total timeout.
 */
export function mapBodyReadError(error: unknown, provider: string, clientSignal: AbortSignal | undefined): GatewayError {
  if (error instanceof SseEventTooLarge) {
    return new GatewayError({
      code: UPSTREAM_ERROR_CODES.RESPONSE_TOO_LARGE,
      kind: 'upstream_error',
      origin: 'upstream',
      status: 502,
      message: `Upstream ${provider} sent a stream event larger than ${Math.round(error.limit / (1024 * 1024))} MiB; the stream was cut.`,
      retryable: false,
      provider,
    });
  }
  const clientAborted = clientSignal?.aborted ?? false;
  return mapNetworkError(error, provider, !clientAborted && isAbortError(error), clientAborted);
}

/**
 * At most this much of an error (non-2xx) body is read: enough for any provider's error JSON or a
 * proxy's error page. The rest is discarded unread and the connection closed, so an upstream that
 * answers 500 with 50 MB costs 64 KiB of memory, not 50 MB.
 */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * The largest whole 2xx body read (non-stream answers; streams are not read whole). Far above any
 * real completion; a larger one fails with SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE instead of filling memory.
 */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024 * 1024;

export function responseTooLarge(provider: string, limit: number): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.RESPONSE_TOO_LARGE,
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: `Upstream ${provider} sent a response larger than ${Math.round(limit / (1024 * 1024))} MiB; it was not read.`,
    retryable: false,
    provider,
  });
}

function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || name === 'TimeoutError' || code === 'UND_ERR_ABORTED';
}

/** Lower-cased single-valued header lookup. */
export function header(headers: UpstreamHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
