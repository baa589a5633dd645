import { describe, expect, it } from 'vitest';
import { openaiChatDialect } from '../../src/dialects/openai-chat/index.js';
import { GatewayError, invalidRequest, type GatewayErrorOptions } from '../../src/spec/errors.js';
import { describeErrors, validateOpenAIError } from '../helpers/openapi-validator.js';

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function render(options: GatewayErrorOptions) {
  const rendered = openaiChatDialect.encodeError(new GatewayError(options));
  const validation = validateOpenAIError(rendered.body);
  expect(validation.valid, describeErrors(validation.errors)).toBe(true);
  return { ...rendered, body: rendered.body as ErrorBody, headers: rendered.headers ?? {} };
}

describe('openai-chat encodeError', () => {
  it('renders a client 400 with all four keys, param kept', () => {
    const rendered = openaiChatDialect.encodeError(invalidRequest("Invalid value for 'temperature'.", 'temperature'));
    expect(rendered.status).toBe(400);
    expect(rendered.body).toEqual({
      error: {
        message: "Invalid value for 'temperature'.",
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'SWY_ERR_INVALID_REQUEST',
      },
    });
    expect(rendered.headers?.['x-switchyard-error-code']).toBe('SWY_ERR_INVALID_REQUEST');
    expect(rendered.headers).not.toHaveProperty('retry-after');
    expect(rendered.headers).not.toHaveProperty('x-should-retry');
  });

  it('sends param null when absent', () => {
    expect(render({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', message: 'bad' }).body.error.param).toBeNull();
  });

  it.each<[string, GatewayErrorOptions, number, string, string]>([
    ['gateway auth', { code: 'SWY_ERR_AUTH_INVALID_KEY', kind: 'authentication', message: 'Invalid API key.' }, 401, 'invalid_request_error', 'invalid_api_key'],
    ['permission', { code: 'SWY_ERR_MODEL_NOT_ALLOWED', kind: 'permission', message: 'Not allowed.' }, 403, 'invalid_request_error', 'SWY_ERR_MODEL_NOT_ALLOWED'],
    ['unknown model', { code: 'SWY_ERR_MODEL_NOT_FOUND', kind: 'not_found', message: 'No model x.', param: 'model' }, 404, 'invalid_request_error', 'model_not_found'],
    ['unknown route', { code: 'SWY_ERR_NOT_FOUND', kind: 'not_found', message: 'No route.' }, 404, 'invalid_request_error', 'SWY_ERR_NOT_FOUND'],
    ['too large', { code: 'SWY_ERR_REQUEST_TOO_LARGE', kind: 'request_too_large', message: 'Too large.' }, 413, 'invalid_request_error', 'SWY_ERR_REQUEST_TOO_LARGE'],
    ['rate limit', { code: 'SWY_ERR_RATE_LIMITED', kind: 'rate_limit', message: 'Slow down.' }, 429, 'requests', 'rate_limit_exceeded'],
    ['token rate limit', { code: 'SWY_ERR_RATE_LIMITED', kind: 'rate_limit', message: 'TPM.', upstreamType: 'tokens', upstreamStatus: 429 }, 429, 'tokens', 'rate_limit_exceeded'],
    ['quota', { code: 'SWY_ERR_BUDGET_EXCEEDED', kind: 'quota_exceeded', message: 'Budget spent.' }, 429, 'insufficient_quota', 'insufficient_quota'],
    ['timeout', { code: 'SWY_ERR_UPSTREAM_TIMEOUT', kind: 'timeout', message: 'Timed out.' }, 504, 'server_error', 'SWY_ERR_UPSTREAM_TIMEOUT'],
    ['overloaded', { code: 'SWY_ERR_UPSTREAM_OVERLOADED', kind: 'overloaded', message: 'Busy.' }, 503, 'server_error', 'SWY_ERR_UPSTREAM_OVERLOADED'],
    ['upstream', { code: 'SWY_ERR_UPSTREAM', kind: 'upstream_error', message: 'Bad gateway.' }, 502, 'server_error', 'SWY_ERR_UPSTREAM'],
    ['internal', { code: 'SWY_ERR_INTERNAL', kind: 'internal', message: 'Bug.' }, 500, 'server_error', 'SWY_ERR_INTERNAL'],
    [
      'upstream credentials (502, not the client key)',
      { code: 'SWY_ERR_UPSTREAM_AUTH', kind: 'authentication', message: 'Provider rejected credentials.', status: 502, upstreamStatus: 401 },
      502,
      'server_error',
      'SWY_ERR_UPSTREAM_AUTH',
    ],
  ])('maps %s', (_name, options, status, type, code) => {
    const rendered = render(options);
    expect(rendered.status).toBe(status);
    expect(rendered.body.error).toMatchObject({ type, code, message: options.message });
    expect(rendered.headers['x-switchyard-error-code']).toBe(options.code);
  });

  it('adds retry-after (seconds, rounded up) and retry-after-ms when retryAfterMs is set', () => {
    const rendered = render({ code: 'SWY_ERR_RATE_LIMITED', kind: 'rate_limit', message: 'Slow down.', retryAfterMs: 1200 });
    expect(rendered.headers['retry-after']).toBe('2');
    expect(rendered.headers['retry-after-ms']).toBe('1200');
    expect(rendered.headers).not.toHaveProperty('x-should-retry');
  });

  it('tells the SDK not to retry a non-retryable 429 (insufficient quota)', () => {
    const rendered = render({ code: 'SWY_ERR_BUDGET_EXCEEDED', kind: 'quota_exceeded', message: 'Budget spent.' });
    expect(rendered.headers['x-should-retry']).toBe('false');
    const internal = render({ code: 'SWY_ERR_INTERNAL', kind: 'internal', message: 'Bug.', retryable: false });
    expect(internal.headers['x-should-retry']).toBe('false');
  });

  it('passes the upstream request id as x-switchyard-upstream-request-id', () => {
    const rendered = render({
      code: 'SWY_ERR_UPSTREAM',
      kind: 'upstream_error',
      message: 'Upstream failed.',
      upstreamStatus: 500,
      upstreamRequestId: 'req_abc123',
    });
    expect(rendered.headers['x-switchyard-upstream-request-id']).toBe('req_abc123');
    expect(render({ code: 'SWY_ERR_INTERNAL', kind: 'internal', message: 'x' }).headers).not.toHaveProperty(
      'x-switchyard-upstream-request-id',
    );
  });
});
