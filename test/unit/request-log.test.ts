import { afterEach, describe, expect, it } from 'vitest';
import { REQUEST_LOG_MAX_BYTES, SqlRequestLogStore, type RequestLogInsert } from '../../src/storage/request-log-repository.js';
import { SqlTenancyStore } from '../../src/storage/tenancy-repository.js';
import { clearRegisteredSecrets, redactRegisteredSecrets, registerCallSecret, registerSecret } from '../../src/spec/redact-secrets.js';
import type { Caller } from '../../src/tenancy/api-keys.js';
import { RequestLog, storedBody } from '../../src/tenancy/request-log.js';
import type { TenantContext } from '../../src/tenancy/tenant-context.js';
import type { TeamPolicy } from '../../src/tenancy/tenancy-types.js';
import { STORE_DIALECTS, useTestDatabases } from '../helpers/test-databases.js';

afterEach(() => clearRegisteredSecrets());

const DAY = 86_400_000;
const policy = (retentionDays: number, logPrompts = true): TeamPolicy => ({ dataPolicy: { logPrompts, retentionDays }, cache: false });

describe('redactRegisteredSecrets', () => {
  it('replaces registered, call and extra secrets in every escaped form, and nothing else, without cutting', () => {
    registerSecret('config-provider-key-0123456789');
    registerCallSecret('call/secret+value-abcdef');
    const prompt = `password: hunter2, an example sk-proj-abcdefghijklmnop, Bearer abcdefghijk12345 ${'x'.repeat(10_000)}`;
    const text = JSON.stringify({ a: 'config-provider-key-0123456789', b: 'call/secret+value-abcdef', c: 'own-team-key-zyxwvu987', d: prompt });
    const out = redactRegisteredSecrets(text, ['own-team-key-zyxwvu987']);
    expect(out).not.toContain('config-provider-key');
    expect(out).not.toContain('call/secret');
    expect(out).not.toContain('own-team-key');
    // JSON with escaped slashes, and URL-encoded.
    expect(redactRegisteredSecrets('{"b":"call\\/secret+value-abcdef"}')).toBe('{"b":"[redacted]"}');
    expect(redactRegisteredSecrets(`q=${encodeURIComponent('own-team-key/zyxwvu987')}`, ['own-team-key/zyxwvu987'])).toBe('q=[redacted]');
    // The user's own words survive: no shape-based scrubbing, no length cut.
    expect(out).toContain('password: hunter2, an example sk-proj-abcdefghijklmnop, Bearer abcdefghijk12345');
    expect(out.length).toBeGreaterThan(10_000);
    expect(JSON.parse(out)).toMatchObject({ a: '[redacted]', c: '[redacted]' });
    expect(redactRegisteredSecrets('short secrets are ignored', ['short'])).toBe('short secrets are ignored');
  });
});

