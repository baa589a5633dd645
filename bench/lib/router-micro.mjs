/**
 * Router decision micro-benchmark (run as its own process, pinned): times the routing decision the
 * gateway makes per request — reading the request's features from the raw body, then planRequest
 * (route or model lookup, capability and context filters, strategy ranking, fallbacks) — from dist/,
 * per call with process.hrtime.bigint(). The catalog has 100 models, 20 aliases and 10 routes of three
 * candidates (strategies cheapest, fastest, weighted …) so the lookup is not a toy. Prints one JSON line
 * with µs percentiles.
 */
import { hrtime } from 'node:process';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const { values } = parseArgs({ options: { dist: { type: 'string' }, iterations: { type: 'string', default: '100000' } } });
const dist = (path) => pathToFileURL(join(values.dist, path)).href;
const { parseConfig } = await import(dist('config/load-config.js'));
const { resolveConfig } = await import(dist('config/resolve-config.js'));
const { planRequest } = await import(dist('routing/plan-request.js'));
const { capabilityFilter } = await import(dist('routing/candidate-filters.js'));
const { readRequestFeatures } = await import(dist('routing/request-features.js'));
const { InMemoryHealthTracker } = await import(dist('routing/health/in-memory-health-tracker.js'));

const models = Array.from({ length: 100 }, (_, i) => ({
  id: `model-${i}`,
  provider: i % 2 ? 'a' : 'o',
  pricing: { inputPerMTok: 1, outputPerMTok: 2 },
  capabilities: { tools: true, images: true, json: true, reasoning: i % 5 === 0 },
}));
const aliases = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`alias-${i}`, `model-${(i * 7) % 100}`]));
const config = resolveConfig(
  parseConfig({
    auth: { masterKey: 'sk-bench-router-0123456789' },
    providers: { o: { type: 'openai', apiKey: 'sk-x', baseUrl: 'http://127.0.0.1:9/v1' }, a: { type: 'anthropic', apiKey: 'sk-x', baseUrl: 'http://127.0.0.1:9' } },
    models,
    aliases,
    routes: Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `route-${i}`,
        { candidates: [`model-${i * 3}`, `model-${i * 3 + 1}`, `model-${i * 3 + 2}`], strategy: ['priority', 'cheapest', 'fastest', 'weighted', 'least-busy'][i % 5], fallbacks: [`model-${50 + i}`] },
      ]),
    ),
  }),
);
const health = new InMemoryHealthTracker();

// A realistic chat request: system + a few turns, one image part, tools.
const body = {
  model: 'alias-3',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
    { role: 'assistant', content: 'A small PNG.' },
    { role: 'user', content: 'Thanks. Now call the weather tool for Paris.' },
  ],
  tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  max_tokens: 128,
};
const names = [
  ...Array.from({ length: 10 }, (_, i) => `model-${i * 10 + 1}`),
  ...Array.from({ length: 10 }, (_, i) => `alias-${i}`),
  ...Array.from({ length: 10 }, (_, i) => `route-${i}`),
];

let requestNumber = 0;
const decide = (name) => {
  const features = readRequestFeatures('openai-chat', body);
  const inputTokens = () => Math.ceil(features.textChars / 4) + features.images * 1600;
  const plan = planRequest(config, name, { requestId: `req_${++requestNumber}`, features, health, now: Date.now(), inputTokens, filters: [capabilityFilter(inputTokens)] });
  return plan.steps[0].deployment.model;
};

const iterations = Number(values.iterations);
let sink = 0;
for (let i = 0; i < 20_000; i++) sink += decide(names[i % names.length]).id.length; // warm up the JIT

const samplesNs = new Float64Array(iterations);
const emptyNs = new Float64Array(10_000);
for (let i = 0; i < emptyNs.length; i++) {
  const t0 = hrtime.bigint();
  emptyNs[i] = Number(hrtime.bigint() - t0);
}
for (let i = 0; i < iterations; i++) {
  const name = names[i % names.length];
  const t0 = hrtime.bigint();
  sink += decide(name).id.length;
  samplesNs[i] = Number(hrtime.bigint() - t0);
}
const batchStart = hrtime.bigint();
for (let i = 0; i < iterations; i++) sink += decide(names[i % names.length]).id.length;
const batchMeanNs = Number(hrtime.bigint() - batchStart) / iterations;

const pct = (array, q) => {
  const sorted = Float64Array.from(array).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
process.stdout.write(
  `${JSON.stringify({
    iterations,
    catalogModels: models.length,
    aliases: Object.keys(aliases).length,
    p50Us: pct(samplesNs, 0.5) / 1000,
    p99Us: pct(samplesNs, 0.99) / 1000,
    p999Us: pct(samplesNs, 0.999) / 1000,
    maxUs: pct(samplesNs, 1) / 1000,
    meanUs: samplesNs.reduce((a, b) => a + b, 0) / iterations / 1000,
    batchMeanUs: batchMeanNs / 1000,
    timerOverheadP50Us: pct(emptyNs, 0.5) / 1000,
    sink: sink > 0,
  })}\n`,
);
