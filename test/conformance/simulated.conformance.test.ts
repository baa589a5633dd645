import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { runProviderConformance, type ConformanceErrorCase } from './provider-conformance.js';

const errorCases: ConformanceErrorCase[] = [
  { name: 'HTTP 429 rate limit', userText: '[simulate:error:429]', expected: { kind: 'rate_limit', status: 429, retryable: true, retryAfterMs: 1000 } },
  { name: 'HTTP 500 upstream error', userText: '[simulate:error:500]', expected: { kind: 'upstream_error', status: 502, retryable: true } },
  { name: 'HTTP 529 overloaded', userText: '[simulate:error:529]', expected: { kind: 'overloaded', status: 529, retryable: true } },
  { name: 'HTTP 400 invalid request', userText: '[simulate:error:400]', expected: { kind: 'invalid_request', status: 400, retryable: false } },
];

const shared = {
  errorCases,
  midstreamError: { name: 'overloaded mid-stream', userText: '[simulate:midstream-error]', expected: { kind: 'overloaded', retryable: true } },
  // Two tokens per second: a streamed answer takes tens of seconds, so an abort must end it early.
  slowRequest: { userText: '[simulate:tps:2]' },
} satisfies Partial<Parameters<typeof runProviderConformance>[0]>;

function simulated(upstreamModel: string) {
  return async () => ({
    adapter: createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 }),
    upstreamModel,
    close: async () => undefined,
  });
}

runProviderConformance({
  name: 'simulated (sim-large)',
  createAdapter: simulated('sim-large'),
  capabilities: { tools: true, parallelToolCalls: true, images: true, reasoning: true, usageInStream: true, jsonResponseFormat: true },
  ...shared,
});

runProviderConformance({
  name: 'simulated (sim-small, no images, no reasoning)',
  createAdapter: simulated('sim-small'),
  capabilities: { tools: true, parallelToolCalls: true, images: false, reasoning: false, usageInStream: true, jsonResponseFormat: true },
  ...shared,
});