describe('storedBody', () => {
  it('keeps a small body whole as JSON text, scrubbing gateway keys and held secrets', () => {
    registerSecret('sk-shared-config-key-000000000000');
    const body = { model: 'sim-small', messages: [{ role: 'user', content: 'use sk-shared-config-key-000000000000 or sk-swy-AbCdEfGhIjKlMnOpQrStUvWxYz012345 please' }] };
    const { text, truncated } = storedBody(body);
    expect(truncated).toBe(false);
    expect(JSON.parse(text)).toEqual({ model: 'sim-small', messages: [{ role: 'user', content: 'use [redacted] or [redacted] please' }] });
  });

  it('cuts a body past 64 KiB of UTF-8 on a character boundary and flags it', () => {
    const { text, truncated } = storedBody({ content: 'é'.repeat(REQUEST_LOG_MAX_BYTES) });
    expect(truncated).toBe(true);
    const bytes = Buffer.byteLength(text, 'utf8');
    expect(bytes).toBeLessThanOrEqual(REQUEST_LOG_MAX_BYTES);
    expect(bytes).toBeGreaterThan(REQUEST_LOG_MAX_BYTES - 4);
    expect(text.startsWith('{"content":"éé')).toBe(true);
    expect(text).not.toContain('\uFFFD');
    // Just under the cap: kept whole.
    const fits = storedBody({ c: 'a'.repeat(REQUEST_LOG_MAX_BYTES - 10) });
    expect(fits.truncated).toBe(false);
    expect(Buffer.byteLength(fits.text)).toBe(REQUEST_LOG_MAX_BYTES - 2);
  });

  it('scrubs a secret that straddles the cut before cutting', () => {
    const secret = 'straddling-secret-value-0123456789';
    registerSecret(secret);
    const prefix = 'a'.repeat(REQUEST_LOG_MAX_BYTES - 20);
    const { text, truncated } = storedBody({ c: `${prefix}${secret}${'b'.repeat(200_000)}` });
    expect(truncated).toBe(true);
    expect(text).not.toContain('straddling');
    // {"c":" (6 bytes) + the prefix + [redacted] + 4 b's = exactly the cap.
    expect(text.endsWith('a[redacted]bbbb')).toBe(true);
    expect(Buffer.byteLength(text)).toBe(REQUEST_LOG_MAX_BYTES);
  });
});

function caller(teamId: string, keyId = 'key_a', tenant?: Partial<TenantContext>): Caller {
  return { keyName: 'k', role: 'user', teamId, keyId, ...(tenant ? { tenant: tenant as TenantContext } : {}) };
}

const row = (n: number, fields: Partial<RequestLogInsert>): RequestLogInsert => ({
  request_id: `req_${n}`,
  created_at: '2026-03-01T10:00:00.000Z',
  team_id: 'team_x',
  key_id: 'key_x',
  model: 'sim-small',
  status: 200,
  request: '{"model":"sim-small"}',
  truncated: 0,
  ...fields,
});

