import {
  GatewayError,
  clientStatusForUpstream,
  headerValue,
  kindForUpstreamStatus,
  parseRetryAfter,
  UPSTREAM_ERROR_CODES,
  upstreamErrorCode,
  type ErrorKind,
} from '../../spec/index.js';
import { redactSecrets } from '../../spec/redact-secrets.js';
import type { UpstreamHeaders } from '../shared/upstream-http.js';
import type { OpenAIErrorObject } from './openai-wire-types.js';

type Headers = UpstreamHeaders;

/** The upstream request id: OpenAI and Azure send `x-request-id`; Azure API Management also `apim-request-id`. */
export function openAIRequestId(headers: Headers): string | undefined {
  return headerValue(headers['x-request-id']) ?? headerValue(headers['apim-request-id']);
}

/**
 * A non-2xx Chat Completions response → GatewayError. The kind comes from the HTTP status and is
 * refined by the error's `code`/`type` (a 429 is either a retryable rate limit or a final
 * insufficient_quota). Bodies that are not OpenAI error JSON (proxies, HTML pages) still map by status.
 * Credentials an upstream echoes are scrubbed from the message (redactSecrets).
 */
export function mapOpenAIHttpError(status: number, headers: Headers, bodyText: string, provider: string): GatewayError {
  const parsed = parseJson(bodyText);
  const error = isObject(parsed) ? (parsed.error ?? parsed) : undefined;
  const excerpt = snippet(redactSecrets(bodyText));
  return mapOpenAIErrorObject(error ?? { message: excerpt === undefined ? undefined : `HTTP ${status}: ${excerpt}` }, {
    provider,
    status,
    headers,
    upstreamRequestId: openAIRequestId(headers),
  });
}

export interface OpenAIErrorContext {
  provider: string;
  /** HTTP status; absent for an error sent inside a 200 stream. */
  status?: number;
  headers?: Headers;
  upstreamRequestId?: string;
}

/** Maps an `error` value (`{message,type,param,code}` or a bare string) to a GatewayError. */
export function mapOpenAIErrorObject(error: unknown, context: OpenAIErrorContext): GatewayError {
  const object: OpenAIErrorObject = isObject(error) ? error : { message: error };
  const message =
    text(object.message) ?? text((object as Record<string, unknown>).detail) ?? (context.status !== undefined ? `HTTP ${context.status}` : 'unknown error');
  const type = text(object.type);
  const code = text(object.code) ?? (typeof object.code === 'number' ? String(object.code) : undefined);
  const kind = refineKind(context.status === undefined ? kindForStreamError(type) : kindForUpstreamStatus(context.status), type, code);
  const headers = context.headers ?? {};
  const shouldRetry = headerValue(headers['x-should-retry']);
  return new GatewayError({
    code: upstreamErrorCode(kind),
    kind,
    origin: 'upstream',
    status: clientStatusForUpstream(kind, context.status ?? 0),
    message: redactSecrets(`${context.provider}: ${message}`),
    param: redactParam(text(object.param)),
    retryable: kind === 'quota_exceeded' ? false : shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : undefined,
    retryAfterMs: parseRetryAfter(headers),
    provider: context.provider,
    upstreamStatus: context.status,
    upstreamRequestId: context.upstreamRequestId,
    upstreamType: code ?? type,
  });
}

/** A 2xx response the adapter cannot read (not JSON, no choices, broken stream chunk). */
export function badUpstreamResponse(provider: string, what: string, upstreamRequestId?: string): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.BAD_RESPONSE,
    kind: 'upstream_error',
    origin: 'upstream',
    message: redactSecrets(`${provider}: unreadable response: ${what}.`),
    retryable: true,
    provider,
    upstreamRequestId,
  });
}

/** The stream ended (EOF or [DONE]) before any finish_reason: the answer is incomplete. */
export function streamTruncated(provider: string, upstreamRequestId?: string): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.STREAM_TRUNCATED,
    kind: 'upstream_error',
    origin: 'upstream',
    message: `${provider}: the stream ended before the response was complete (no finish_reason).`,
    retryable: true,
    provider,
    upstreamRequestId,
  });
}

const INVALID_REQUEST_CODES = new Set([
  'context_length_exceeded',
  'unsupported_parameter',
  'unsupported_value',
  'invalid_value',
  'string_above_max_length',
]);

/** An error inside a 200 stream has no status: its type decides. */
function kindForStreamError(type: string | undefined): ErrorKind {
  if (type === 'invalid_request_error') return 'invalid_request';
  return 'upstream_error';
}

function refineKind(kind: ErrorKind, type: string | undefined, code: string | undefined): ErrorKind {
  const tags = [code, type];
  if (tags.includes('insufficient_quota')) return 'quota_exceeded';
  if (tags.includes('rate_limit_exceeded') || type === 'requests' || type === 'tokens') return 'rate_limit';
  if (tags.some((tag) => tag !== undefined && INVALID_REQUEST_CODES.has(tag))) return 'invalid_request';
  if (tags.includes('model_not_found') || code === 'DeploymentNotFound') return 'not_found';
  if (tags.includes('invalid_api_key')) return 'authentication';
  if (tags.some((tag) => tag === 'overloaded' || tag === 'engine_overloaded' || tag === 'slow_down')) return 'overloaded';
  return kind;
}

function redactParam(param: string | undefined): string | undefined {
  return param === undefined ? undefined : redactSecrets(param, 256);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A short, single-line excerpt of a non-JSON error body (HTML tags removed; linear: a tag cannot contain `<`). */
function snippet(body: string): string | undefined {
  const plain = body.replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  if (plain === '') return undefined;
  return plain.length > 300 ? `${plain.slice(0, 300)}…` : plain;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
