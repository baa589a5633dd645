#!/usr/bin/env node
/**
 * Cost of the shared counters behind admission, per request: `npm run build`, then
 * `node bench/admission-cost.mjs` (imports from dist/).
 *
 * One "request" does what admission and settlement do for a team key with a budget and limits:
 *   consume  4 rate checks (key rpm, key tpm, team rpm, team tpm) — atomic, all or nothing
 *   reserve  the worst-case cost in 2 budget scopes (team month, key month) — atomic
 *   settle   the actual cost in both scopes
 *   adjust   the key's tpm window by (actual tokens − estimate)
 *
 * In memory: CPU µs per request (process.cpuUsage over many requests, after a warm-up and with the
 * heap aged — see ageHeap; the median of a few repetitions). CPU rather than wall time because the
 * machine may be shared.
 *
 * Redis (REDIS_URL, default redis://127.0.0.1:6379; skipped with --no-redis): the round trips per
 * request (each call is one EVALSHA; the seed of a new scope adds one more, once per scope and period)
 * and their latency on this connection, measured one request at a time (p50/p99 per call and per
 * request), plus the throughput and client CPU per request with 64 requests in flight on one
 * connection. Keys go under a random namespace, deleted at the end.
 *
 * Flags: --requests=N (default 200000 in memory, 5000 on Redis), --no-redis, --auto-pipelining (the
 * Redis connection sends the commands of one event-loop tick in one write), --json (after the text, one
 * last line with every figure as JSON: how `npm run bench` reads them)
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';

const root = dirname(dirname(new URL(import.meta.url).pathname));
const need = ['dist/tenancy/rate-limiter.js', 'dist/tenancy/budget-store.js', 'dist/storage/redis.js'];
for (const file of need) {
  if (!existsSync(join(root, file))) {
    console.error(`${file} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}
const { InMemoryRateLimiter, RedisRateLimiter, rateWindowStart } = await import(join(root, 'dist/tenancy/rate-limiter.js'));
const { InMemoryBudgetStore, RedisBudgetStore } = await import(join(root, 'dist/tenancy/budget-store.js'));
const { connectRedis, closeRedis, deleteKeysWithPrefix, buildKeyPrefix } = await import(join(root, 'dist/storage/redis.js'));
const { summarize } = await import(join(root, 'bench/lib/percentiles.mjs'));

const { values: flags } = parseArgs({
  options: {
    requests: { type: 'string' },
    'no-redis': { type: 'boolean', default: false },
    'auto-pipelining': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const MONTH_END = Date.UTC(2100, 0, 1);
const checks = [
  { key: 'rl:key:key_bench:rpm', limit: 1e12, cost: 1 },
  { key: 'rl:key:key_bench:tpm', limit: 1e12, cost: 1200 },
  { key: 'rl:team:team_bench:rpm', limit: 1e12, cost: 1 },
  { key: 'rl:team:team_bench:tpm', limit: 1e12, cost: 1200 },
];
const scopes = [
  { key: 'budget:team:team_bench:month:2026-12', limitNanos: 2 ** 52, periodEndMs: MONTH_END, seed: async () => 0n },
  { key: 'budget:key:key_bench:month:2026-12', limitNanos: 2 ** 52, periodEndMs: MONTH_END, seed: async () => 0n },
];
const RESERVE_NANOS = 1_250_000; // $0.00125 worst case
const ACTUAL_NANOS = 410_000;
const TTL_MS = 600_000;

/**
 * Lets the counters' maps and arrays age into V8's old generation, as in a gateway that has been up for
 * a while: measured right after a warm-up they may still be young, and Map inserts/deletes then cost
 * a fraction of what they cost in a long-running process (measured here: ~0.4 µs vs ~1.7 µs for
 * reserve + settle). Every timed section below runs after this.
 */
function ageHeap() {
  let keep;
  for (let i = 0; i < 20_000_000; i++) keep = { i };
  globalThis.__agedHeap = keep;
}

const isPromise = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';
const fmt = (value, digits = 2) => (value === null || value === undefined ? '–' : value.toFixed(digits));

