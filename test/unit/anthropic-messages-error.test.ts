import { describe, expect, it } from 'vitest';
import { anthropicMessagesDialect } from '../../src/dialects/anthropic-messages/index.js';
import { GatewayError, invalidRequest, type ErrorKind } from '../../src/spec/errors.js';

const render = (error: GatewayError) => anthropicMessagesDialect.encodeError(error);
const make = (kind: ErrorKind, extra: Partial<ConstructorParameters<typeof GatewayError>[0]> = {}) =>
  new GatewayError({ code: 'SWY_ERR_TEST', kind, message: `${kind} happened`, ...extra });

describe('anthropic encodeError', () => {
  it.each<[ErrorKind, number, string]>([
    ['invalid_request', 400, 'invalid_request_error'],
    ['authentication', 401, 'authentication_error'],
    ['permission', 403, 'permission_error'],
    ['not_found', 404, 'not_found_error'],
    ['request_too_large', 413, 'request_too_large'],
    ['rate_limit', 429, 'rate_limit_error'],
    ['quota_exceeded', 402, 'billing_error'],
    ['timeout', 504, 'timeout_error'],
    ['overloaded', 529, 'overloaded_error'],
    ['upstream_error', 502, 'api_error'],
    ['internal', 500, 'api_error'],
  ])('renders %s as %i %s', (kind, status, type) => {
    const rendered = render(make(kind));
    expect(rendered.status).toBe(status);
    expect(rendered.body).toEqual({ type: 'error', error: { type, message: `${kind} happened` } });
  });

  it('keeps the Anthropic-style message and param of a client error', () => {
    const rendered = render(invalidRequest('max_tokens: Field required', 'max_tokens'));
    expect(rendered).toEqual({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } },
      headers: {},
    });
  });

  it('sets retry-after headers and keeps the upstream request id', () => {
    const rendered = render(make('rate_limit', { retryAfterMs: 1500, upstreamRequestId: 'req_011CXyz', upstreamStatus: 429 }));
    expect(rendered.status).toBe(429);
    expect(rendered.headers).toEqual({
      'retry-after': '2',
      'retry-after-ms': '1500',
      'x-switchyard-upstream-request-id': 'req_011CXyz',
    });
    expect(rendered.body).toMatchObject({ request_id: 'req_011CXyz' });
  });

  it('uses api_error when a client-side kind is reported with a 5xx status (upstream credential failure)', () => {
    const rendered = render(make('authentication', { status: 502, upstreamStatus: 401 }));
    expect(rendered.status).toBe(502);
    expect(rendered.body).toMatchObject({ error: { type: 'api_error' } });
  });

  it('tells the SDKs not to retry a non-retryable error on a status they would retry', () => {
    expect(render(make('internal')).headers).toEqual({ 'x-should-retry': 'false' });
    expect(render(make('overloaded')).headers).toEqual({});
    expect(render(make('upstream_error', { retryable: false })).headers).toEqual({ 'x-should-retry': 'false' });
  });

  it('encodes an in-stream error event', () => {
    expect(anthropicMessagesDialect.encodeStreamError(make('overloaded', { message: 'Overloaded' }))).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
  });
});
