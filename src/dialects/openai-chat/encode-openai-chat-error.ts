import type { ErrorKind, GatewayError } from '../../spec/errors.js';
import { redactSecrets } from '../../spec/redact-secrets.js';
import type { RenderedError } from '../dialect.js';

/** OpenAI's error body: all four keys always present; `param` and `code` may be null. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * GatewayError → OpenAI error, the way api.openai.com shapes it (mappings.json "errors.openai"):
 *
 * | kind              | status | type                  | code                                 |
 * |-------------------|--------|-----------------------|--------------------------------------|
 * | invalid_request   | 400    | invalid_request_error | SWY_ERR_*                            |
 * | authentication    | 401    | invalid_request_error | invalid_api_key                      |
 * | permission        | 403    | invalid_request_error | SWY_ERR_*                            |
 * | not_found         | 404    | invalid_request_error | model_not_found if param is 'model'  |
 * | request_too_large | 413    | invalid_request_error | SWY_ERR_*                            |
 * | rate_limit        | 429    | requests (or tokens)  | rate_limit_exceeded                  |
 * | quota_exceeded    | 429    | insufficient_quota    | insufficient_quota                   |
 * | timeout, overloaded, upstream_error, internal, and any status ≥ 500 | server_error | SWY_ERR_* |
 *
 * `code` carries OpenAI's own code where clients branch on it (the SDKs and LangChain check
 * invalid_api_key, model_not_found, rate_limit_exceeded, insufficient_quota); otherwise it carries
 * the gateway's stable SWY_ERR_* code. The SWY_ERR_* code is always also sent as the
 * `x-switchyard-error-code` header. The status is the GatewayError's, except that 529 (an Anthropic
 * status OpenAI clients do not know) is sent as 503, OpenAI's "overloaded" status. An upstream
 * credentials failure arrives as 502 with kind authentication and is rendered as server_error, so
 * the client is not told that its own key is wrong.
 *
 * Headers: `retry-after` (whole seconds, rounded up) and `retry-after-ms` when retryAfterMs is set;
 * `x-should-retry: false` when the error is not retryable but the OpenAI SDK would retry its status
 * (408, 409, 429, ≥ 500), e.g. insufficient_quota; `x-switchyard-upstream-request-id` when known.
 *
 * The last line of defence against leaked credentials: message, param and upstream request id are
 * scrubbed (redactSecrets) whatever built the error, here and in the stream error.
 */
export function encodeOpenAIChatError(error: GatewayError): RenderedError {
  const status = error.status === 529 ? 503 : error.status;
  const headers: Record<string, string> = { 'x-switchyard-error-code': error.code };
  if (error.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(0, Math.ceil(error.retryAfterMs / 1000)));
    headers['retry-after-ms'] = String(Math.max(0, Math.ceil(error.retryAfterMs)));
  }
  if (!error.retryable && sdkRetriesStatus(status)) headers['x-should-retry'] = 'false';
  if (error.upstreamRequestId) headers['x-switchyard-upstream-request-id'] = redactSecrets(error.upstreamRequestId, 256);
  return { status, body: encodeOpenAIChatErrorBody(error, status), headers };
}

/** The `{"error":{…}}` body alone, also used for the mid-stream `data: {"error":…}` line. */
export function encodeOpenAIChatErrorBody(error: GatewayError, status = error.status): OpenAIErrorBody {
  const { type, code } = typeAndCode(error, status);
  return { error: { message: redactSecrets(error.message), type, param: error.param === undefined ? null : redactSecrets(error.param, 256), code } };
}

/** A failure after HTTP 200 was sent: one SSE data line; the OpenAI SDKs throw on it. */
export function encodeOpenAIChatStreamError(error: GatewayError): string {
  return `data: ${JSON.stringify(encodeOpenAIChatErrorBody(error))}\n\n`;
}

function typeAndCode(error: GatewayError, status: number): { type: string; code: string } {
  if (status >= 500) return { type: 'server_error', code: error.code };
  const kind: ErrorKind = error.kind;
  switch (kind) {
    case 'authentication':
      return { type: 'invalid_request_error', code: 'invalid_api_key' };
    case 'not_found':
      return { type: 'invalid_request_error', code: error.param === 'model' ? 'model_not_found' : error.code };
    case 'rate_limit':
      return { type: error.upstreamType === 'tokens' ? 'tokens' : 'requests', code: 'rate_limit_exceeded' };
    case 'quota_exceeded':
      return { type: 'insufficient_quota', code: 'insufficient_quota' };
    case 'timeout':
    case 'overloaded':
    case 'upstream_error':
    case 'internal':
      return { type: 'server_error', code: error.code };
    default:
      return { type: 'invalid_request_error', code: error.code };
  }
}

function sdkRetriesStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