// ---------------------------------------------------------------------------------------------------
// In memory: all synchronous once the scopes are seeded.

async function inMemory(requests) {
  const limiter = new InMemoryRateLimiter();
  const budgets = new InMemoryBudgetStore();
  await budgets.reserve('seed', scopes, 0, TTL_MS, Date.now()); // first use awaits the seed
  budgets.settle('seed', scopes, 0, Date.now());
  let counter = 0;
  const one = () => {
    const now = Date.now();
    const id = `req-${++counter}`;
    const decision = limiter.consume(checks, now);
    if (isPromise(decision) || !decision.allowed) throw new Error('in-memory consume must answer synchronously and allow');
    const reserved = budgets.reserve(id, scopes, RESERVE_NANOS, TTL_MS, now);
    if (isPromise(reserved) || !reserved.ok) throw new Error('in-memory reserve must answer synchronously and allow');
    budgets.settle(id, scopes, ACTUAL_NANOS, now);
    limiter.adjust(checks[1].key, rateWindowStart(now), -800);
  };
  for (let i = 0; i < 50_000; i++) one(); // warm-up (JIT)
  const samples = [];
  for (let rep = 0; rep < 5; rep++) {
    ageHeap();
    const before = process.cpuUsage();
    for (let i = 0; i < requests; i++) one();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / requests);
  }
  samples.sort((a, b) => a - b);
  // Each part alone, for the breakdown. Separate loops: one shared timing loop calling different
  // closures would be optimised for the first and measure the deoptimisation of the second.
  for (let i = 0; i < 20_000; i++) limiter.consume(checks, Date.now());
  ageHeap();
  let before = process.cpuUsage();
  for (let i = 0; i < requests; i++) limiter.consume(checks, Date.now());
  let used = process.cpuUsage(before);
  const consumeUs = (used.user + used.system) / requests;
  for (let i = 0; i < 20_000; i++) {
    const now = Date.now();
    const id = `req-${++counter}`;
    budgets.reserve(id, scopes, RESERVE_NANOS, TTL_MS, now);
    budgets.settle(id, scopes, ACTUAL_NANOS, now);
  }
  ageHeap();
  before = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const now = Date.now();
    const id = `req-${++counter}`;
    budgets.reserve(id, scopes, RESERVE_NANOS, TTL_MS, now);
    budgets.settle(id, scopes, ACTUAL_NANOS, now);
  }
  used = process.cpuUsage(before);
  const cycleUs = (used.user + used.system) / requests;
  await limiter.close();
  await budgets.close();
  return { perRequestUs: samples[Math.floor(samples.length / 2)], consumeUs, cycleUs };
}

// ---------------------------------------------------------------------------------------------------
// Redis

