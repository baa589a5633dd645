/**
 * One error taxonomy for the whole gateway. Every failure a client can see is a GatewayError with:
 * - a stable `code` (`SWY_ERR_*`),
 * - a `kind` that dialect encoders map to their own error type and HTTP status,
 * - `origin`: whether the client, the gateway or an upstream caused it,
 * - `retryable` and `retryAfterMs` for the attempt loop and for clients,
 * - the upstream's request id and status when an upstream answered.
 */

export type ErrorKind =
  | 'invalid_request' // 400: malformed or semantically invalid request
  | 'authentication' // 401
  | 'permission' // 403
  | 'not_found' // 404: unknown model or route
  | 'request_too_large' // 413
  | 'rate_limit' // 429: retryable
  | 'quota_exceeded' // 429/402: budget or insufficient quota, not retryable
  | 'timeout' // 504 (or 408 upstream)
  | 'overloaded' // 529 / 503: retryable
  | 'upstream_error' // 502: upstream failed in a way the client cannot fix
  | 'internal'; // 500: a bug in the gateway

export type ErrorOrigin = 'client' | 'gateway' | 'upstream';

export const ERROR_KIND_STATUS: Readonly<Record<ErrorKind, number>> = Object.freeze({
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  quota_exceeded: 429,
  timeout: 504,
  overloaded: 529,
  upstream_error: 502,
  internal: 500,
});

/**
 * The codes of every failure an upstream (or the way to it) causes: one vocabulary for every
 * provider adapter, so a client or a dashboard sees the same code for the same failure whichever
 * provider answered. Adapters take the code of a kind from `upstreamErrorCode`; the specific
 * transport and stream failures have their own entries. test/unit/upstream-error-codes.test.ts checks
 * that every adapter's mapper only produces these.
 */
export const UPSTREAM_ERROR_CODES = Object.freeze({
  /** By kind (see upstreamErrorCode). */
  INVALID_REQUEST: 'SWY_ERR_UPSTREAM_INVALID_REQUEST',
  AUTHENTICATION: 'SWY_ERR_UPSTREAM_AUTHENTICATION',
  PERMISSION: 'SWY_ERR_UPSTREAM_PERMISSION',
  NOT_FOUND: 'SWY_ERR_UPSTREAM_NOT_FOUND',
  REQUEST_TOO_LARGE: 'SWY_ERR_UPSTREAM_REQUEST_TOO_LARGE',
  RATE_LIMIT: 'SWY_ERR_UPSTREAM_RATE_LIMIT',
  QUOTA_EXCEEDED: 'SWY_ERR_UPSTREAM_QUOTA_EXCEEDED',
  TIMEOUT: 'SWY_ERR_UPSTREAM_TIMEOUT',
  OVERLOADED: 'SWY_ERR_UPSTREAM_OVERLOADED',
  ERROR: 'SWY_ERR_UPSTREAM_ERROR',
  /** Transport: the gateway's own timeouts and connection failures. */
  CONNECT_TIMEOUT: 'SWY_ERR_UPSTREAM_CONNECT_TIMEOUT',
  FIRST_BYTE_TIMEOUT: 'SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT',
  IDLE_TIMEOUT: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT',
  TOTAL_TIMEOUT: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT',
  UNREACHABLE: 'SWY_ERR_UPSTREAM_UNREACHABLE',
  /** A 2xx answer the adapter cannot use. */
  BAD_RESPONSE: 'SWY_ERR_UPSTREAM_BAD_RESPONSE',
  RESPONSE_TOO_LARGE: 'SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE',
  STREAM_TRUNCATED: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED',
  STREAM_SPLICED: 'SWY_ERR_UPSTREAM_STREAM_SPLICED',
  STREAM_INVALID: 'SWY_ERR_UPSTREAM_STREAM_INVALID',
} as const);

export type UpstreamErrorCode = (typeof UPSTREAM_ERROR_CODES)[keyof typeof UPSTREAM_ERROR_CODES];

const UPSTREAM_CODE_SET: ReadonlySet<string> = new Set(Object.values(UPSTREAM_ERROR_CODES));

export function isUpstreamErrorCode(code: string): code is UpstreamErrorCode {
  return UPSTREAM_CODE_SET.has(code);
}

const UPSTREAM_CODE_BY_KIND: Readonly<Record<ErrorKind, UpstreamErrorCode>> = Object.freeze({
  invalid_request: UPSTREAM_ERROR_CODES.INVALID_REQUEST,
  authentication: UPSTREAM_ERROR_CODES.AUTHENTICATION,
  permission: UPSTREAM_ERROR_CODES.PERMISSION,
  not_found: UPSTREAM_ERROR_CODES.NOT_FOUND,
  request_too_large: UPSTREAM_ERROR_CODES.REQUEST_TOO_LARGE,
  rate_limit: UPSTREAM_ERROR_CODES.RATE_LIMIT,
  quota_exceeded: UPSTREAM_ERROR_CODES.QUOTA_EXCEEDED,
  timeout: UPSTREAM_ERROR_CODES.TIMEOUT,
  overloaded: UPSTREAM_ERROR_CODES.OVERLOADED,
  upstream_error: UPSTREAM_ERROR_CODES.ERROR,
  // An upstream cannot have a gateway bug; an upstream failure mapped to `internal` is a plain upstream error.
  internal: UPSTREAM_ERROR_CODES.ERROR,
});

