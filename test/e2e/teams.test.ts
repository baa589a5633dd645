import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';
import { getJson, postJson, startTestGateway, TEST_KEY, type JsonResponse } from '../helpers/start-test-gateway.js';

/**
 * Teams end to end on one gateway (SQLite, in-process counters): admin API → team key → requests
 * admitted by allow-lists, rate limits and budgets, billed to the team in the ledger, and keys that
 * stop working the moment they are revoked.
 */

let gateway: RunningGateway;
let openai: OpenAIMock;

const admin = (path: string, body: unknown) => postJson(`${gateway.url}${path}`, body);
const chat = (key: string, body: Record<string, unknown>) => postJson(`${gateway.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], ...body }, { authorization: `Bearer ${key}` });
const messages = (key: string, body: Record<string, unknown>) =>
  postJson(`${gateway.url}/v1/messages`, { max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...body }, { authorization: '', 'x-api-key': key, 'anthropic-version': '2023-06-01' });

async function patch(path: string, body: unknown): Promise<JsonResponse> {
  const response = await fetch(`${gateway.url}${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

async function del(path: string, key = TEST_KEY): Promise<JsonResponse> {
  const response = await fetch(`${gateway.url}${path}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

async function createTeam(body: Record<string, unknown>): Promise<string> {
  const res = await admin('/admin/teams', body);
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await admin('/admin/keys', body);
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id, key: res.json.key };
}

async function ledgerRows(keyId: string) {
  await gateway.ledger.flush();
  return gateway.store.db.selectFrom('usage_ledger').selectAll().where('key_id', '=', keyId).execute();
}

beforeAll(async () => {
  openai = await startOpenAIMock();
  gateway = await startTestGateway({
    providers: {
      simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 },
      openai: { type: 'openai', baseUrl: openai.url, apiKey: 'sk-shared-config-key-000000000000' },
    },
    models: [
      { id: 'sim-large', provider: 'simulated', pricing: { inputPerMTok: 2, outputPerMTok: 8 } },
      { id: 'sim-small', provider: 'simulated', pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 } },
      { id: 'gpt-4o-mini', provider: 'openai', pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
    ],
    routes: {
      cheap: { candidates: ['sim-small'] },
      mixed: { candidates: ['sim-large', 'sim-small'], strategy: 'priority' },
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await openai?.close();
});

describe('team keys', () => {
  it('serve a team request and bill it to the team and key in the ledger', async () => {
    const teamId = await createTeam({ name: 'billing-team' });
    const { id, key } = await createKey({ team_id: teamId, name: 'ci' });
    expect(key).toMatch(/^sk-swy-[A-Za-z0-9_-]{32,}$/);
    const res = await chat(key, { model: 'sim-small' });
    expect(res.status, res.text).toBe(200);
    const rows = await ledgerRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ team_id: teamId, key_id: id, model: 'sim-small', status: 200 });
    expect(Number(rows[0].cost_nanos)).toBeGreaterThan(0);
  });

  it('never return the secret or its hash after creation', async () => {
    const teamId = await createTeam({ name: 'secret-team' });
    const { key } = await createKey({ team_id: teamId, name: 'k' });
    const listed = await getJson(`${gateway.url}/admin/keys?team_id=${teamId}`, TEST_KEY);
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(key);
    expect(listed.text).not.toContain(key.slice(12));
    expect(listed.json.data[0].prefix).toBe(key.slice(0, 11));
  });

  it('use the team default route for model "default" and refuse names outside the allow-list (403, both dialects)', async () => {
    const teamId = await createTeam({ name: 'narrow-team', allowed_models: ['cheap'], default_route: 'cheap' });
    const { key } = await createKey({ team_id: teamId, name: 'k' });
    const ok = await chat(key, { model: 'default' });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers.get('x-switchyard-route')).toBe('cheap');
    const refused = await chat(key, { model: 'sim-large' });
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toContain("may not use 'sim-large'");
    const anthropic = await messages(key, { model: 'mixed' });
    expect(anthropic.status).toBe(403);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
  });

  it('filter route candidates by allowed providers', async () => {
    const teamId = await createTeam({ name: 'provider-team', allowed_providers: ['simulated'] });
    const { key } = await createKey({ team_id: teamId, name: 'k' });
    const refused = await chat(key, { model: 'gpt-4o-mini' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("may not use the provider 'openai'");
    expect(openai.requests.filter((r) => r.headers.authorization?.includes('provider-team'))).toHaveLength(0);
  });

  it('a key narrows its team: its models must be inside the team allow-list', async () => {
    const teamId = await createTeam({ name: 'narrowing-team', allowed_models: ['cheap'] });
    const res = await admin('/admin/keys', { team_id: teamId, name: 'wide', models: ['cheap', 'mixed'] });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("can only narrow its team's models");
  });

  it('rate-limit per key with OpenAI headers and a dialect-correct 429 with retry-after', async () => {
    const teamId = await createTeam({ name: 'rpm-team' });
    const { key } = await createKey({ team_id: teamId, name: 'k', rate_limits: { rpm: 2 } });
    const first = await chat(key, { model: 'sim-small' });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(ms|s|m\d+s)$/);
    expect((await chat(key, { model: 'sim-small' })).status).toBe(200);
    const refused = await chat(key, { model: 'sim-small' });
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('rate_limit_exceeded');
    expect(refused.json.error.message).toContain("key 'k': 2 requests per minute");
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const anthropic = await messages(key, { model: 'sim-small' });
    expect(anthropic.status).toBe(429);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('refuse a request over budget naming the budget and its reset, in both dialects', async () => {
    // $0.00002: one sim-large request reserves far more (max_tokens 1000 × $8/MTok = $0.008).
    const teamId = await createTeam({ name: 'poor-team', budget: { limit_usd: 0.00002, period: 'day' } });
    const { key } = await createKey({ team_id: teamId, name: 'k' });
    const refused = await chat(key, { model: 'sim-large', max_tokens: 1000 });
    expect(refused.status).toBe(429);
    expect(refused.json.error.type).toBe('insufficient_quota');
    expect(refused.json.error.message).toMatch(/daily budget of team 'poor-team' is \$0\.000020.*resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
    const anthropic = await messages(key, { model: 'sim-large', max_tokens: 1000 });
    expect(anthropic.status).toBe(402);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'billing_error' } });
  });

  it("a request refused by a budget gives its token estimate back to the team's token window", async () => {
    // The team's tpm window is charged each request's estimate at admission and corrected at settle; a
    // request the budget refuses after that must still be settled (to 0), or the window leaks its estimate.
    const teamId = await createTeam({ name: 'tpm-team', rate_limits: { tpm: 100_000 } });
    const poor = await createKey({ team_id: teamId, name: 'poor', budget: { limit_usd: 0.00002, period: 'day' } });
    const rich = await createKey({ team_id: teamId, name: 'rich' });
    for (let i = 0; i < 3; i++) {
      const refused = await chat(poor.key, { model: 'sim-large', max_tokens: 5_000 });
      expect(refused.status, refused.text).toBe(429);
      expect(refused.json.error.type).toBe('insufficient_quota');
    }
    const served = await chat(rich.key, { model: 'sim-small', max_tokens: 10 });
    expect(served.status, served.text).toBe(200);
    // Only this request's own estimate (~11 tokens) is in the window, not the refused ones' 3 × ~5,000.
    expect(Number(served.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThan(99_900);
  });

  it('spend stays within a hard budget under concurrency, and settles to the actual cost', async () => {
    // Each request reserves its worst case (~$0.000134 for sim-small with max_tokens 300); the budget allows a handful at a time.
    const teamId = await createTeam({ name: 'tight-team', budget: { limit_usd: 0.0005, period: 'month' } });
    const { id, key } = await createKey({ team_id: teamId, name: 'k' });
    const results = await Promise.all(Array.from({ length: 40 }, () => chat(key, { model: 'sim-small', max_tokens: 300 })));
    const served = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429 && r.json.error.type === 'insufficient_quota').length;
    expect(served).toBeGreaterThan(0);
    expect(served + refused).toBe(40);
    const rows = await ledgerRows(id);
    expect(rows).toHaveLength(served);
    const spent = rows.reduce((sum, row) => sum + Number(row.cost_nanos), 0);
    expect(spent).toBeLessThanOrEqual(500_000);
    // Settled: with the reservations released, a later small request is admitted again as long as spend leaves room.
    if (spent + 134_000 <= 500_000) expect((await chat(key, { model: 'sim-small', max_tokens: 300 })).status).toBe(200);
  });

  it('show live budget status and raise an alert (metric) once the threshold is crossed', async () => {
    const teamId = await createTeam({ name: 'alert-team', budget: { limit_usd: 1, period: 'month', alert_at: 0.000001 } });
    const { key } = await createKey({ team_id: teamId, name: 'k' });
    const fresh = await getJson(`${gateway.url}/admin/teams/${teamId}`, TEST_KEY);
    expect(fresh.json.budget_status).toMatchObject({ spent_usd: '0.000000000', reserved_usd: '0.000000000', alerting: false });
    expect((await chat(key, { model: 'sim-large', max_tokens: 50 })).status).toBe(200);
    const after = await getJson(`${gateway.url}/admin/teams/${teamId}`, TEST_KEY);
    expect(Number(after.json.budget_status.spent_usd)).toBeGreaterThan(0);
    expect(after.json.budget_status.reserved_usd).toBe('0.000000000');
    expect(after.json.budget_status.alerting).toBe(true);
    expect(after.json.budget_status.resets_at).toMatch(/^\d{4}-\d\d-01T00:00:00\.000Z$/);
    // The alert is raised after the settle, asynchronously: poll the metric briefly.
    let metrics = '';
    for (let i = 0; i < 50 && !/switchyard_budget_alerts_total\{scope="team"\} [1-9]/.test(metrics); i++) {
      metrics = (await getJson(`${gateway.url}/metrics`)).text;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(metrics).toMatch(/switchyard_budget_alerts_total\{scope="team"\} [1-9]/);
  });

  it('stop accepting a revoked key at once, and an expired key', async () => {
    const teamId = await createTeam({ name: 'revoke-team' });
    const { id, key } = await createKey({ team_id: teamId, name: 'k' });
    expect((await chat(key, { model: 'sim-small' })).status).toBe(200);
    const revoked = await del(`/admin/keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.revoked_at).toBeTruthy();
    const after = await chat(key, { model: 'sim-small' });
    expect(after.status).toBe(401);
    // Long enough for the first call on a loaded machine; then wait exactly until it has passed.
    const expiresAt = Date.now() + 4_000;
    const expiring = await createKey({ team_id: teamId, name: 'short', expires_at: new Date(expiresAt).toISOString() });
    expect((await chat(expiring.key, { model: 'sim-small' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 50));
    expect((await chat(expiring.key, { model: 'sim-small' })).status).toBe(401);
  });

  it("use a team's own provider key for its calls only, and never show it", async () => {
    const ownKey = 'sk-team-own-openai-key-1234567890abcdef';
    const byok = await createTeam({ name: 'byok-team', credentials: { openai: { api_key: ownKey } } });
    expect((await getJson(`${gateway.url}/admin/teams/${byok}`, TEST_KEY)).json.credentials).toEqual(['openai']);
    const other = await createTeam({ name: 'shared-team' });
    const mine = await createKey({ team_id: byok, name: 'k' });
    const theirs = await createKey({ team_id: other, name: 'k' });
    const before = openai.requests.length;
    expect((await chat(mine.key, { model: 'gpt-4o-mini' })).status).toBe(200);
    expect((await chat(theirs.key, { model: 'gpt-4o-mini' })).status).toBe(200);
    const calls = openai.requests.slice(before);
    expect(calls.map((r) => r.headers.authorization)).toEqual([`Bearer ${ownKey}`, 'Bearer sk-shared-config-key-000000000000']);
    const listed = await getJson(`${gateway.url}/admin/teams`, TEST_KEY);
    expect(listed.text).not.toContain(ownKey);
    const stored = await gateway.store.db.selectFrom('team_credentials').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(ownKey);
  });

  it('validate admin input and say what to fix', async () => {
    const bad = await admin('/admin/teams', { name: '', budget: { limit_usd: -1, period: 'week' }, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/name: must not be empty/);
    expect(bad.json.error.message).toMatch(/budget\.limit_usd: must be a positive number/);
    expect(bad.json.error.message).toMatch(/budget\.period: must be day, month or total/);
    const unknown = await admin('/admin/teams', { name: 'x-team', allowed_models: ['nope'] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain("'nope' is not a route, model or alias");
    await createTeam({ name: 'dup-team' });
    const dup = await admin('/admin/teams', { name: 'dup-team' });
    expect(dup.status).toBe(409);
    const missing = await patch('/admin/teams/team_doesnotexist', { cache: false });
    expect(missing.status).toBe(404);
  });

  it('report spend grouped by team, model and day, exactly', async () => {
    const teamId = await createTeam({ name: 'spend-team' });
    const { key } = await createKey({ team_id: teamId, name: 'k' });
    for (let i = 0; i < 3; i++) expect((await chat(key, { model: 'sim-small' })).status).toBe(200);
    await gateway.ledger.flush();
    const byModel = await getJson(`${gateway.url}/admin/spend?group_by=model&team_id=${teamId}`, TEST_KEY);
    expect(byModel.status, byModel.text).toBe(200);
    expect(byModel.json.data).toHaveLength(1);
    expect(byModel.json.data[0]).toMatchObject({ group: 'sim-small', requests: 3 });
    expect(byModel.json.total.cost_usd).toBe(byModel.json.data[0].cost_usd);
    const own = await getJson(`${gateway.url}/v1/spend?group_by=day`, key);
    expect(own.status, own.text).toBe(200);
    expect(own.json.total.requests).toBe(3);
  });
});

describe('team policy updates', () => {
  it('a partial data_policy changes only the fields it names', async () => {
    const created = await admin('/admin/teams', { name: 'policy-team', data_policy: { log_prompts: true, retention_days: 90 } });
    expect(created.json.data_policy).toEqual({ log_prompts: true, retention_days: 90 });
    const patched = await patch(`/admin/teams/${created.json.id}`, { data_policy: { retention_days: 7 } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.data_policy).toEqual({ log_prompts: true, retention_days: 7 });
  });
});
