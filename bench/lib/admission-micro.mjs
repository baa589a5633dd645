/**
 * Admission CPU per request, in process (run as its own pinned process by admission-phase.mjs; prints
 * one JSON line). It drives the gateway's own classes from dist/ the way chat-pipeline.ts and the
 * auth hook do for a team key's request on one node:
 *
 *   auth     Authenticator.verify(key) — SHA-256 of the key, the key ring, the verified-key cache (a hit)
 *   admit    Admission.resolveName, .filters, .limit (rate windows: requests and tokens per minute,
 *            in-memory, atomic), worstCaseRequestNanos over the plan's model, .reserve (the worst case
 *            in every budget, in-memory, atomic)
 *   settle   AdmissionTicket.settle (the reservation becomes the actual cost; token windows corrected)
 *
 * against the same work for the master key (a key-ring hit after the same hash, no team, no limits),
 * which is what a request costs without a team. Two team set-ups: the bench's (team budget + team
 * rpm/tpm, as in the HTTP rows) and a heavier one where the key has its own budget and rpm/tpm too
 * (4 rate windows, 2 budgets). The request's features are read once outside the timed loop (every
 * request reads them, team or not).
 *
 * CPU, not wall time (the machine may be shared): process.cpuUsage over `--requests` requests, five
 * repetitions, the median; before each repetition the heap is aged (20 M short-lived objects) so the
 * counters' maps live in the old generation as in a gateway that has been up for a while — right after
 * a warm-up they are young and inserts/deletes look several times cheaper (see bench/admission-cost.mjs).
 *
 *   node bench/lib/admission-micro.mjs --dist dist [--requests 200000]
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_MASTER_KEY, gatewayConfig } from './gateway-config.mjs';

const { values } = parseArgs({ options: { dist: { type: 'string' }, requests: { type: 'string', default: '200000' } } });
const dist = (path) => import(pathToFileURL(join(values.dist, path)).href);
const { parseConfig } = await dist('config/load-config.js');
const { resolveConfig } = await dist('config/resolve-config.js');
const { readRequestFeatures } = await dist('routing/request-features.js');
const { KeyRing, hashKey } = await dist('tenancy/api-keys.js');
const { Authenticator } = await dist('tenancy/authenticator.js');
const { Admission } = await dist('tenancy/admission.js');
const { InMemoryRateLimiter } = await dist('tenancy/rate-limiter.js');
const { InMemoryBudgetStore } = await dist('tenancy/budget-store.js');
const { LocalTenancyBus } = await dist('tenancy/tenancy-bus.js');
const { CredentialVault } = await dist('tenancy/credential-vault.js');
const { worstCaseRequestNanos } = await dist('tenancy/worst-case-cost.js');

const REQUESTS = Number(values.requests);
const config = resolveConfig(parseConfig(gatewayConfig({ mockPort: 9, dir: '/nonexistent' }), {}), {});
const MODEL = 'bench-openai';
const model = config.findModel(MODEL);
// The bench's request body (targets.mjs): one short user message, max_tokens 64.
const body = { model: MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 64 };
const features = readRequestFeatures('openai', body);
const ACTUAL_COST_NANOS = 410_000;

const TEAM_KEY = 'sk-swy-benchTeamKey000000000000000000000';
const now = new Date().toISOString();
const month = { limitNanos: 1e15, period: 'month' };
const limits = { rpm: 10_000_000, tpm: 10_000_000_000 };

function setup({ keyLimits }) {
  const team = {
    id: 'team_bench',
    name: 'bench',
    policy: { budget: month, rateLimits: limits, dataPolicy: { logPrompts: false, retentionDays: 30 }, cache: false },
    credentialProviders: [],
    createdAt: now,
    updatedAt: now,
  };
  const key = { id: 'key_bench', teamId: team.id, name: 'bench-key', role: 'team', prefix: 'sk-swy-benc', policy: keyLimits ? { budget: month, rateLimits: limits } : {}, createdAt: now };
  const digest = hashKey(TEAM_KEY);
  const store = {
    findKeyByHash: async (hash) => (hash === digest ? key : undefined),
    getTeam: async (id) => (id === team.id ? team : undefined),
    getTeamCredentials: async () => ({}),
    spendSince: async () => 0n,
  };
  const keyRing = new KeyRing();
  keyRing.add(BENCH_MASTER_KEY, { keyName: 'master', role: 'master' });
  const authenticator = new Authenticator(keyRing, store, new CredentialVault('bench'), new LocalTenancyBus());
  const admission = new Admission({
    rateLimiter: new InMemoryRateLimiter(),
    budgets: new InMemoryBudgetStore(),
    store,
    reservationTtlMs: config.limits.reservationTtlMs,
    canonicalName: (name) => (config.findRoute(name) ? `route:${name}` : `model:${config.findModel(name)?.id ?? name}`),
  });
  return { authenticator, admission };
}

const isPromise = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';

/** One team-key request's admission, synchronous once the key is cached and the budgets seeded. */
function teamRequest({ authenticator, admission }, id) {
  const caller = authenticator.verify(TEAM_KEY);
  if (isPromise(caller) || !caller?.tenant) throw new Error('the team key must be a cached, synchronous hit here');
  const name = admission.resolveName(caller, MODEL);
  admission.filters(caller, name);
  const estimate = Math.ceil(features.textChars / 4) + features.images * 1600 + (features.maxOutputTokens ?? 0);
  const ticket = admission.limit(caller, name, estimate);
  if (isPromise(ticket)) throw new Error('in-memory rate limits must answer synchronously');
  const reserved = admission.reserve(ticket, caller, `req-${id}`, worstCaseRequestNanos(features, [model], 1));
  if (isPromise(reserved)) throw new Error('in-memory budgets must answer synchronously once seeded');
  ticket.settle(ACTUAL_COST_NANOS, estimate - 40);
}