async function onRedis(url, requests) {
  const namespace = `bench-${randomBytes(5).toString('hex')}`;
  const client = await connectRedis(url, { namespace, connectionName: 'swy-bench', autoPipelining: flags['auto-pipelining'] });
  const limiter = new RedisRateLimiter(client);
  const budgets = new RedisBudgetStore(client);
  let counter = 0;
  const calls = { consume: [], reserve: [], settle: [], adjust: [], request: [] };
  let roundTrips = 0;
  const sent = countCommands(client);
  try {
    // First use: the reserve that finds no counter, the seed, the reserve that sets it.
    const seedStart = performance.now();
    const beforeFirst = sent.sent;
    await budgets.reserve('first', scopes, 0, TTL_MS, Date.now());
    const firstUseMs = performance.now() - seedStart;
    const firstUseRoundTrips = sent.sent - beforeFirst;
    await budgets.settle('first', scopes, 0, Date.now());

    const one = async (record) => {
      const now = Date.now();
      const id = `req-${++counter}`;
      const t0 = performance.now();
      const decision = await limiter.consume(checks, now);
      const t1 = performance.now();
      const reserved = await budgets.reserve(id, scopes, RESERVE_NANOS, TTL_MS, now);
      const t2 = performance.now();
      if (!decision.allowed || !reserved.ok) throw new Error('the bench expects every request to be admitted');
      await budgets.settle(id, scopes, ACTUAL_NANOS, now);
      const t3 = performance.now();
      await limiter.adjust(checks[1].key, rateWindowStart(now), -800);
      const t4 = performance.now();
      if (record) {
        calls.consume.push((t1 - t0) * 1000);
        calls.reserve.push((t2 - t1) * 1000);
        calls.settle.push((t3 - t2) * 1000);
        calls.adjust.push((t4 - t3) * 1000);
        calls.request.push((t4 - t0) * 1000);
      }
    };
    for (let i = 0; i < 500; i++) await one(false); // warm-up
    const sequentialStart = sent.sent;
    for (let i = 0; i < requests; i++) await one(true);
    roundTrips = (sent.sent - sequentialStart) / requests;

    // 64 in flight on one connection.
    const inFlight = 64;
    const cpuBefore = process.cpuUsage();
    const wallStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < requests) {
          next++;
          await one(false);
        }
      }),
    );
    const wallMs = performance.now() - wallStart;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      calls: Object.fromEntries(Object.entries(calls).map(([name, values]) => [name, summarize(values)])),
      roundTrips,
      firstUseMs,
      firstUseRoundTrips,
      concurrent: { inFlight, requestsPerSecond: (requests / wallMs) * 1000, cpuUsPerRequest: (cpu.user + cpu.system) / requests },
    };
  } finally {
    await deleteKeysWithPrefix(client, buildKeyPrefix({ namespace }));
    await closeRedis(client);
  }
}

/** Counts the commands the client sends (one at a time, each is one round trip). */
function countCommands(client) {
  const counter = { sent: 0 };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    counter.sent++;
    return send(command, stream);
  };
  return counter;
}

// ---------------------------------------------------------------------------------------------------

console.log(`Admission counters, Node ${process.version}`);
const memRequests = Number(flags.requests ?? 200_000);
const mem = await inMemory(memRequests);
console.log('');
console.log(`In memory (${memRequests.toLocaleString('en-US')} requests × 5, median): CPU µs per request`);
console.log(`  consume (4 checks) + reserve (2 scopes) + settle + adjust   ${fmt(mem.perRequestUs)} µs`);
console.log(`  consume alone                                               ${fmt(mem.consumeUs)} µs`);
console.log(`  reserve + settle alone                                      ${fmt(mem.cycleUs)} µs`);

let redisResult;
if (!flags['no-redis']) {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisRequests = Number(flags.requests ?? 5000);
  const result = await onRedis(url, Math.min(redisRequests, 50_000));
  redisResult = result;
  console.log('');
  console.log(`Redis at ${url.replace(/:[^:@/]*@/, ':***@')} (${Math.min(redisRequests, 50_000).toLocaleString('en-US')} requests, one at a time; commands counted at the client${flags['auto-pipelining'] ? '; auto-pipelining' : ''})`);
  console.log(`  round trips per request: ${fmt(result.roundTrips, 2)} (consume, reserve, settle, adjust); first reserve in a scope's period: ${result.firstUseRoundTrips} round trips + the seed's ledger read (${fmt(result.firstUseMs)} ms here, a stub read)`);
  console.log('  latency per call, µs        p50       p99');
  for (const [name, s] of Object.entries(result.calls)) {
    console.log(`    ${name.padEnd(22)} ${fmt(s.p50, 1).padStart(8)}  ${fmt(s.p99, 1).padStart(8)}`);
  }
  console.log(`  ${result.concurrent.inFlight} requests in flight on one connection: ${Math.round(result.concurrent.requestsPerSecond).toLocaleString('en-US')} requests/s, client CPU ${fmt(result.concurrent.cpuUsPerRequest)} µs per request`);
}
if (flags.json) {
  process.stdout.write(`${JSON.stringify({ node: process.version, inMemory: { requests: memRequests, ...mem }, redis: redisResult ?? null, autoPipelining: flags['auto-pipelining'] })}\n`);
}
