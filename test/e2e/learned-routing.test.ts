import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { postJson, startTestGateway } from '../helpers/start-test-gateway.js';

/**
 * The learned router end to end with the shipped analyzer: a quality-cost route chooses by predicted
 * quality and price, records a receipt, honours x-switchyard-quality, and a team's feedback moves its
 * own decisions (within the route's bound) and nobody else's.
 */

let gateway: RunningGateway;
let keyA: string;
let keyB: string;

const ask = (key: string, headers: Record<string, string> = {}) =>
  postJson(`${gateway.url}/v1/chat/completions`, { model: 'smart', max_tokens: 50, messages: [{ role: 'user', content: 'What is the capital of France?' }] }, { authorization: `Bearer ${key}`, ...headers });

async function team(name: string): Promise<string> {
  const created = await postJson(`${gateway.url}/admin/teams`, { name });
  expect(created.status, created.text).toBe(201);
  const key = await postJson(`${gateway.url}/admin/keys`, { team_id: created.json.id, name: 'k' });
  expect(key.status, key.text).toBe(201);
  return key.json.key;
}

beforeAll(async () => {
  gateway = await startTestGateway({
    providers: { simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 } },
    models: [
      { id: 'good', provider: 'simulated', pricing: { inputPerMTok: 5, outputPerMTok: 15 }, quality: { overall: 0.86, byTask: {} } },
      { id: 'cheap', provider: 'simulated', pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 }, quality: { overall: 0.8, byTask: {} } },
    ],
    routes: { smart: { candidates: ['good', 'cheap'], strategy: 'quality-cost', qualityCost: { quality: 0.85 }, learning: { maxShift: 0.15 } } },
  });
  keyA = await team('learner-a');
  keyB = await team('learner-b');
});

afterAll(async () => gateway?.close());

describe('quality-cost with the shipped analyzer', () => {
  it('chooses the cheaper model within tolerance, and the best one at quality 1', async () => {
    const res = await ask(keyA);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('cheap');
    expect(res.headers.get('x-switchyard-decision')).toMatch(/^quality-cost: simulated\/cheap predicted/);
    const best = await ask(keyA, { 'x-switchyard-quality': '1' });
    expect(best.headers.get('x-switchyard-model')).toBe('good');
    const bad = await ask(keyA, { 'x-switchyard-quality': 'high' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe('x-switchyard-quality');
  });

  it('records a decision receipt with the policy hash in the ledger', async () => {
    const res = await ask(keyB);
    await gateway.ledger.flush();
    const row = await gateway.store.db.selectFrom('usage_ledger').select(['receipt', 'policy_hash']).where('request_id', '=', res.headers.get('x-switchyard-request-id')!).executeTakeFirstOrThrow();
    const receipt = JSON.parse(row.receipt!);
    expect(receipt).toMatchObject({ strategy: 'quality-cost', choice: 'simulated/cheap', policy: { route: 'smart', quality: 0.85 } });
    expect(receipt.candidates).toHaveLength(2);
    expect(receipt.prompt.analyzer).toMatch(/^\d{4}-\d\d-\d\d\./);
    expect(row.policy_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("moves a team's decisions with its feedback, within the declared bound, and no other team's", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await ask(keyA);
      expect(res.headers.get('x-switchyard-model')).toBe('cheap');
      ids.push(res.headers.get('x-switchyard-request-id')!);
    }
    await gateway.ledger.flush();
    // Team B cannot rate team A's requests: indistinguishable from an unknown id.
    const foreign = await postJson(`${gateway.url}/v1/feedback`, { request_id: ids[0], score: 0 }, { authorization: `Bearer ${keyB}` });
    expect(foreign.status).toBe(404);
    let last: any;
    for (const id of ids) {
      const res = await postJson(`${gateway.url}/v1/feedback`, { request_id: id, score: 0 }, { authorization: `Bearer ${keyA}` });
      expect(res.status, res.text).toBe(201);
      last = res.json;
    }
    expect(last).toMatchObject({ model: 'cheap', feedback_n: 4, online_shift: -0.15 });
    const again = await postJson(`${gateway.url}/v1/feedback`, { request_id: ids[0], score: 1 }, { authorization: `Bearer ${keyA}` });
    expect(again.status).toBe(409);
    // Team A now gets the better model; team B still the cheaper one.
    const moved = await ask(keyA);
    expect(moved.headers.get('x-switchyard-model')).toBe('good');
    expect((await ask(keyB)).headers.get('x-switchyard-model')).toBe('cheap');
    // The decision explains itself: the correction and its evidence are in the receipt.
    await gateway.ledger.flush();
    const row = await gateway.store.db.selectFrom('usage_ledger').select('receipt').where('request_id', '=', moved.headers.get('x-switchyard-request-id')!).executeTakeFirstOrThrow();
    const cheap = JSON.parse(row.receipt!).candidates.find((c: { model: string }) => c.model === 'cheap');
    expect(cheap).toMatchObject({ online_shift: -0.15, feedback_n: 4, note: 'outside tolerance' });
  });

  it('explains a learned route with its receipt (POST /admin/route/explain)', async () => {
    const res = await postJson(`${gateway.url}/admin/route/explain`, { model: 'smart', prompt: 'What is the capital of France?' });
    expect(res.status, res.text).toBe(200);
    expect(res.json.reason).toMatch(/^quality-cost: /);
    expect(res.json.receipt).toMatchObject({ strategy: 'quality-cost', choice: 'simulated/cheap' });
    expect(res.json.receipt.candidates.map((c: { model: string }) => c.model).sort()).toEqual(['cheap', 'good']);
  });

  it('refuses feedback without a team key or with a bad score', async () => {
    // postJson sends the master key by default: an admin, not a team.
    expect((await postJson(`${gateway.url}/v1/feedback`, { request_id: 'x', score: 1 })).status).toBe(403);
    const bad = await postJson(`${gateway.url}/v1/feedback`, { request_id: 'x', score: 2 }, { authorization: `Bearer ${keyA}` });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe('score');
  });
});