/** The code of an upstream failure of this kind (HTTP error statuses, error bodies, in-stream errors). */
export function upstreamErrorCode(kind: ErrorKind): UpstreamErrorCode {
  return UPSTREAM_CODE_BY_KIND[kind] ?? UPSTREAM_ERROR_CODES.ERROR;
}

export interface GatewayErrorOptions {
  code: string;
  kind: ErrorKind;
  message: string;
  origin?: ErrorOrigin;
  /** HTTP status to send the client; defaults from `kind`. */
  status?: number;
  /** The request field at fault (OpenAI `param`). */
  param?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  /** Name of the provider (config key) that failed. */
  provider?: string;
  upstreamStatus?: number;
  upstreamRequestId?: string;
  /** The upstream's own error type/code string, kept for logs and for same-dialect clients. */
  upstreamType?: string;
  cause?: unknown;
}

const BRAND = Symbol.for('switchyard.GatewayError');

export class GatewayError extends Error {
  readonly [BRAND] = true;
  readonly code: string;
  readonly kind: ErrorKind;
  readonly origin: ErrorOrigin;
  readonly status: number;
  readonly param?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly provider?: string;
  readonly upstreamStatus?: number;
  readonly upstreamRequestId?: string;
  readonly upstreamType?: string;

  constructor(options: GatewayErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = options.code;
    this.kind = options.kind;
    this.origin = options.origin ?? (options.upstreamStatus !== undefined ? 'upstream' : 'client');
    this.status = options.status ?? ERROR_KIND_STATUS[options.kind];
    this.param = options.param;
    this.retryable = options.retryable ?? defaultRetryable(options.kind);
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.upstreamRequestId = options.upstreamRequestId;
    this.upstreamType = options.upstreamType;
  }

  static is(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

function defaultRetryable(kind: ErrorKind): boolean {
  return kind === 'rate_limit' || kind === 'overloaded' || kind === 'timeout' || kind === 'upstream_error';
}

/** A client error (400) with the offending field named. */
export function invalidRequest(message: string, param?: string, code = 'SWY_ERR_INVALID_REQUEST'): GatewayError {
  return new GatewayError({ code, kind: 'invalid_request', message, param, origin: 'client' });
}

/** The caller went away (its signal aborted) before the answer was complete. Status 499, never retried. */
/** A 503 for requests that reach a draining gateway, streams cut at the drain deadline, and calls on a closed upstream pool. */
export function shuttingDownError(provider?: string): GatewayError {
  return new GatewayError({
    code: 'SWY_ERR_SHUTTING_DOWN',
    kind: 'overloaded',
    status: 503,
    origin: 'gateway',
    message: 'The gateway is shutting down; retry on another replica.',
    retryable: true,
    retryAfterMs: 1000,
    ...(provider === undefined ? {} : { provider }),
  });
}

export function clientClosedError(provider?: string, cause?: unknown): GatewayError {
  return new GatewayError({
    code: 'SWY_ERR_CLIENT_CLOSED',
    kind: 'invalid_request',
    status: 499,
    origin: 'client',
    message: 'The client closed the request.',
    retryable: false,
    provider,
    cause,
  });
}

/** Wraps anything thrown into a GatewayError; unknown errors become `internal`. */
export function toGatewayError(error: unknown): GatewayError {
  if (GatewayError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError({
    code: 'SWY_ERR_INTERNAL',
    kind: 'internal',
    origin: 'gateway',
    message: `Internal gateway error: ${message}`,
    retryable: false,
    cause: error,
  });
}

/**
 * Maps an upstream HTTP status to a kind. Adapters refine it with the upstream's own error type
 * (e.g. OpenAI insufficient_quota, Bedrock ModelNotReady).
 */
export function kindForUpstreamStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 401) return 'authentication';
  if (status === 402) return 'quota_exceeded';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 409) return 'upstream_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  return 'upstream_error';
}

/**
 * The status a *client* sees for an upstream failure. Upstream auth failures are the gateway
 * operator's problem (bad provider credentials), not the caller's, so they become 502 rather
 * than telling the client its own key is wrong.
 */
export function clientStatusForUpstream(kind: ErrorKind, upstreamStatus: number): number {
  if (kind === 'authentication' || kind === 'permission') return 502;
  if (kind === 'not_found' && upstreamStatus === 404) return 502;
  return ERROR_KIND_STATUS[kind];
}

/** Parses Retry-After (seconds or HTTP date) and retry-after-ms headers into milliseconds. */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const ms = headerValue(headers['retry-after-ms']);
  if (ms !== undefined && ms !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headerValue(headers['retry-after']);
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  return undefined;
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
