import type { OpenAICompatibleProviderConfig } from '../../src/config/schema.js';
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible/openai-compatible-provider.js';
import { startOpenAIMock } from '../mock-upstreams/openai-mock.js';
import { runProviderConformance, type ConformanceErrorCase, type ProviderConformanceOptions } from './provider-conformance.js';

/**
 * The `openai-compatible` adapter against the mock Chat Completions upstream, twice: a plain
 * compatible server (no key, POST {baseUrl}/chat/completions, max_completion_tokens) and Azure OpenAI
 * (POST /openai/deployments/{deployment}/chat/completions?api-version=…, `api-key`, a first stream
 * chunk with `object: ""` and prompt filter results). The model (Azure: deployment) name picks the
 * mock's behaviour: `error:<status>[:variant]`, `midstream-error`, `truncated`, `slow-body`, or a
 * deterministic echo.
 */
const errorCases: ConformanceErrorCase[] = [
  { name: 'HTTP 429 rate_limit_exceeded', upstreamModel: 'error:429', expected: { kind: 'rate_limit', status: 429, retryable: true, retryAfterMs: 2000 } },
  { name: 'HTTP 429 insufficient_quota', upstreamModel: 'error:429:insufficient_quota', expected: { kind: 'quota_exceeded', status: 429, retryable: false } },
  { name: 'HTTP 400 unsupported_parameter', upstreamModel: 'error:400', expected: { kind: 'invalid_request', status: 400, retryable: false } },
  { name: 'HTTP 401 invalid_api_key', upstreamModel: 'error:401', expected: { kind: 'authentication', status: 502, retryable: false } },
  { name: 'HTTP 404 model_not_found', upstreamModel: 'error:404', expected: { kind: 'not_found', status: 502, retryable: false } },
  { name: 'HTTP 500 server_error', upstreamModel: 'error:500', expected: { kind: 'upstream_error', status: 502, retryable: true } },
  { name: 'HTTP 502 HTML page from a proxy', upstreamModel: 'error:502:html', expected: { kind: 'upstream_error', status: 502, retryable: true } },
  { name: 'HTTP 503 overloaded', upstreamModel: 'error:503', expected: { kind: 'overloaded', status: 529, retryable: true } },
];

type UrlOf = (upstream: { url: string; origin: string }) => string;

function suite(name: string, upstreamModel: string, config: (baseUrl: string) => OpenAICompatibleProviderConfig, baseUrlOf: UrlOf): ProviderConformanceOptions {
  return {
    name,
    createAdapter: async () => {
      // slow-body stalls 1 s between writes: long enough that an abort always lands in flight.
      const upstream = await startOpenAIMock({ delayMs: 1000, azureApiKey: 'azure-conformance-key' });
      const adapter = createOpenAICompatibleProvider('compatible', config(baseUrlOf(upstream)));
      return {
        adapter,
        upstreamModel,
        close: async () => {
          await adapter.close?.();
          await upstream.close();
        },
      };
    },
    // reasoning: false — Chat Completions servers return no reasoning text, and the mock's echo is a
    // non-reasoning model (reasoning_tokens 0).
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
  };
}

runProviderConformance(
  suite(
    'openai-compatible (plain server, mock upstream)',
    'house-model-7b',
    (baseUrl) => ({ type: 'openai-compatible', baseUrl, maxTokensField: 'max_completion_tokens' }),
    (upstream) => upstream.url,
  ),
);

runProviderConformance(
  suite(
    'openai-compatible (Azure OpenAI, mock upstream)',
    'gpt-4o-mini-deployment',
    (baseUrl) => ({ type: 'openai-compatible', baseUrl, apiKey: 'azure-conformance-key', azure: { apiVersion: '2024-10-21' }, maxTokensField: 'max_tokens' }),
    (upstream) => upstream.origin,
  ),
);
