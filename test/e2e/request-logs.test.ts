import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { REQUEST_LOG_MAX_BYTES } from '../../src/storage/request-log-repository.js';
import { postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * The team data policy end to end: a team with log_prompts gets its prompts logged (status included)
 * and can read them at GET /v1/logs; a team without it logs nothing; one team's key never reads
 * another's log; credentials the gateway holds never reach the log; retention purges old rows.
 */

let gateway: RunningGateway;
interface TeamKey {
  teamId: string;
  keyId: string;
  key: string;
}
let logging: TeamKey;
let other: TeamKey;
let quiet: TeamKey;
const CONFIG_PROVIDER_KEY = 'sk-shared-config-key-000000000000';
const DAY = 86_400_000;

async function request(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

async function teamWithKey(team: Record<string, unknown>): Promise<TeamKey> {
  const created = await request('POST', '/admin/teams', TEST_KEY, team);
  expect(created.status, created.text).toBe(201);
  const made = await request('POST', '/admin/keys', TEST_KEY, { team_id: created.json.id, name: 'k' });
  expect(made.status, made.text).toBe(201);
  return { teamId: created.json.id, keyId: made.json.id, key: made.json.key };
}

const chatBody = (content: string, model = 'sim-small', extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content }], ...extra });
const chat = (key: string, body: unknown) => postJson(`${gateway.url}/v1/chat/completions`, body, { authorization: `Bearer ${key}` });

beforeAll(async () => {
  gateway = await startTestGateway({
    providers: {
      simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 },
      // Never called: its key is only a credential the gateway holds.
      openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9', apiKey: CONFIG_PROVIDER_KEY },
    },
    models: [
      { id: 'sim-large', provider: 'simulated', pricing: { inputPerMTok: 2, outputPerMTok: 8 } },
      { id: 'sim-small', provider: 'simulated', pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 } },
    ],
  });
  logging = await teamWithKey({ name: 'logging', allowed_models: ['sim-small'], data_policy: { log_prompts: true, retention_days: 7 } });
  other = await teamWithKey({ name: 'other', data_policy: { log_prompts: true, retention_days: 30 } });
  quiet = await teamWithKey({ name: 'quiet', data_policy: { log_prompts: false, retention_days: 30 } });
});

afterAll(async () => {
  await gateway?.close();
});

const flush = () => gateway.tenancy.requestLog.flush();

