#!/usr/bin/env node
/**
 * CPU of the gateway's own request path, without sockets: `npm run build && node bench/pipeline-cost.mjs`.
 *
 * Builds the ChatPipeline as startGateway does (configuration, the real OpenAI adapter, health tracker,
 * retry budget, request meter with the SQLite usage ledger in its writer thread, Prometheus metrics)
 * over an in-process undici dispatcher that answers every call at once with an OpenAI-sized answer, and
 * calls it with a parsed Chat Completions body and a stand-in ServerResponse. What it measures is everything the
 * gateway adds between the parsed request and the bytes handed to node:http — planning, the attempt
 * loop, the response writer, metering, metrics, the ledger — and nothing of HTTP or undici, so it is
 * steady on a busy machine and shows what a change to that path is worth.
 *
 * Prints process CPU per request (µs, all threads: the ledger's writer included) over --requests
 * (default 50,000) after a warm-up, --rounds times (default 5), and the median.
 * `--alloc` adds the bytes allocated per request by function; `node --cpu-prof bench/pipeline-cost.mjs`
 * profiles it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = (path) => import(join(root, 'dist', path));
const { values: flags } = parseArgs({ options: { requests: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' }, alloc: { type: 'boolean', default: false } } });

const { parseConfig } = await dist('config/load-config.js');
const { resolveConfig } = await dist('config/resolve-config.js');
const { ChatPipeline } = await dist('server/chat-pipeline.js');
const { RequestMeter } = await dist('server/request-meter.js');
const { UsageLedger } = await dist('metering/usage-ledger.js');
const { openStore } = await dist('storage/database.js');
const { GatewayMetrics } = await dist('observability/metrics.js');
const { InMemoryHealthTracker } = await dist('routing/health/in-memory-health-tracker.js');
const { RetryBudget } = await dist('routing/health/retry-budget.js');
const { openaiChatDialect } = await dist('dialects/openai-chat/index.js');
const { createProviders } = await dist('providers/registry.js');
const { UpstreamPool } = await dist('providers/shared/upstream-http.js');

const config = resolveConfig(
  parseConfig(
    {
      auth: { masterKey: 'sk-swy-bench-master-key-0123456789' },
      providers: { fake: { type: 'openai', apiKey: 'sk-fake', baseUrl: 'http://127.0.0.1:9/v1' } },
      models: [{ id: 'bench-openai', provider: 'fake', upstreamModel: 'mock-fast', pricing: { inputPerMTok: 2, outputPerMTok: 8 } }],
    },
    {},
  ),
  {},
);

const ANSWER = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'mock-fast',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 },
  }),
);
/**
 * The upstream: an undici dispatcher that answers every call at once with ANSWER (headers as a real
 * OpenAI answer has them), so the real OpenAI adapter runs — body rewrite, headers, the dispatch
 * handler, usage read — without a socket.
 */
const RAW_HEADERS = [
  ['content-type', 'application/json'],
  ['content-length', String(ANSWER.length)],
  ['x-request-id', 'req_upstream_0123456789'],
  ['openai-processing-ms', '120'],
  ['x-ratelimit-remaining-requests', '9999'],
  ['x-ratelimit-remaining-tokens', '1999000'],
  ['date', new Date().toUTCString()],
].flatMap(([name, value]) => [Buffer.from(name), Buffer.from(value)]);
const instantDispatcher = {
  dispatch(_options, handler) {
    // On the next turn of the event loop, as an answer from a socket would come (timers and the
    // ledger's writer thread get their turns too).
    setImmediate(() => {
      handler.onConnect(() => undefined);
      handler.onHeaders(200, RAW_HEADERS, () => undefined, 'OK');
      handler.onData(ANSWER);
      handler.onComplete([]);
    });
    return true;
  },
};
class InstantPool extends UpstreamPool {
  agent() {
    return instantDispatcher;
  }
}
const providers = createProviders(config, { pool: new InstantPool() });

/** Enough of a ServerResponse for the response writer. */
class FakeResponse {
  destroyed = false;
  headersSent = false;
  writableFinished = false;
  writeHead(status, headers) {
    this.status = status;
    this.headers = headers;
    this.headersSent = true;
    return this;
  }
  setHeader() {}
  end(body) {
    this.body = body;
    this.writableFinished = true;
  }
  on() {
    return this;
  }
}

const dir = mkdtempSync(join(os.tmpdir(), 'switchyard-pipeline-cost-'));
const store = await openStore({ sqlitePath: join(dir, 'ledger.db') });
const ledger = new UsageLedger(store);
const meter = new RequestMeter(ledger);
const metrics = new GatewayMetrics();
meter.observe(metrics.observer);
const pipeline = new ChatPipeline({ config, providers, meter, health: new InMemoryHealthTracker(), retryBudget: new RetryBudget() });
const caller = { keyName: 'master', role: 'master' };
const BODY = JSON.stringify({ model: 'bench-openai', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }] });

let counter = 0;
async function one() {
  const res = new FakeResponse();
  await pipeline.handle({
    dialect: openaiChatDialect,
    body: JSON.parse(BODY),
    caller,
    forwardHeaders: {},
    res,
    signal: new AbortController().signal,
    requestId: `req_bench${++counter}`,
  });
  if (res.status !== 200) throw new Error(`unexpected status ${res.status}`);
}

const n = Number(flags.requests);
for (let i = 0; i < 5000; i++) await one();
await ledger.flush();
const results = [];
for (let round = 0; round < Number(flags.rounds); round++) {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await one();
  await ledger.flush();
  const used = process.cpuUsage(before);
  const us = (used.user + used.system) / n;
  results.push(us);
  process.stdout.write(`round ${round + 1}: ${us.toFixed(2)} µs CPU per request (${n} requests)\n`);
}
if (flags.alloc) await allocationSites(n);
results.sort((a, b) => a - b);
process.stdout.write(`median: ${results[Math.floor(results.length / 2)].toFixed(2)} µs CPU per request through the pipeline (no sockets)\n`);
await ledger.close();
await store.close();

/**
 * --alloc: bytes allocated per request by function (V8's sampling heap profiler, counting objects
 * the young and old generation collectors freed as well), the top 30.
 */
async function allocationSites(requests) {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < requests; i++) await one();
  await ledger.flush();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  const bySite = new Map();
  let total = 0;
  const walk = (node, caller) => {
    const frame = node.callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^node:internal\//, 'node:')}:${frame.lineNumber + 1}`;
    total += node.selfSize;
    if (node.selfSize) {
      const key = frame.url ? name : `${name} <- ${caller}`;
      bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, frame.url ? name : caller);
  };
  walk(profile.head, '');
  process.stdout.write(`allocated: ${Math.round(total / requests)} bytes per request\n`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) process.stdout.write(`${String(Math.round(bytes / requests)).padStart(7)}  ${site}\n`);
}
rmSync(dir, { recursive: true, force: true });
