import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { clientClosedError, GatewayError } from '../../spec/errors.js';
import type { CallTimeouts } from '../provider.js';

/**
 * One keep-alive connection pool per distinct connect timeout, shared by every adapter.
 * Header and body timeouts are set per request (first byte, stream idle).
 */
const agents = new Map<number, Agent>();

export function upstreamAgent(connectMs: number): Agent {
  let agent = agents.get(connectMs);
  if (!agent) {
    agent = new Agent({
      connect: { timeout: connectMs },
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      // No per-origin connection cap: every concurrent stream needs its own upstream connection
      // (a cap of 256 made the 257th concurrent stream wait for a free connection).
      connections: null,
      pipelining: 1,
    });
    agents.set(connectMs, agent);
  }
  return agent;
}

export async function closeUpstreamAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((agent) => agent.close().catch(() => undefined)));
}

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

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * Sends one request upstream with the gateway's timeouts:
 * connect (agent), first byte (headersTimeout), stream idle (bodyTimeout) and total (abort signal).
 * Network failures and timeouts become GatewayErrors; HTTP error statuses are returned for the
 * adapter to map with the upstream's own error body.
 */
export async function sendUpstream(req: UpstreamRequest): Promise<UpstreamResponse> {
  const { totalMs, firstByteMs } = req.timeouts;
  const startedAt = performance.now();
  let totalTimedOut = false;
  // Until the headers arrive the first-byte timeout bounds the wait; when it is no longer than the total
  // timeout, the client's own signal is all undici needs and the total timeout only has to cut the body.
  // Otherwise one controller, fed by the client's signal and a timer, covers both phases. (Per-call
  // signals are hot-path cost: AbortSignal.any/timeout were ~7% of a passthrough request, a second
  // AbortController ~3%.)
  let controller: AbortController | undefined;
  let detach = () => undefined as void;
  let headerTimer: NodeJS.Timeout | undefined;
  if (firstByteMs > totalMs) {
    const own = new AbortController();
    controller = own;
    const onClientAbort = () => own.abort(req.signal.reason);
    if (req.signal.aborted) own.abort(req.signal.reason);
    else req.signal.addEventListener('abort', onClientAbort, { once: true });
    detach = () => req.signal.removeEventListener('abort', onClientAbort);
    headerTimer = setTimeout(() => {
      totalTimedOut = true;
      own.abort(new DOMException('The upstream call exceeded the total timeout.', 'TimeoutError'));
    }, totalMs);
  }
  try {
    const target = splitUrl(req.url);
    const response = await upstreamAgent(req.timeouts.connectMs).request({
      origin: target.origin,
      path: target.path,
      method: req.method ?? 'POST',
      headers: req.headers,
      body: req.body,
      signal: controller?.signal ?? req.signal,
      headersTimeout: firstByteMs,
      bodyTimeout: req.timeouts.idleMs,
    });
    if (headerTimer) clearTimeout(headerTimer);
    const body = response.body;
    const remaining = Math.max(1, totalMs - (performance.now() - startedAt));
    const bodyTimer = setTimeout(() => {
      totalTimedOut = true;
      body.destroy(new DOMException('The upstream call exceeded the total timeout.', 'TimeoutError'));
    }, remaining);
    // The body emits 'close' once it ended, failed or was destroyed: the call is over then.
    body.once('close', () => {
      clearTimeout(bodyTimer);
      detach();
    });
    return { status: response.statusCode, headers: response.headers, body };
  } catch (error) {
    if (headerTimer) clearTimeout(headerTimer);
    detach();
    throw mapNetworkError(error, req.provider, totalTimedOut, req.signal.aborted);
  }
}

/**
 * URL → origin + path, cached: `undici.request(url)` parses the URL on every call (~5 µs a request in
 * the bench); upstream URLs are a small set (provider × model), so the cache stays small. It is
 * bounded anyway in case a provider builds URLs from unbounded input.
 */
const splitUrls = new Map<string, { origin: string; path: string }>();

function splitUrl(url: string): { origin: string; path: string } {
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
      code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT',
      kind: 'timeout',
      origin: 'upstream',
      message: `Upstream ${provider} did not finish within the total timeout.`,
      provider,
      cause: error,
    });
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return timeoutError('SWY_ERR_UPSTREAM_CONNECT_TIMEOUT', `Connecting to upstream ${provider} timed out.`, provider, error);
  }
  if (error instanceof undiciErrors.HeadersTimeoutError) {
    return timeoutError('SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT', `Upstream ${provider} sent no response headers within the first-byte timeout.`, provider, error);
  }
  if (error instanceof undiciErrors.BodyTimeoutError) {
    return timeoutError('SWY_ERR_UPSTREAM_IDLE_TIMEOUT', `Upstream ${provider} went silent longer than the stream idle timeout.`, provider, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | undefined)?.code;
  return new GatewayError({
    code: 'SWY_ERR_UPSTREAM_UNREACHABLE',
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: `Upstream ${provider} could not be reached${code ? ` (${code})` : ''}: ${message}`,
    retryable: true,
    provider,
    cause: error,
  });
}

function timeoutError(code: string, message: string, provider: string, cause: unknown): GatewayError {
  return new GatewayError({ code, kind: 'timeout', origin: 'upstream', message, provider, retryable: true, cause });
}

/**
 * Maps a failure while reading an upstream body. sendUpstream aborts a body only through the client's
 * signal or its own total timeout, so an abort the client did not cause is the total timeout.
 */
export function mapBodyReadError(error: unknown, provider: string, clientSignal: AbortSignal | undefined): GatewayError {
  const clientAborted = clientSignal?.aborted ?? false;
  return mapNetworkError(error, provider, !clientAborted && isAbortError(error), clientAborted);
}

/** Reads a whole response body as text (error bodies, non-stream responses), read failures mapped. */
export async function readBodyText(response: UpstreamResponse, provider: string, clientSignal: AbortSignal | undefined): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw mapBodyReadError(error, provider, clientSignal);
  }
}

/** Reads a whole response body as bytes, unchanged, read failures mapped. */
export async function readBodyBytes(response: UpstreamResponse, provider: string, clientSignal: AbortSignal | undefined): Promise<Buffer> {
  try {
    return Buffer.from(await response.body.arrayBuffer());
  } catch (error) {
    throw mapBodyReadError(error, provider, clientSignal);
  }
}

function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || name === 'TimeoutError' || code === 'UND_ERR_ABORTED';
}

/** Lower-cased single-valued header lookup. */
export function header(headers: UpstreamResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
