import {
  clientStatusForUpstream,
  GatewayError,
  kindForUpstreamStatus,
  parseRetryAfter,
  UPSTREAM_ERROR_CODES,
  upstreamErrorCode,
  type ErrorKind,
} from '../../spec/index.js';
import { redactSecrets } from '../../spec/redact-secrets.js';
import { header, type UpstreamHeaders } from '../shared/upstream-http.js';
import { isRecord, parseJsonSafely, recordField, stringField } from './anthropic-narrowing.js';

/**
 * Anthropic error types (body `error.type`) and the kind each one means. The type decides over the
 * HTTP status, because a proxy in between may change the status but rarely the body.
 */
const KIND_BY_ERROR_TYPE: Readonly<Record<string, ErrorKind>> = Object.freeze({
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  permission_error: 'permission',
  billing_error: 'quota_exceeded',
  not_found_error: 'not_found',
  request_too_large: 'request_too_large',
  rate_limit_error: 'rate_limit',
  api_error: 'upstream_error',
  timeout_error: 'timeout',
  overloaded_error: 'overloaded',
});

/** The status Anthropic sends with each error type, used for errors that arrive inside a 200 stream. */
const STATUS_BY_ERROR_TYPE: Readonly<Record<string, number>> = Object.freeze({
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
});

export interface AnthropicErrorInput {
  provider: string;
  status: number;
  headers: UpstreamHeaders;
  /** The raw response body (JSON `{type:'error', error:{type,message}, request_id}` or anything else). */
  bodyText: string;
}

/**
 * Maps a non-2xx Anthropic response to a GatewayError (kind, client status, retry hints, request id).
 * Credentials an upstream echoes are scrubbed from the message (redactSecrets).
 */
export function mapAnthropicHttpError(input: AnthropicErrorInput): GatewayError {
  const body = readErrorBody(input.bodyText);
  const kind = kindFor(body.type, input.status);
  const shouldRetry = header(input.headers, 'x-should-retry');
  const retryable = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : defaultRetryable(kind, input.status);
  // The body is scrubbed before it is cut, so the cut cannot leave half a secret behind.
  const detail = body.message ?? (excerpt(redactSecrets(input.bodyText)) || 'no error body');
  return new GatewayError({
    code: upstreamErrorCode(kind),
    kind,
    origin: 'upstream',
    status: clientStatusForUpstream(kind, input.status),
    message: redactSecrets(`Anthropic upstream ${input.provider} returned ${input.status}${body.type ? ` ${body.type}` : ''}: ${detail}`),
    retryable,
    retryAfterMs: parseRetryAfter(input.headers),
    provider: input.provider,
    upstreamStatus: input.status,
    upstreamRequestId: header(input.headers, 'request-id') ?? body.requestId,
    upstreamType: body.type,
  });
}

/** Maps an in-stream `event: error` payload (sent after HTTP 200) to a GatewayError. */
export function mapAnthropicStreamError(payload: unknown, provider: string, upstreamRequestId?: string): GatewayError {
  const body = isRecord(payload) ? readErrorObject(payload) : {};
  const nominalStatus = body.type && Object.hasOwn(STATUS_BY_ERROR_TYPE, body.type) ? STATUS_BY_ERROR_TYPE[body.type] : 500;
  const kind = kindFor(body.type, nominalStatus);
  return new GatewayError({
    code: upstreamErrorCode(kind),
    kind,
    origin: 'upstream',
    status: clientStatusForUpstream(kind, nominalStatus),
    message: redactSecrets(`Anthropic upstream ${provider} failed mid-stream${body.type ? ` with ${body.type}` : ''}: ${body.message ?? 'no message'}`),
    retryable: defaultRetryable(kind, nominalStatus),
    provider,
    upstreamStatus: nominalStatus,
    upstreamRequestId: body.requestId ?? upstreamRequestId,
    upstreamType: body.type,
  });
}

/** A response that is not what the Messages API promises (bad JSON, wrong shape). */
export function badUpstreamResponse(provider: string, detail: string, upstreamRequestId?: string): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.BAD_RESPONSE,
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: redactSecrets(`Anthropic upstream ${provider} sent an invalid response: ${detail}`),
    retryable: true,
    provider,
    upstreamRequestId,
  });
}

interface ErrorBody {
  type?: string;
  message?: string;
  requestId?: string;
}

function readErrorBody(text: string): ErrorBody {
  const parsed = parseJsonSafely(text);
  return isRecord(parsed) ? readErrorObject(parsed) : {};
}

function readErrorObject(body: Record<string, unknown>): ErrorBody {
  const error = recordField(body, 'error');
  return {
    type: error ? stringField(error, 'type') : undefined,
    message: error ? stringField(error, 'message') : undefined,
    requestId: stringField(body, 'request_id'),
  };
}

function kindFor(errorType: string | undefined, status: number): ErrorKind {
  if (errorType !== undefined && Object.hasOwn(KIND_BY_ERROR_TYPE, errorType)) return KIND_BY_ERROR_TYPE[errorType];
  return kindForUpstreamStatus(status);
}

/** The official SDKs retry 408, 409, 429 and every 5xx; the gateway agrees, and never retries other client errors. */
function defaultRetryable(kind: ErrorKind, status: number): boolean {
  if (status === 408 || status === 409 || status === 429 || status >= 500) return kind !== 'quota_exceeded';
  return kind === 'rate_limit' || kind === 'overloaded' || kind === 'timeout';
}

/** The start of a body that is not Anthropic error JSON. */
function excerpt(text: string): string {
  return text.trim().slice(0, 200);
}
