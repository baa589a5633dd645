import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import { startOpenAIMock } from '../mock-upstreams/openai-mock.js';
import { runProviderConformance, type ConformanceErrorCase } from './provider-conformance.js';

/**
 * The `openai` adapter against the mock Chat Completions upstream (test/mock-upstreams/openai-mock.ts),
 * whose model name picks the behaviour: `error:<status>[:variant]`, `midstream-error`, `truncated`,
 * `slow-body`, or a deterministic echo (tool calls when tools apply, JSON for response_format, `length`
 * at the limit).
 */
const errorCases: ConformanceErrorCase[] = [
  { name: 'HTTP 429 rate_limit_exceeded', upstreamModel: 'error:429', expected: { kind: 'rate_limit', status: 429, retryable: true, retryAfterMs: 2000 } },
  { name: 'HTTP 429 insufficient_quota', upstreamModel: 'error:429:insufficient_quota', expected: { kind: 'quota_exceeded', status: 429, retryable: false } },
  { name: 'HTTP 400 unsupported_parameter', upstreamModel: 'error:400', expected: { kind: 'invalid_request', status: 400, retryable: false } },
  // Upstream credential and routing failures are the operator's problem: the client sees 502.
  { name: 'HTTP 401 invalid_api_key', upstreamModel: 'error:401', expected: { kind: 'authentication', status: 502, retryable: false } },
  { name: 'HTTP 403 unsupported region', upstreamModel: 'error:403', expected: { kind: 'permission', status: 502, retryable: false } },
  { name: 'HTTP 404 model_not_found', upstreamModel: 'error:404', expected: { kind: 'not_found', status: 502, retryable: false } },
  { name: 'HTTP 500 server_error', upstreamModel: 'error:500', expected: { kind: 'upstream_error', status: 502, retryable: true } },
  { name: 'HTTP 502 HTML page from a proxy', upstreamModel: 'error:502:html', expected: { kind: 'upstream_error', status: 502, retryable: true } },
  { name: 'HTTP 503 overloaded', upstreamModel: 'error:503', expected: { kind: 'overloaded', status: 529, retryable: true } },
];

runProviderConformance({
  name: 'openai (mock upstream)',
  createAdapter: async () => {
    // slow-body stalls 1 s between writes: long enough that an abort always lands in flight.
    const upstream = await startOpenAIMock({ delayMs: 1000 });
    const adapter = createOpenAIProvider('openai', { type: 'openai', apiKey: 'sk-conformance', baseUrl: upstream.url });
    return {
      adapter,
      upstreamModel: 'gpt-4o-mini',
      close: async () => {
        await adapter.close?.();
        await upstream.close();
      },
    };
  },
  // reasoning: false — Chat Completions never returns reasoning text, only a reasoning_tokens count,
  // and the mock's echo (a non-reasoning model) reports 0; OpenAI reasoning models are covered by the
  // adapter's own tests (max_completion_tokens), not by this behavioural suite.
  capabilities: { tools: true, parallelToolCalls: true, images: true, reasoning: false, usageInStream: true, jsonResponseFormat: true },
  errorCases,
  midstreamError: [
    { name: 'data: {"error": server_error} after two deltas', upstreamModel: 'midstream-error', expected: { kind: 'upstream_error', retryable: true } },
    {
      name: 'connection closed after two deltas, without finish_reason or [DONE]',
      upstreamModel: 'truncated',
      expected: { kind: 'upstream_error', retryable: true, code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED' },
    },
  ],
  slowRequest: { upstreamModel: 'slow-body' },
});
