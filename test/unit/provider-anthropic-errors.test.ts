import { describe, expect, it } from 'vitest';
import { mapAnthropicHttpError, mapAnthropicStreamError } from '../../src/providers/anthropic/anthropic-errors.js';
import { buildAnthropicHeaders, mergeBetas } from '../../src/providers/anthropic/anthropic-headers.js';

const errorBody = (type: string, message: string, requestId?: string) =>
  JSON.stringify({ type: 'error', error: { type, message }, ...(requestId ? { request_id: requestId } : {}) });

describe('mapAnthropicHttpError', () => {
  it('takes the request id from the request-id header, else from the body', () => {
    const fromHeader = mapAnthropicHttpError({
      provider: 'p',
      status: 500,
      headers: { 'request-id': 'req_header' },
      bodyText: errorBody('api_error', 'Internal server error', 'req_body'),
    });
    expect(fromHeader.upstreamRequestId).toBe('req_header');
    const fromBody = mapAnthropicHttpError({ provider: 'p', status: 500, headers: {}, bodyText: errorBody('api_error', 'Internal server error', 'req_body') });
    expect(fromBody.upstreamRequestId).toBe('req_body');
    expect(fromBody.message).toContain('Internal server error');
  });

  it('lets the error type decide over the status (a proxy may rewrite the status)', () => {
    const error = mapAnthropicHttpError({ provider: 'p', status: 503, headers: {}, bodyText: errorBody('rate_limit_error', 'slow down') });
    expect(error).toMatchObject({ kind: 'rate_limit', status: 429, upstreamStatus: 503, upstreamType: 'rate_limit_error', retryable: true });
  });

  it('falls back to the status for a non-JSON body (413 from Cloudflare)', () => {
    const error = mapAnthropicHttpError({ provider: 'p', status: 413, headers: {}, bodyText: '<html><body>413 Request Entity Too Large</body></html>' });
    expect(error).toMatchObject({ kind: 'request_too_large', status: 413, retryable: false, code: 'SWY_ERR_UPSTREAM_REQUEST_TOO_LARGE' });
    expect(error.upstreamType).toBeUndefined();
    expect(error.message).toContain('413 Request Entity Too Large');
  });

  it('reads retry-after-ms before retry-after, and x-should-retry overrides the default', () => {
    const error = mapAnthropicHttpError({
      provider: 'p',
      status: 429,
      headers: { 'retry-after': '30', 'retry-after-ms': '1500', 'x-should-retry': 'false' },
      bodyText: errorBody('rate_limit_error', 'limited'),
    });
    expect(error).toMatchObject({ retryAfterMs: 1500, retryable: false });
  });

  it('retries 408 and 409 like the official SDKs, but not a billing error', () => {
    expect(mapAnthropicHttpError({ provider: 'p', status: 408, headers: {}, bodyText: '' })).toMatchObject({ kind: 'timeout', retryable: true });
    expect(mapAnthropicHttpError({ provider: 'p', status: 409, headers: {}, bodyText: '' })).toMatchObject({ kind: 'upstream_error', retryable: true });
    expect(mapAnthropicHttpError({ provider: 'p', status: 402, headers: {}, bodyText: errorBody('billing_error', 'no credit') })).toMatchObject({
      kind: 'quota_exceeded',
      retryable: false,
    });
  });
});

describe('mapAnthropicStreamError', () => {
  it('maps an in-stream error by its type and keeps the stream request id', () => {
    expect(mapAnthropicStreamError({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'p', 'req_stream')).toMatchObject({
      kind: 'overloaded',
      status: 529,
      retryable: true,
      origin: 'upstream',
      upstreamRequestId: 'req_stream',
      upstreamType: 'overloaded_error',
    });
    expect(mapAnthropicStreamError({ type: 'error', error: { type: 'invalid_request_error', message: 'bad' } }, 'p')).toMatchObject({
      kind: 'invalid_request',
      retryable: false,
    });
    expect(mapAnthropicStreamError({ type: 'error' }, 'p')).toMatchObject({ kind: 'upstream_error', status: 502, retryable: true });
  });
});

describe('anthropic headers', () => {
  const config = { type: 'anthropic' as const, apiKey: 'k', baseUrl: 'https://api.anthropic.com', version: '2023-06-01' };

  it('merges beta lists in order without duplicates or blanks', () => {
    expect(mergeBetas(['a', ' b , a', undefined, '', 'c,b'])).toEqual(['a', 'b', 'c']);
  });

  it('always sends the version, and no anthropic-beta header when there are no betas', () => {
    expect(buildAnthropicHeaders(config)).toEqual({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json', 'accept-encoding': 'identity' });
  });

  it('merges an operator beta header with configured and forwarded betas; auth cannot be overridden by forwarding', () => {
    const headers = buildAnthropicHeaders(
      { ...config, betas: ['one'], headers: { 'Anthropic-Beta': 'two', 'X-Extra': 'yes' } },
      { forwardHeaders: { 'anthropic-beta': 'three,one', 'x-api-key': 'client-key', 'anthropic-version': '2000-01-01' } },
    );
    expect(headers).toEqual({
      'x-extra': 'yes',
      'x-api-key': 'k',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      'accept-encoding': 'identity',
      'anthropic-beta': 'one,two,three',
    });
    expect(buildAnthropicHeaders(config, { forwardHeaders: { 'anthropic-version': '2000-01-01' }, preferClientVersion: true })['anthropic-version']).toBe(
      '2000-01-01',
    );
  });
});