describe('data policy: prompt logging', () => {
  it('logs the prompt of a team with log_prompts, with the final status, readable by the team at GET /v1/logs', async () => {
    const body = chatBody('What is the capital of France?', 'sim-small', { temperature: 0.2, max_tokens: 50 });
    const ok = await chat(logging.key, body);
    expect(ok.status, ok.text).toBe(200);
    const requestId = ok.headers.get('x-switchyard-request-id');
    // Refused by the team's allow-list: logged with the status the client got.
    const refused = await chat(logging.key, chatBody('Use the big one', 'sim-large'));
    expect(refused.status).toBe(403);
    const streamed = await chat(logging.key, chatBody('Stream please', 'sim-small', { stream: true }));
    expect(streamed.status).toBe(200);
    await flush();

    const list = await request('GET', '/v1/logs', logging.key);
    expect(list.status, list.text).toBe(200);
    expect(list.json).toMatchObject({ object: 'list', has_more: false });
    expect(list.json.data.map((r: any) => [r.model, r.status])).toEqual([
      ['sim-small', 200],
      ['sim-large', 403],
      ['sim-small', 200],
    ]);
    const first = list.json.data[2];
    expect(first).toEqual({
      id: expect.any(Number),
      object: 'request_log',
      request_id: requestId,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      team_id: logging.teamId,
      key_id: logging.keyId,
      model: 'sim-small',
      status: 200,
      request: body,
      truncated: false,
    });
    expect(list.json.data[0].request).toEqual(chatBody('Stream please', 'sim-small', { stream: true }));

    // limit and has_more; from/to
    const one = await request('GET', '/v1/logs?limit=1', logging.key);
    expect(one.json.data).toHaveLength(1);
    expect(one.json.has_more).toBe(true);
    const future = await request('GET', `/v1/logs?from=${new Date(Date.now() + DAY).toISOString()}`, logging.key);
    expect(future.json.data).toEqual([]);
    for (const bad of ['limit=0', 'limit=501', 'limit=ten', 'from=yesterday', 'color=red']) {
      const res = await request('GET', `/v1/logs?${bad}`, logging.key);
      expect(res.status, bad).toBe(400);
    }
    expect((await request('GET', '/v1/logs?limit=500', logging.key)).status).toBe(200);
  });

  it('logs nothing for a team without log_prompts, nor for keys without a team', async () => {
    expect((await chat(quiet.key, chatBody('Do not keep this'))).status).toBe(200);
    expect((await chat(TEST_KEY, chatBody('Master key request'))).status).toBe(200);
    await flush();
    const mine = await request('GET', '/v1/logs', quiet.key);
    expect(mine.status).toBe(200);
    expect(mine.json.data).toEqual([]);
    const all = await request('GET', '/admin/logs?limit=500', TEST_KEY);
    expect(all.text).not.toContain('Do not keep this');
    expect(all.text).not.toContain('Master key request');
    const rows = await gateway.store.db.selectFrom('request_logs').select('team_id').execute();
    expect(new Set(rows.map((r) => r.team_id))).toEqual(new Set([logging.teamId]));
  });

  it("a team key cannot read another team's log", async () => {
    const secretPrompt = 'Other team: quarterly numbers are confidential';
    expect((await chat(other.key, chatBody(secretPrompt))).status).toBe(200);
    await flush();
    // Named: 403.
    const named = await request('GET', `/v1/logs?team_id=${other.teamId}`, logging.key);
    expect(named.status).toBe(403);
    expect(named.json.error.code).toBe('SWY_ERR_OTHER_TEAM');
    expect(named.text).not.toContain('quarterly');
    // Its own list never contains the other team's entries; naming its own team is fine.
    for (const path of ['/v1/logs?limit=500', `/v1/logs?team_id=${logging.teamId}&limit=500`]) {
      const own = await request('GET', path, logging.key);
      expect(own.status).toBe(200);
      expect(own.json.data.length).toBeGreaterThan(0);
      expect(own.json.data.every((r: any) => r.team_id === logging.teamId)).toBe(true);
      expect(own.text).not.toContain('quarterly');
    }
    // The admin endpoint is for admin keys; /v1/logs is for team keys.
    expect((await request('GET', `/admin/logs?team_id=${other.teamId}`, logging.key)).status).toBe(403);
    expect((await request('GET', '/admin/logs', other.key)).status).toBe(403);
    const master = await request('GET', '/v1/logs', TEST_KEY);
    expect(master.status).toBe(403);
    expect(master.json.error.code).toBe('SWY_ERR_TEAM_KEY_REQUIRED');
    // The other team reads its own.
    const theirs = await request('GET', '/v1/logs', other.key);
    expect(theirs.json.data.map((r: any) => r.request.messages[0].content)).toEqual([secretPrompt]);
    // The admin reads any team's, or all.
    const admin = await request('GET', `/admin/logs?team_id=${other.teamId}`, TEST_KEY);
    expect(admin.status).toBe(200);
    expect(admin.json.data.map((r: any) => r.team_id)).toEqual([other.teamId]);
    const everything = await request('GET', '/admin/logs?limit=500', TEST_KEY);
    expect(new Set(everything.json.data.map((r: any) => r.team_id))).toEqual(new Set([logging.teamId, other.teamId]));
  });

  it('never stores a credential the gateway holds, even when a prompt carries it', async () => {
    const prompt = `provider ${CONFIG_PROVIDER_KEY}, master ${TEST_KEY}, another team's key ${other.key}; password: hunter2`;
    expect((await chat(logging.key, chatBody(prompt))).status).toBe(200);
    await flush();
    const rows = await gateway.store.db.selectFrom('request_logs').select('request').where('team_id', '=', logging.teamId).execute();
    const stored = rows.map((r) => r.request).join('\n');
    for (const secret of [CONFIG_PROVIDER_KEY, TEST_KEY, other.key, 'sk-shared-config', 'sk-swy-test-master']) expect(stored).not.toContain(secret);
    const latest = (await request('GET', '/v1/logs?limit=1', logging.key)).json.data[0];
    // The prompt's own words stay.
    expect(latest.request.messages[0].content).toBe("provider [redacted], master [redacted], another team's key [redacted]; password: hunter2");
  });

  it('keeps at most 64 KiB of a body, flagged truncated', async () => {
    const big = chatBody('z'.repeat(REQUEST_LOG_MAX_BYTES + 1000));
    expect((await chat(logging.key, big)).status).toBe(200);
    await flush();
    const latest = (await request('GET', '/v1/logs?limit=1', logging.key)).json.data[0];
    expect(latest.truncated).toBe(true);
    expect(typeof latest.request).toBe('string');
    expect(Buffer.byteLength(latest.request)).toBe(REQUEST_LOG_MAX_BYTES);
    expect(latest.request.startsWith('{"model":"sim-small","messages":[{"role":"user","content":"zzz')).toBe(true);
  });

  it("purges each team's rows past its retention; turning logging off stops new rows and keeps old ones until then", async () => {
    const now = Date.now();
    const old = (teamId: string, keyId: string, days: number, requestId: string) => ({
      request_id: requestId,
      created_at: new Date(now - days * DAY).toISOString(),
      team_id: teamId,
      key_id: keyId,
      model: 'sim-small',
      status: 200,
      request: '{"model":"sim-small"}',
      truncated: 0,
    });
    await gateway.store.db
      .insertInto('request_logs')
      .values([old(logging.teamId, logging.keyId, 8, 'req_old_8d'), old(logging.teamId, logging.keyId, 6, 'req_old_6d'), old(other.teamId, other.keyId, 8, 'req_other_8d')])
      .execute();
    const deleted = await gateway.tenancy.requestLog.purge();
    expect(deleted).toBe(1);
    const ids = (await gateway.store.db.selectFrom('request_logs').select('request_id').execute()).map((r) => r.request_id);
    expect(ids).not.toContain('req_old_8d'); // the logging team keeps 7 days
    expect(ids).toContain('req_old_6d');
    expect(ids).toContain('req_other_8d'); // the other team keeps 30

    const before = (await request('GET', '/v1/logs?limit=500', logging.key)).json.data.length;
    const patched = await request('PATCH', `/admin/teams/${logging.teamId}`, TEST_KEY, { data_policy: { log_prompts: false, retention_days: 7 } });
    expect(patched.status, patched.text).toBe(200);
    expect((await chat(logging.key, chatBody('After logging was turned off'))).status).toBe(200);
    await flush();
    const after = await request('GET', '/v1/logs?limit=500', logging.key);
    expect(after.json.data.length).toBe(before);
    expect(after.text).not.toContain('After logging was turned off');
  });
});