describe.each(STORE_DIALECTS)('request log on %s', (dialect) => {
  const databases = useTestDatabases(dialect);

  it('lists rows newest first, per team, over [from, to), up to a limit', async () => {
    const store = await databases.open();
    const logs = new SqlRequestLogStore(store);
    await logs.insert([
      row(1, { team_id: 'team_a', created_at: '2026-03-01T10:00:00.000Z' }),
      row(2, { team_id: 'team_b', created_at: '2026-03-01T11:00:00.000Z' }),
      row(3, { team_id: 'team_a', created_at: '2026-03-01T12:00:00.000Z', status: 429, truncated: 1, request: '{"mod' }),
      row(4, { team_id: 'team_a', created_at: '2026-03-01T12:00:00.000Z' }),
    ]);
    const a = await logs.list({ teamId: 'team_a', limit: 50 });
    expect(a.map((r) => r.request_id)).toEqual(['req_4', 'req_3', 'req_1']);
    expect(a[1]).toMatchObject({ id: expect.any(Number), team_id: 'team_a', key_id: 'key_x', model: 'sim-small', status: 429, truncated: 1, request: '{"mod' });
    expect((await logs.list({ limit: 2 })).map((r) => r.request_id)).toEqual(['req_4', 'req_3']);
    expect((await logs.list({ limit: 50, from: '2026-03-01T11:00:00.000Z', to: '2026-03-01T12:00:00.000Z' })).map((r) => r.request_id)).toEqual(['req_2']);
    expect(await logs.list({ teamId: 'team_c', limit: 50 })).toEqual([]);
  });

  it('purges each team after its own retention, whether or not it still logs, and orphans after the default', async () => {
    const store = await databases.open();
    const tenancy = new SqlTenancyStore(store);
    const week = await tenancy.createTeam({ name: 'week', policy: policy(7) });
    const year = await tenancy.createTeam({ name: 'year', policy: policy(365) });
    const stopped = await tenancy.createTeam({ name: 'stopped', policy: policy(1, false) });
    const now = new Date('2026-03-01T00:00:00.000Z');
    const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
    const logs = new SqlRequestLogStore(store);
    await logs.insert([
      row(1, { team_id: week.id, created_at: ago(8) }),
      row(2, { team_id: week.id, created_at: ago(6) }),
      row(3, { team_id: year.id, created_at: ago(100) }),
      row(4, { team_id: year.id, created_at: ago(400) }),
      row(5, { team_id: stopped.id, created_at: ago(2) }),
      row(6, { team_id: 'team_gone', created_at: ago(31) }),
      row(7, { team_id: 'team_gone', created_at: ago(29) }),
    ]);
    expect(await logs.purgeExpired(now)).toBe(4);
    expect((await logs.list({ limit: 50 })).map((r) => r.request_id).sort()).toEqual(['req_2', 'req_3', 'req_7']);
    // Idempotent: a second replica running it finds nothing more.
    expect(await logs.purgeExpired(now)).toBe(0);
  });

  it('RequestLog: record keeps references, a flush writes them scrubbed; a failed batch is retried; close writes the rest', async () => {
    const store = await databases.open();
    const log = new RequestLog(store, { batchSize: 1000, flushIntervalMs: 60_000, clock: () => Date.parse('2026-03-02T00:00:00.000Z') });
    const own = 'team-own-openai-key-0123456789';
    const tenant = { credentials: new Map([['openai', { kind: 'api-key' as const, apiKey: own }]]) };
    const body: Record<string, unknown> = { model: 'sim-small', messages: [{ role: 'user', content: `my key is ${own}` }] };
    log.record({ requestId: 'req_1', caller: caller('team_a', 'key_1', tenant), body, status: 200 });
    log.record({ requestId: 'req_2', caller: caller('team_a', 'key_1'), body: { messages: [] }, status: 400 });
    expect(log.pending).toBe(2);
    expect(await log.store.list({ limit: 10 })).toEqual([]);
    await log.flush();
    const rows = await log.store.list({ limit: 10 });
    expect(rows.map((r) => [r.request_id, r.status, r.model, r.key_id])).toEqual([
      ['req_2', 400, 'default', 'key_1'],
      ['req_1', 200, 'sim-small', 'key_1'],
    ]);
    expect(JSON.parse(rows[1].request)).toEqual({ model: 'sim-small', messages: [{ role: 'user', content: 'my key is [redacted]' }] });
    expect(rows[1].created_at).toBe('2026-03-02T00:00:00.000Z');

    // The database refuses a batch: it is kept and written by the next flush, once.
    await store.db.schema.alterTable('request_logs').renameTo('request_logs_away').execute();
    log.record({ requestId: 'req_3', caller: caller('team_a'), body: { model: 'm' }, status: 200 });
    await expect(log.flush()).rejects.toThrow();
    expect(log.pending).toBe(1);
    await store.db.schema.alterTable('request_logs_away').renameTo('request_logs').execute();
    log.record({ requestId: 'req_4', caller: caller('team_a'), body: { model: 'm' }, status: 200 });
    await log.close();
    expect((await log.store.list({ limit: 10 })).map((r) => r.request_id).sort()).toEqual(['req_1', 'req_2', 'req_3', 'req_4']);
    // Closed: nothing more is queued.
    log.record({ requestId: 'req_5', caller: caller('team_a'), body: {}, status: 200 });
    expect(log.pending).toBe(0);
  });

  it('RequestLog: a full queue drops the oldest requests, never grows without bound', async () => {
    const store = await databases.open();
    const log = new RequestLog(store, { batchSize: 1000, flushIntervalMs: 60_000, maxPending: 3 });
    for (let i = 1; i <= 5; i++) log.record({ requestId: `req_${i}`, caller: caller('team_a'), body: { model: 'm' }, status: 200 });
    expect(log.pending).toBe(3);
    expect(log.dropped).toBe(2);
    await log.close();
    expect((await log.store.list({ limit: 10 })).map((r) => r.request_id).sort()).toEqual(['req_3', 'req_4', 'req_5']);
  });
});
