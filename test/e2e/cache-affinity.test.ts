import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { getJson, postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * Prompt-cache affinity on a quality-cost route: a conversation that started on one deployment stays
 * there while the route's criteria accept it, even when the strategy alone would now pick another;
 * it switches when the criteria no longer accept it; each decision is in the receipt, and the audit
 * names affinity as the declared reason for a kept, otherwise dominated, choice.
 */

let gateway: RunningGateway;

const OPENING = [
  { role: 'system', content: 'You are a careful assistant. '.repeat(50) },
  { role: 'user', content: 'Tell me about the history of Rome.' },
];

function turn(extra: Array<{ role: string; content: string }>, headers: Record<string, string> = {}) {
  return postJson(`${gateway.url}/v1/chat/completions`, { model: 'sticky', max_tokens: 50, messages: [...OPENING, ...extra] }, headers);
}

async function receiptOf(requestId: string) {
  await gateway.ledger.flush();
  const row = await gateway.store.db.selectFrom('usage_ledger').select('receipt').where('request_id', '=', requestId).executeTakeFirstOrThrow();
  return JSON.parse(row.receipt!);
}

beforeAll(async () => {
  gateway = await startTestGateway({
    providers: { simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 } },
    models: [
      { id: 'good', provider: 'simulated', pricing: { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3 }, quality: { overall: 0.9, byTask: {} } },
      { id: 'cheap', provider: 'simulated', pricing: { inputPerMTok: 0.5, outputPerMTok: 2, cacheReadPerMTok: 0.05 }, quality: { overall: 0.84, byTask: {} } },
    ],
    routes: { sticky: { candidates: ['good', 'cheap'], strategy: 'quality-cost', qualityCost: { quality: 0.9 }, cacheAffinity: { ttl: '5m', minSavings: 0.99 } } },
  });
});

afterAll(async () => gateway?.close());

describe('cache affinity', () => {
  it('keeps a conversation on the deployment holding its cache while the criteria accept it, then switches', async () => {
    // Turn 1 asks for the best model: the conversation's cache is written on `good`.
    const first = await turn([], { 'x-switchyard-quality': '1' });
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('x-switchyard-model')).toBe('good');
    expect((await receiptOf(first.headers.get('x-switchyard-request-id')!)).applied.affinity).toMatchObject({ previous: null, kept: false, reason: 'new conversation' });

    // Turn 2 at the route's default quality: the strategy alone picks `cheap` (within tolerance), but the
    // conversation stays on `good` (still within tolerance; switching does not save 99%).
    const second = await turn([{ role: 'assistant', content: 'Rome was founded…' }, { role: 'user', content: 'And the empire?' }]);
    expect(second.headers.get('x-switchyard-model')).toBe('good');
    expect(second.headers.get('x-switchyard-decision')).toContain('cache affinity: kept');
    const kept = await receiptOf(second.headers.get('x-switchyard-request-id')!);
    expect(kept.applied.affinity).toMatchObject({ previous: 'simulated/good', kept: true });
    expect(kept.choice).toBe('simulated/good');

    // Nothing in these decisions is left unexplained by the declared policy.
    const audit = await getJson(`${gateway.url}/admin/audit/neutrality`, TEST_KEY);
    expect(audit.json.decisions).toBe(2);
    expect(audit.json.unexplained).toBe(0);

    // A new conversation (different opening) starts fresh and goes where the strategy says.
    const other = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'sticky', max_tokens: 50, messages: [{ role: 'user', content: 'A different conversation' }] });
    expect(other.headers.get('x-switchyard-model')).toBe('cheap');
    // That conversation now lives on `cheap`; at quality 1 `cheap` is outside tolerance: it switches.
    const upgraded = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'sticky', max_tokens: 50, messages: [{ role: 'user', content: 'A different conversation' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }] }, { 'x-switchyard-quality': '1' });
    expect(upgraded.headers.get('x-switchyard-model')).toBe('good');
    const switched = await receiptOf(upgraded.headers.get('x-switchyard-request-id')!);
    expect(switched.applied.affinity).toMatchObject({ previous: 'simulated/cheap', kept: false });
    expect(switched.applied.affinity.reason).toContain("criteria no longer accept");
    expect(switched.applied.affinity.switch_cost_usd).toBeGreaterThan(0);
    // Per conversation, what the switches cost.
    const report = await getJson(`${gateway.url}/admin/audit/neutrality`, TEST_KEY);
    const conversation = report.json.conversations.find((c: { conversation: string }) => c.conversation === switched.applied.affinity.conversation);
    expect(conversation).toMatchObject({ requests: 2, kept: 0, switches: 1, switch_cost_usd: switched.applied.affinity.switch_cost_usd });
    const opening = report.json.conversations.find((c: { conversation: string }) => c.conversation === kept.applied.affinity.conversation);
    expect(opening).toMatchObject({ requests: 2, kept: 1, switches: 0, switch_cost_usd: 0 });
  });
});
