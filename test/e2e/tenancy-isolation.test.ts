import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';
import { postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * Isolation, tested as an attacker holding one team's key would try it: every admin endpoint, other
 * teams' spend, keys and settings, raising its own limits, other teams' provider credentials, and
 * models its policy does not allow (directly, by alias, or through a fallback).
 */

let gateway: RunningGateway;
let openai: OpenAIMock;
let teamA: { teamId: string; keyId: string; key: string };
let teamB: { teamId: string; keyId: string; key: string };
const B_OWN_KEY = 'sk-team-b-own-openai-key-abcdef0123456789';

async function request(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

async function teamWithKey(team: Record<string, unknown>, key: Record<string, unknown> = {}) {
  const created = await request('POST', '/admin/teams', TEST_KEY, team);
  expect(created.status, created.text).toBe(201);
  const made = await request('POST', '/admin/keys', TEST_KEY, { team_id: created.json.id, name: 'k', ...key });
  expect(made.status, made.text).toBe(201);
  return { teamId: created.json.id as string, keyId: made.json.id as string, key: made.json.key as string };
}

const chat = (key: string, model: string) => postJson(`${gateway.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${key}` });

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
      // Fails (the mock answers 503), then falls back to a model team A may not use.
      { id: 'flaky', provider: 'openai', upstreamModel: 'error:503', fallbacks: ['sim-large'] },
      { id: 'gpt-4o-mini', provider: 'openai' },
    ],
    aliases: { small: 'sim-small' },
    routes: { cheap: { candidates: ['sim-small'], fallbacks: ['sim-large'] } },
  });
  teamA = await teamWithKey({ name: 'team-a', allowed_models: ['small', 'flaky', 'gpt-4o-mini'], rate_limits: { rpm: 1000 } });
  teamB = await teamWithKey({ name: 'team-b', budget: { limit_usd: 5, period: 'month' }, credentials: { openai: { api_key: B_OWN_KEY } } });
  expect((await chat(teamB.key, 'sim-small')).status).toBe(200);
});

afterAll(async () => {
  await gateway?.close();
  await openai?.close();
});

describe('a team key', () => {
  it('cannot use any admin endpoint', async () => {
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', '/admin/teams'],
      ['GET', `/admin/teams/${teamB.teamId}`],
      ['POST', '/admin/teams', { name: 'mine' }],
      ['PATCH', `/admin/teams/${teamA.teamId}`, { rate_limits: { rpm: 1_000_000 } }],
      ['PATCH', `/admin/teams/${teamB.teamId}`, { budget: null }],
      ['POST', '/admin/keys', { team_id: teamA.teamId, name: 'more', role: 'admin' }],
      ['GET', `/admin/keys?team_id=${teamB.teamId}`],
      ['DELETE', `/admin/keys/${teamB.keyId}`],
      ['GET', '/admin/spend?group_by=team'],
      ['GET', '/admin/health'],
      ['POST', '/admin/route/explain', { model: 'cheap' }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await request(method, path, teamA.key, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(403);
    }
    // Nothing changed: B's key still works and A's limits are what the admin set.
    expect((await chat(teamB.key, 'sim-small')).status).toBe(200);
    const a = await request('GET', `/admin/teams/${teamA.teamId}`, TEST_KEY);
    expect(a.json.rate_limits).toEqual({ rpm: 1000 });
  });

  it("cannot read another team's spend, nor all teams' spend", async () => {
    const other = await request('GET', `/v1/spend?team_id=${teamB.teamId}`, teamA.key);
    expect(other.status).toBe(403);
    const byTeam = await request('GET', '/v1/spend?group_by=team', teamA.key);
    expect(byTeam.status).toBe(400);
    const own = await request('GET', '/v1/spend?group_by=key', teamA.key);
    expect(own.status).toBe(200);
    expect(own.text).not.toContain(teamB.keyId);
  });

  it("never calls an upstream with another team's credentials", async () => {
    const before = openai.requests.length;
    expect((await chat(teamA.key, 'gpt-4o-mini')).status).toBe(200);
    expect((await chat(teamB.key, 'gpt-4o-mini')).status).toBe(200);
    const auth = openai.requests.slice(before).map((r) => r.headers.authorization);
    expect(auth).toEqual(['Bearer sk-shared-config-key-000000000000', `Bearer ${B_OWN_KEY}`]);
  });

  it('cannot reach a model outside its allow-list directly, through an alias, a route or a fallback', async () => {
    expect((await chat(teamA.key, 'sim-large')).status).toBe(403);
    expect((await chat(teamA.key, 'cheap')).status).toBe(403);
    // The alias names an allowed model: allowed, and the model behind it serves.
    const viaAlias = await chat(teamA.key, 'sim-small');
    expect(viaAlias.status, viaAlias.text).toBe(200);
    // 'flaky' fails upstream; its fallback sim-large is not on A's list, so it is never tried.
    const flaky = await chat(teamA.key, 'flaky');
    expect(flaky.status).not.toBe(200);
    expect(flaky.headers.get('x-switchyard-model')).not.toBe('sim-large');
    await gateway.ledger.flush();
    const rows = await gateway.store.db.selectFrom('usage_ledger').select(['model']).where('key_id', '=', teamA.keyId).execute();
    expect(rows.map((r) => r.model)).not.toContain('sim-large');
  });

  it('keeps its rate-limit and budget counters to itself', async () => {
    const tight = await teamWithKey({ name: 'team-tight', rate_limits: { rpm: 1 } });
    expect((await chat(tight.key, 'sim-small')).status).toBe(200);
    expect((await chat(tight.key, 'sim-small')).status).toBe(429);
    // Another team is not touched by that team's exhausted window.
    expect((await chat(teamB.key, 'sim-small')).status).toBe(200);
  });

  it('cannot authenticate with a revoked key of another team or a guessed key', async () => {
    const victim = await teamWithKey({ name: 'team-victim' });
    expect((await request('DELETE', `/admin/keys/${victim.keyId}`, TEST_KEY)).status).toBe(200);
    expect((await chat(victim.key, 'sim-small')).status).toBe(401);
    // One character off (never the same character: a random key may already end in it).
    const last = teamA.key.slice(-1);
    const guessed = `${teamA.key.slice(0, -1)}${last === 'x' ? 'y' : 'x'}`;
    expect(guessed).not.toBe(teamA.key);
    expect((await chat(guessed, 'sim-small')).status).toBe(401);
  });
});
