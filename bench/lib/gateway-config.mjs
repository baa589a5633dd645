/**
 * The Switchyard configuration the bench runs: both providers point at the mock on loopback, a
 * known master key (auth on), an SQLite file in the run's temp dir (ledger writes on), the default
 * timeouts, one model per path plus the slow-stream variants, and two routes:
 * - `bench-routed`: three candidates on the mock (least-busy strategy, health tracking on);
 * - `bench-failover`: a primary the mock answers with 503, then a healthy candidate. So that every
 *   request of that row really fails over, the breaker and the 503 cooldown are effectively off and the
 *   retry budget allows a retry per request (in production they would stop sending to the primary).
 * Written as JSON, which is valid YAML.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_MASTER_KEY = 'sk-swy-bench-master-key-0123456789';

export function gatewayConfig({ mockPort, dir, timeouts = {} }) {
  const pricing = { inputPerMTok: 2, outputPerMTok: 8, cacheReadPerMTok: 0.5 };
  return {
    server: { host: '127.0.0.1', port: 0 },
    auth: { masterKey: BENCH_MASTER_KEY },
    storage: { sqlitePath: join(dir, 'switchyard-bench.db') },
    // The gateway's defaults (as in production), unless a caller overrides them.
    timeouts: { connectMs: 10_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 600_000, ...timeouts },
    providers: {
      'mock-openai': { type: 'openai', apiKey: 'sk-mock-openai', baseUrl: `http://127.0.0.1:${mockPort}/v1` },
      'mock-anthropic': { type: 'anthropic', apiKey: 'sk-ant-mock', baseUrl: `http://127.0.0.1:${mockPort}` },
    },
    models: [
      { id: 'bench-openai', provider: 'mock-openai', upstreamModel: 'mock-fast', pricing, capabilities: { tools: true, images: true, json: true, reasoning: false } },
      { id: 'bench-anthropic', provider: 'mock-anthropic', upstreamModel: 'mock-fast-claude', pricing, capabilities: { tools: true, images: true, json: false, reasoning: false } },
      { id: 'bench-openai-slow', provider: 'mock-openai', upstreamModel: 'mock-slow', pricing },
      { id: 'bench-anthropic-slow', provider: 'mock-anthropic', upstreamModel: 'mock-slow-claude', pricing },
      { id: 'bench-openai-b', provider: 'mock-openai', upstreamModel: 'mock-fast', pricing },
      { id: 'bench-openai-c', provider: 'mock-openai', upstreamModel: 'mock-fast', pricing },
      { id: 'bench-openai-slow-b', provider: 'mock-openai', upstreamModel: 'mock-slow', pricing },
      { id: 'bench-openai-slow-c', provider: 'mock-openai', upstreamModel: 'mock-slow', pricing },
      { id: 'bench-failing', provider: 'mock-openai', upstreamModel: 'mock-fail503', pricing },
      // The learned row: three priced, profiled candidates on the mock (quality-cost with the shipped analyzer).
      { id: 'bench-strong', provider: 'mock-openai', upstreamModel: 'mock-fast', pricing: { inputPerMTok: 10, outputPerMTok: 30 }, quality: { overall: 0.9, byTask: {} } },
      { id: 'bench-mid', provider: 'mock-openai', upstreamModel: 'mock-fast', pricing: { inputPerMTok: 2, outputPerMTok: 8 }, quality: { overall: 0.8, byTask: {} } },
      { id: 'bench-weak', provider: 'mock-openai', upstreamModel: 'mock-fast', pricing: { inputPerMTok: 0.2, outputPerMTok: 0.8 }, quality: { overall: 0.6, byTask: {} } },
      { id: 'bench-strong-slow', provider: 'mock-openai', upstreamModel: 'mock-slow', pricing: { inputPerMTok: 10, outputPerMTok: 30 }, quality: { overall: 0.9, byTask: {} } },
      { id: 'bench-mid-slow', provider: 'mock-openai', upstreamModel: 'mock-slow', pricing: { inputPerMTok: 2, outputPerMTok: 8 }, quality: { overall: 0.8, byTask: {} } },
      { id: 'bench-weak-slow', provider: 'mock-openai', upstreamModel: 'mock-slow', pricing: { inputPerMTok: 0.2, outputPerMTok: 0.8 }, quality: { overall: 0.6, byTask: {} } },
    ],
    aliases: { large: 'bench-anthropic', small: 'bench-openai' },
    routes: {
      'bench-routed': { candidates: ['bench-openai', 'bench-openai-b', 'bench-openai-c'], strategy: 'least-busy' },
      'bench-routed-slow': { candidates: ['bench-openai-slow', 'bench-openai-slow-b', 'bench-openai-slow-c'], strategy: 'least-busy' },
      'bench-learned': { candidates: ['bench-strong', 'bench-mid', 'bench-weak'], strategy: 'quality-cost', qualityCost: { quality: 0.85 } },
      'bench-learned-slow': { candidates: ['bench-strong-slow', 'bench-mid-slow', 'bench-weak-slow'], strategy: 'quality-cost', qualityCost: { quality: 0.85 } },
      'bench-failover': { candidates: ['bench-failing', 'bench-openai'], strategy: 'priority', retries: { attempts: 0 } },
      'bench-failover-slow': { candidates: ['bench-failing', 'bench-openai-slow'], strategy: 'priority', retries: { attempts: 0 } },
    },
    routing: {
      retryBudget: { ratio: 1.5, floor: 10, windowMs: 10_000 },
      breaker: { consecutiveFailures: 1_000_000_000, minRequests: 1_000_000_000, defaultCooldownMs: 1 },
    },
  };
}

export function writeGatewayConfig(options) {
  const path = join(options.dir, 'switchyard.bench.yaml');
  writeFileSync(path, JSON.stringify(gatewayConfig(options), null, 2));
  return path;
}
