import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { RedisAffinityStore } from '../../src/routing/learned/shared-affinity-store.js';
import { redisTestSpace, TEST_REDIS_URL } from '../helpers/redis.js';
import { getJson, postJson, startReplicaPair, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * Prompt-cache affinity across a fleet: two gateways in one process sharing the real Redis under one
 * prefix, as two replicas behind a load balancer. A conversation answered on replica A by `good` stays
 * on `good` when its next turn reaches replica B, although B alone (the strategy, and B's own empty map)
 * would pick `cheap`. Same route and models as cache-affinity.test.ts.
 */

const space = redisTestSpace('fleet-affinity');
let a: RunningGateway;
let b: RunningGateway;

const OPENING = [
  { role: 'system', content: 'You are a careful assistant. '.repeat(50) },
  { role: 'user', content: 'Tell me about the history of Rome.' },
];

function turn(gateway: RunningGateway, model: string, messages: Array<{ role: string; content: string }>, headers: Record<string, string> = {}) {
  return postJson(`${gateway.url}/v1/chat/completions`, { model, max_tokens: 50, messages }, headers);
}

async function receiptOf(gateway: RunningGateway, requestId: string) {
  await gateway.ledger.flush();
  const row = await gateway.store.db.selectFrom('usage_ledger').select('receipt').where('request_id', '=', requestId).executeTakeFirstOrThrow();
  return JSON.parse(row.receipt!);
}

const storeOf = (gateway: RunningGateway) => gateway.affinity as RedisAffinityStore;

beforeAll(async () => {
  const document = {
    providers: { simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 } },
    models: [
      { id: 'good', provider: 'simulated', pricing: { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3 }, quality: { overall: 0.9, byTask: {} } },
      { id: 'cheap', provider: 'simulated', pricing: { inputPerMTok: 0.5, outputPerMTok: 2, cacheReadPerMTok: 0.05 }, quality: { overall: 0.84, byTask: {} } },
    ],
    routes: {
      sticky: { candidates: ['good', 'cheap'], strategy: 'quality-cost', qualityCost: { quality: 0.9 }, cacheAffinity: { ttl: '5m', minSavings: 0.99 } },
      plain: { candidates: ['good', 'cheap'], strategy: 'quality-cost', qualityCost: { quality: 0.9 } },
    },
  };
  // A generous read bound: on a loaded machine a slow GET must not turn into the local-map fallback.
  [a, b] = await startReplicaPair(document, TEST_REDIS_URL, space.prefix, { affinityReadTimeoutMs: 10_000 });
}, 30_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await space.cleanup();
});

describe('cache affinity shared by two gateways through Redis', () => {
  it('a conversation answered on replica A by `good` stays on `good` when its next turn reaches replica B', async () => {
    expect(a.affinity).toBeInstanceOf(RedisAffinityStore);
    expect(b.affinity).toBeInstanceOf(RedisAffinityStore);

    // Turn 1 on A asks for the best model: the conversation's cache is written on `good`.
    const first = await turn(a, 'sticky', OPENING, { 'x-switchyard-quality': '1' });
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('x-switchyard-model')).toBe('good');
    // The write is fire-and-forget: wait until Redis has acknowledged it.
    await expect.poll(() => storeOf(a).stats.writes, { timeout: 2_000, interval: 10 }).toBe(1);
    const conversation = (await receiptOf(a, first.headers.get('x-switchyard-request-id')!)).applied.affinity.conversation as string;
    expect(conversation).toMatch(/^c_[0-9a-f]{16}$/);
    expect(storeOf(b).local.get(conversation, Date.now())).toBeUndefined(); // B has never seen it

    // B alone would pick `cheap` at the route's default quality (a new conversation shows it)…
    const fresh = await turn(b, 'sticky', [{ role: 'user', content: 'A different conversation' }]);
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.headers.get('x-switchyard-model')).toBe('cheap');

    // …but turn 2 of A's conversation, at that same default quality, stays on `good` on B.
    const second = await turn(b, 'sticky', [...OPENING, { role: 'assistant', content: 'Rome was founded…' }, { role: 'user', content: 'And the empire?' }]);
    expect(second.status, second.text).toBe(200);
    expect(second.headers.get('x-switchyard-model')).toBe('good');
    expect(second.headers.get('x-switchyard-decision')).toContain('cache affinity: kept');
    const kept = await receiptOf(b, second.headers.get('x-switchyard-request-id')!);
    expect(kept.applied.affinity).toMatchObject({ conversation, previous: 'simulated/good', kept: true });
    expect(kept.choice).toBe('simulated/good');
    expect(storeOf(b).stats).toMatchObject({ readFailures: 0, ignored: 0 });

    // B's answers (both conversations) were written too, and B's map now holds A's conversation as a fallback.
    await expect.poll(() => storeOf(b).stats.writes, { timeout: 2_000, interval: 10 }).toBe(2);
    expect(storeOf(b).local.get(conversation, Date.now())).toBe('simulated/good');

    // /metrics shows the same counters.
    const metrics = (await getJson(`${b.url}/metrics`, TEST_KEY)).text;
    expect(metrics).toContain('switchyard_affinity_redis_total{outcome="write"} 2');
    expect(metrics).toContain('switchyard_affinity_redis_total{outcome="read_failure"} 0');
    expect(metrics).toMatch(/switchyard_affinity_redis_total\{outcome="read"\} [1-9]/);
  });

  it('routes without cacheAffinity never read or write the shared map', async () => {
    const before = { ...storeOf(b).stats };
    const res = await turn(b, 'plain', OPENING);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('x-switchyard-decision') ?? '').not.toContain('cache affinity');
    expect(storeOf(b).stats).toEqual(before);
  });
});