/** The same request with the master key: the hash and the key ring, nothing else. */
function masterRequest({ authenticator }) {
  const caller = authenticator.verify(BENCH_MASTER_KEY);
  if (isPromise(caller) || caller?.role !== 'master') throw new Error('the master key must verify synchronously');
}

function ageHeap() {
  let keep;
  for (let i = 0; i < 20_000_000; i++) keep = { i };
  globalThis.__agedHeap = keep;
}

let counter = 0;
async function measure(run, subject) {
  // First use: the key is loaded from the (stub) store and the budgets are seeded — both awaited once.
  await subject.authenticator.verify(TEAM_KEY);
  const ticket = await subject.admission.limit(subject.authenticator.verify(TEAM_KEY), MODEL, 1);
  await subject.admission.reserve(ticket, subject.authenticator.verify(TEAM_KEY), 'seed', 0);
  ticket.settle(0, 1);
  for (let i = 0; i < 50_000; i++) run(subject, ++counter); // warm-up (JIT)
  const samples = [];
  for (let rep = 0; rep < 5; rep++) {
    ageHeap();
    const before = process.cpuUsage();
    for (let i = 0; i < REQUESTS; i++) run(subject, ++counter);
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / REQUESTS);
  }
  samples.sort((a, b) => a - b);
  return { medianUs: samples[2], samplesUs: samples };
}

const master = await measure(masterRequest, setup({ keyLimits: false }));
const team = await measure(teamRequest, setup({ keyLimits: false }));
const teamAndKey = await measure(teamRequest, setup({ keyLimits: true }));
process.stdout.write(
  `${JSON.stringify({
    requests: REQUESTS,
    node: process.version,
    masterKeyAuthUs: master.medianUs,
    teamAdmissionUs: team.medianUs,
    teamAdmissionAddedUs: team.medianUs - master.medianUs,
    teamAndKeyAdmissionUs: teamAndKey.medianUs,
    teamAndKeyAdmissionAddedUs: teamAndKey.medianUs - master.medianUs,
    samples: { master: master.samplesUs, team: team.samplesUs, teamAndKey: teamAndKey.samplesUs },
  })}\n`,
);
