import { createAnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { startAnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { runProviderConformance, type ConformanceErrorCase } from './provider-conformance.js';

/**
 * The `anthropic` adapter against the mock Messages API (test/mock-upstreams/anthropic-mock.ts), whose
 * model name picks the behaviour: `error:<status>[:<header>=<value>]`, `midstream-error`, `slow-body`,
 * `thinking` (a signed thinking block, then text), or a deterministic echo.
 */
const errorCases: ConformanceErrorCase[] = [
  { name: 'HTTP 429 rate_limit_error', upstreamModel: 'error:429', expected: { kind: 'rate_limit', status: 429, retryable: true, retryAfterMs: 2000 } },
  { name: 'HTTP 429 with x-should-retry: false', upstreamModel: 'error:429:x-should-retry=false', expected: { kind: 'rate_limit', status: 429, retryable: false } },
  { name: 'HTTP 529 overloaded_error', upstreamModel: 'error:529', expected: { kind: 'overloaded', status: 529, retryable: true } },
  { name: 'HTTP 500 api_error', upstreamModel: 'error:500', expected: { kind: 'upstream_error', status: 502, retryable: true } },
  { name: 'HTTP 504 timeout_error', upstreamModel: 'error:504', expected: { kind: 'timeout', status: 504, retryable: true } },
  { name: 'HTTP 400 invalid_request_error', upstreamModel: 'error:400', expected: { kind: 'invalid_request', status: 400, retryable: false } },
  { name: 'HTTP 413 request_too_large', upstreamModel: 'error:413', expected: { kind: 'request_too_large', status: 413, retryable: false } },
  { name: 'HTTP 402 billing_error', upstreamModel: 'error:402', expected: { kind: 'quota_exceeded', status: 429, retryable: false } },
  // Upstream credential and routing failures are the operator's problem: the client sees 502.
  { name: 'HTTP 401 authentication_error', upstreamModel: 'error:401', expected: { kind: 'authentication', status: 502, retryable: false } },
  { name: 'HTTP 403 permission_error', upstreamModel: 'error:403', expected: { kind: 'permission', status: 502, retryable: false } },
  { name: 'HTTP 404 not_found_error', upstreamModel: 'error:404', expected: { kind: 'not_found', status: 502, retryable: false } },
];

runProviderConformance({
  name: 'anthropic (mock upstream)',
  createAdapter: async () => {
    // slow-body holds the body back 1 s: long enough that an abort always lands in flight.
    const upstream = await startAnthropicMock({ slowMs: 1000, apiKey: 'sk-ant-conformance' });
    const adapter = createAnthropicProvider('anthropic', { type: 'anthropic', apiKey: 'sk-ant-conformance', baseUrl: upstream.url, version: '2023-06-01' });
    return {
      adapter,
      upstreamModel: 'claude-sonnet-4-5',
      close: async () => {
        await adapter.close?.();
        await upstream.close();
      },
    };
  },
  // jsonResponseFormat: false — the Messages API has no JSON mode; the adapter sends the request
  // without it and returns an unsupported-setting warning (the output is not guaranteed JSON).
  capabilities: { tools: true, parallelToolCalls: true, images: true, reasoning: true, usageInStream: true, jsonResponseFormat: false },
  upstreamModelFor: { reasoning: 'thinking' },
  errorCases,
  midstreamError: { name: 'event: error overloaded_error after text deltas', upstreamModel: 'midstream-error', expected: { kind: 'overloaded', status: 529, retryable: true } },
  slowRequest: { upstreamModel: 'slow-body' },
});
