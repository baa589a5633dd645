import {
  clientStatusForUpstream,
  GatewayError,
  kindForUpstreamStatus,
  parseRetryAfter,
  UPSTREAM_ERROR_CODES,
  upstreamErrorCode,
  type ErrorKind,
} from '../../spec/errors.js';
import { redactSecrets } from '../../spec/redact-secrets.js';
import { header } from '../shared/upstream-http.js';

/**
 * Bedrock failures → GatewayError (fixtures README, Bedrock 10-11; mappings.json errors.bedrock).
 *
 * A non-stream error is the HTTP status, `x-amzn-ErrorType: <ShapeName>:<namespace>` and a body
 * `{"message": …}` (front-door errors may say `__type` / `Message` instead). An error in the middle
 * of a ConverseStream is a frame with `:message-type: exception` and a camelCase `:exception-type`
 * (throttlingException …) and the same `{"message"}` payload.
 *
 * Every message is scrubbed of credentials (redactSecrets): a SignatureDoesNotMatch message prints the
 * canonical request, `x-amz-security-token` included.
 */

interface ErrorRule {
  kind: ErrorKind;
  retryable: boolean;
  /** HTTP status of the shape in the service model (used for in-stream exceptions). */
  status: number;
}

const RULES: Readonly<Record<string, ErrorRule>> = {
  ValidationException: { kind: 'invalid_request', retryable: false, status: 400 },
  ConflictException: { kind: 'invalid_request', retryable: false, status: 400 },
  ServiceQuotaExceededException: { kind: 'quota_exceeded', retryable: false, status: 400 },
  AccessDeniedException: { kind: 'permission', retryable: false, status: 403 },
  // Front door (not in the service model): bad or expired credentials, bad signature.
  UnrecognizedClientException: { kind: 'authentication', retryable: false, status: 403 },
  InvalidSignatureException: { kind: 'authentication', retryable: false, status: 403 },
  IncompleteSignatureException: { kind: 'authentication', retryable: false, status: 403 },
  MissingAuthenticationTokenException: { kind: 'authentication', retryable: false, status: 403 },
  ExpiredTokenException: { kind: 'authentication', retryable: false, status: 403 },
  ResourceNotFoundException: { kind: 'not_found', retryable: false, status: 404 },
  ModelTimeoutException: { kind: 'timeout', retryable: true, status: 408 },
  ModelErrorException: { kind: 'upstream_error', retryable: false, status: 424 },
  ModelStreamErrorException: { kind: 'upstream_error', retryable: false, status: 424 },
  ThrottlingException: { kind: 'rate_limit', retryable: true, status: 429 },
  ModelNotReadyException: { kind: 'rate_limit', retryable: true, status: 429 },
  InternalServerException: { kind: 'upstream_error', retryable: true, status: 500 },
  ServiceUnavailableException: { kind: 'overloaded', retryable: true, status: 503 },
};

/** The rule of an exception name; own keys only, so a name like `ToString` is simply unknown. */
function ruleFor(type: string): ErrorRule | undefined {
  return Object.hasOwn(RULES, type) ? RULES[type] : undefined;
}

/** Maps a non-2xx Converse / ConverseStream response (body already read as text). */
export function bedrockHttpError(response: { status: number; headers: Record<string, string | string[] | undefined> }, bodyText: string, provider: string): GatewayError {
  const body = parseJsonObject(bodyText);
  const type = errorType(header(response.headers, 'x-amzn-errortype'), body);
  const message = stringField(body, 'message') ?? stringField(body, 'Message') ?? snippet(redactSecrets(bodyText)) ?? `HTTP ${response.status}`;
  const rule = type === undefined ? undefined : ruleFor(type);
  const kind = rule?.kind ?? kindForUpstreamStatus(response.status);
  return new GatewayError({
    code: upstreamErrorCode(kind),
    kind,
    origin: 'upstream',
    status: clientStatusForUpstream(kind, response.status),
    message: redactSecrets(`Bedrock (${provider}) returned ${type ?? `HTTP ${response.status}`}: ${message}`),
    retryable: rule?.retryable,
    retryAfterMs: parseRetryAfter(response.headers),
    provider,
    upstreamStatus: response.status,
    upstreamRequestId: header(response.headers, 'x-amzn-requestid'),
    upstreamType: type,
  });
}

