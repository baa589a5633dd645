import type { ErrorKind, GatewayError } from '../../spec/errors.js';
import { redactSecrets } from '../../spec/redact-secrets.js';
import type { RenderedError } from '../dialect.js';
import type { AnthropicErrorBody, AnthropicErrorType } from './anthropic-messages-wire-types.js';

/**
 * GatewayError → Anthropic error response: `{"type":"error","error":{"type","message"},"request_id"?}`.
 *
 * Types and statuses follow Anthropic (fixtures README, Anthropic fact 9):
 * invalid_request → invalid_request_error, authentication → authentication_error,
 * permission → permission_error, not_found → not_found_error, request_too_large → request_too_large,
 * rate_limit → rate_limit_error, quota_exceeded → billing_error (always 402, Anthropic's status for
 * it, which the SDKs do not retry), timeout → timeout_error, overloaded → overloaded_error (always 529),
 * upstream_error / internal → api_error. Otherwise the error's own status is kept; when that status is
 * a 5xx (e.g. an upstream credential failure the gateway reports as 502) a client-side type would
 * mislead, so the type becomes api_error.
 *
 * Headers: `retry-after` (whole seconds) and `retry-after-ms` when retryAfterMs is set;
 * `x-should-retry: false` when the SDKs would retry the status but the error is not retryable
 * (and `true` in the opposite case); `x-switchyard-upstream-request-id` with the upstream's request id,
 * which is also the body's `request_id`.
 *
 * The last line of defence against leaked credentials: the message and the upstream request id are
 * scrubbed (redactSecrets) whatever built the error, here and in the stream error.
 */
const TYPE_BY_KIND: Readonly<Record<ErrorKind, AnthropicErrorType>> = Object.freeze({
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  quota_exceeded: 'billing_error',
  timeout: 'timeout_error',
  overloaded: 'overloaded_error',
  upstream_error: 'api_error',
  internal: 'api_error',
});

const CLIENT_SIDE_TYPES: ReadonlySet<AnthropicErrorType> = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'billing_error',
]);

export function encodeAnthropicMessagesError(error: GatewayError): RenderedError {
  const status = anthropicStatus(error);
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type: anthropicErrorType(error, status), message: redactSecrets(error.message) },
  };
  const requestId = error.upstreamRequestId ? redactSecrets(error.upstreamRequestId, 256) : undefined;
  if (requestId) body.request_id = requestId;

  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
    headers['retry-after-ms'] = String(Math.round(error.retryAfterMs));
  }
  const sdkWouldRetry = status === 408 || status === 409 || status === 429 || status >= 500;
  if (sdkWouldRetry !== error.retryable) headers['x-should-retry'] = String(error.retryable);
  if (requestId) headers['x-switchyard-upstream-request-id'] = requestId;
  return { status, body, headers };
}

/** The SSE text of an error after the stream started: `event: error` and nothing may follow it. */
export function encodeAnthropicMessagesStreamError(error: GatewayError): string {
  const body = { type: 'error', error: { type: anthropicErrorType(error, anthropicStatus(error)), message: redactSecrets(error.message) } };
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}

function anthropicStatus(error: GatewayError): number {
  if (error.kind === 'overloaded') return 529;
  if (error.kind === 'quota_exceeded') return 402;
  return error.status;
}

function anthropicErrorType(error: GatewayError, status: number): AnthropicErrorType {
  const type = TYPE_BY_KIND[error.kind] ?? 'api_error';
  return status >= 500 && CLIENT_SIDE_TYPES.has(type) ? 'api_error' : type;
}