/** Maps an in-stream `:message-type: exception` frame (exception type in camelCase). */
export function bedrockStreamException(
  exceptionType: string,
  payload: Record<string, unknown>,
  provider: string,
  upstreamRequestId: string | undefined,
): GatewayError {
  const type = exceptionType.charAt(0).toUpperCase() + exceptionType.slice(1);
  const rule = ruleFor(type) ?? { kind: 'upstream_error', retryable: true, status: 500 };
  const message = stringField(payload, 'message') ?? stringField(payload, 'Message') ?? 'no message';
  return new GatewayError({
    code: upstreamErrorCode(rule.kind),
    kind: rule.kind,
    origin: 'upstream',
    status: clientStatusForUpstream(rule.kind, rule.status),
    message: redactSecrets(`Bedrock (${provider}) stream failed with ${exceptionType}: ${message}`),
    retryable: rule.retryable,
    provider,
    upstreamStatus: rule.status,
    upstreamRequestId,
    upstreamType: exceptionType,
  });
}

/** Maps an unmodeled `:message-type: error` frame. */
export function bedrockStreamErrorFrame(errorCode: string, errorMessage: string, provider: string, upstreamRequestId: string | undefined): GatewayError {
  const rule = ruleFor(errorCode.charAt(0).toUpperCase() + errorCode.slice(1));
  const kind = rule?.kind ?? 'upstream_error';
  return new GatewayError({
    code: upstreamErrorCode(kind),
    kind,
    origin: 'upstream',
    status: clientStatusForUpstream(kind, rule?.status ?? 502),
    message: redactSecrets(`Bedrock (${provider}) stream failed with ${errorCode}: ${errorMessage || 'no message'}`),
    retryable: rule?.retryable ?? true,
    provider,
    upstreamStatus: rule?.status,
    upstreamRequestId,
    upstreamType: errorCode,
  });
}

/** The stream ended (EOF) before `messageStop`: the answer is incomplete. */
export function bedrockStreamTruncated(provider: string, upstreamRequestId: string | undefined): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.STREAM_TRUNCATED,
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: `Bedrock (${provider}) closed the stream before messageStop; the response is incomplete.`,
    retryable: true,
    provider,
    upstreamRequestId,
  });
}

/** The bytes were not a valid event stream (bad CRC, length, headers or JSON payload). */
export function bedrockStreamInvalid(cause: unknown, provider: string, upstreamRequestId: string | undefined): GatewayError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.STREAM_INVALID,
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: redactSecrets(`Bedrock (${provider}) sent an invalid event stream: ${detail}`),
    retryable: true,
    provider,
    upstreamRequestId,
    cause,
  });
}

/** A 2xx Converse body that is not the expected JSON. */
export function bedrockInvalidResponse(detail: string, provider: string, upstreamRequestId: string | undefined): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.BAD_RESPONSE,
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: redactSecrets(`Bedrock (${provider}) sent an invalid response: ${detail}`),
    retryable: true,
    provider,
    upstreamRequestId,
  });
}

/** `x-amzn-ErrorType: ValidationException:http://internal…` or body `__type: com.amazon…#ValidationException`. */
function errorType(headerValue: string | undefined, body: Record<string, unknown> | undefined): string | undefined {
  const raw = headerValue ?? stringField(body, '__type') ?? stringField(body, 'code');
  if (!raw) return undefined;
  const withoutNamespace = raw.split(':')[0];
  const name = withoutNamespace.includes('#') ? withoutNamespace.slice(withoutNamespace.lastIndexOf('#') + 1) : withoutNamespace;
  return name.trim() || undefined;
}

/** A short single-line excerpt of a non-JSON body (a proxy's HTML page), tags removed (linear: a tag cannot contain `<`). */
function snippet(text: string): string | undefined {
  const plain = text.replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  if (plain === '') return undefined;
  return plain.length > 300 ? `${plain.slice(0, 300)}…` : plain;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringField(object: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
