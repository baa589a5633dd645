import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { defaultConfig } from '../../src/config/default-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { UsageLedger, type LedgerEntry } from '../../src/metering/usage-ledger.js';
import type { Store } from '../../src/storage/database.js';
import {
  keyPolicyFromJson,
  keyPolicyToJson,
  policyFromJson,
  policyToJson,
  SqlTenancyStore,
  TenancyConflictError,
} from '../../src/storage/tenancy-repository.js';
import { generateKey, hashKey, setupKeyRing } from '../../src/tenancy/api-keys.js';
import type { KeyPolicy, TeamPolicy } from '../../src/tenancy/tenancy-types.js';
import { STORE_DIALECTS, useTestDatabases } from '../helpers/test-databases.js';

const FULL_POLICY: TeamPolicy = {
  allowedModels: ['reasoning', 'gpt-4.1-mini'],
  allowedProviders: ['openai', 'bedrock'],
  defaultRoute: 'reasoning',
  budget: { limitNanos: 25_000_000_000, period: 'month', alertAt: 0.8 },
  rateLimits: { rpm: 600, tpm: 200_000 },
  modelRateLimits: { 'gpt-4.1': { rpm: 60 }, reasoning: { tpm: 50_000 } },
  dataPolicy: { logPrompts: true, retentionDays: 14 },
  cache: true,
};
const PLAIN_POLICY: TeamPolicy = { dataPolicy: { logPrompts: false, retentionDays: 30 }, cache: false };
const KEY_POLICY: KeyPolicy = { models: ['gpt-4.1-mini'], budget: { limitNanos: 1_000_000_000, period: 'day' }, rateLimits: { rpm: 10 } };

const TEAM_ID = /^team_[a-z2-7]{16}$/;
const KEY_ID = /^key_[a-z2-7]{16}$/;

describe('stored policy JSON', () => {
  it('is snake_case with budgets in nano-dollars, and reads back to the same policy', () => {
    expect(policyToJson(FULL_POLICY)).toEqual({
      allowed_models: ['reasoning', 'gpt-4.1-mini'],
      allowed_providers: ['openai', 'bedrock'],
      default_route: 'reasoning',
      budget: { limit_nanos: 25_000_000_000, period: 'month', alert_at: 0.8 },
      rate_limits: { rpm: 600, tpm: 200_000 },
      model_rate_limits: { 'gpt-4.1': { rpm: 60 }, reasoning: { tpm: 50_000 } },
      data_policy: { log_prompts: true, retention_days: 14 },
      cache: true,
    });
    expect(policyFromJson(JSON.stringify(policyToJson(FULL_POLICY)))).toEqual(FULL_POLICY);
    expect(policyFromJson(policyToJson(PLAIN_POLICY))).toEqual(PLAIN_POLICY);
    expect(keyPolicyToJson(KEY_POLICY)).toEqual({ models: ['gpt-4.1-mini'], budget: { limit_nanos: 1_000_000_000, period: 'day' }, rate_limits: { rpm: 10 } });
    expect(keyPolicyFromJson(JSON.stringify(keyPolicyToJson(KEY_POLICY)))).toEqual(KEY_POLICY);
    expect(keyPolicyFromJson(null)).toEqual({});
  });

  it('reads a sparse row with defaults and refuses a corrupt one', () => {
    expect(policyFromJson('{}')).toEqual({ dataPolicy: { logPrompts: false, retentionDays: 30 }, cache: false });
    expect(() => policyFromJson('{"budget":{"limit_nanos":5,"period":"week"}}')).toThrow(/budget.period/);
    expect(() => policyFromJson('{"allowed_models":"all"}')).toThrow(/allowed_models/);
    expect(() => policyFromJson('not json')).toThrow(/not JSON/);
  });
});

function ledgerRow(n: number, fields: Partial<LedgerEntry>): LedgerEntry {
  return {
    request_id: `req_${n}`,
    created_at: '2025-03-01T10:00:00.000Z',
    key_name: 'k',
    dialect: 'openai-chat',
    requested_model: 'm',
    model: 'gpt-4.1',
    provider: 'openai',
    stream: 0,
    status: 200,
    input_tokens: 10,
    output_tokens: 5,
    cache_read_tokens: 2,
    cache_write_tokens: 1,
    reasoning_tokens: 3,
    cost_nanos: 1_000,
    latency_ms: 1,
    error_code: null,
    route: null,
    attempt: 1,
    attempts: 1,
    decision: null,
    usage_source: 'reported',
    ttft_ms: null,
    team_id: null,
    key_id: null,
    ...fields,
  };
}

async function writeLedger(store: Store, rows: LedgerEntry[]): Promise<void> {
  const ledger = new UsageLedger(store, { writer: 'inline', batchSize: 10_000, flushIntervalMs: 60_000 });
  for (const row of rows) ledger.record(row);
  await ledger.close();
}

describe.each(STORE_DIALECTS)('SqlTenancyStore on %s', (dialect) => {
  const databases = useTestDatabases(dialect);
  const open = async () => {
    const store = await databases.open();
    return { store, tenancy: new SqlTenancyStore(store) };
  };

  it('creates, lists, reads and updates teams; names are unique', async () => {
    const { store, tenancy } = await open();
    const alpha = await tenancy.createTeam({ name: 'alpha', policy: FULL_POLICY });
    expect(alpha).toEqual({ id: expect.stringMatching(TEAM_ID), name: 'alpha', policy: FULL_POLICY, credentialProviders: [], createdAt: alpha.createdAt, updatedAt: alpha.createdAt });
    const beta = await tenancy.createTeam({ name: 'beta', policy: PLAIN_POLICY });
    expect(beta.id).not.toBe(alpha.id);
    await expect(tenancy.createTeam({ name: 'alpha', policy: PLAIN_POLICY })).rejects.toBeInstanceOf(TenancyConflictError);

    expect((await tenancy.listTeams()).map((t) => t.name)).toEqual(['alpha', 'beta']);
    expect(await tenancy.getTeam(alpha.id)).toEqual(alpha);
    expect(await tenancy.getTeam('team_nosuchteam00000')).toBeUndefined();

    // Stored as snake_case JSON text.
    const raw = await store.db.selectFrom('teams').select('policy').where('id', '=', alpha.id).executeTakeFirstOrThrow();
    expect(JSON.parse(raw.policy)).toEqual(policyToJson(FULL_POLICY));

    await new Promise((r) => setTimeout(r, 5));
    const renamed = await tenancy.updateTeam(beta.id, { name: 'gamma' });
    expect(renamed).toMatchObject({ id: beta.id, name: 'gamma', policy: PLAIN_POLICY, createdAt: beta.createdAt });
    expect(renamed!.updatedAt > beta.updatedAt).toBe(true);
    const tightened = await tenancy.updateTeam(beta.id, { policy: { ...PLAIN_POLICY, allowedModels: ['small'] } });
    expect(tightened).toMatchObject({ name: 'gamma', policy: { ...PLAIN_POLICY, allowedModels: ['small'] } });
    await expect(tenancy.updateTeam(beta.id, { name: 'alpha' })).rejects.toThrow(/already exists/);
    expect(await tenancy.updateTeam('team_nosuchteam00000', { name: 'x' })).toBeUndefined();
    expect((await tenancy.getTeam(alpha.id))!.name).toBe('alpha');
  });

  it('keeps team credentials as opaque ciphertext per provider, per team', async () => {
    const { tenancy } = await open();
    const a = await tenancy.createTeam({ name: 'a', policy: PLAIN_POLICY });
    const b = await tenancy.createTeam({ name: 'b', policy: PLAIN_POLICY });
    await tenancy.setTeamCredential(a.id, 'openai', 'v1.n1.c1.t1');
    await tenancy.setTeamCredential(a.id, 'bedrock', 'v1.n2.c2.t2');
    await tenancy.setTeamCredential(b.id, 'openai', 'v1.n3.c3.t3');
    expect(await tenancy.getTeamCredentials(a.id)).toEqual({ bedrock: 'v1.n2.c2.t2', openai: 'v1.n1.c1.t1' });
    expect(await tenancy.getTeamCredentials(b.id)).toEqual({ openai: 'v1.n3.c3.t3' });
    await tenancy.setTeamCredential(a.id, 'openai', 'v1.n4.c4.t4'); // replaced
    expect((await tenancy.getTeamCredentials(a.id)).openai).toBe('v1.n4.c4.t4');
    expect((await tenancy.getTeam(a.id))!.credentialProviders).toEqual(['bedrock', 'openai']);
    expect((await tenancy.listTeams()).map((t) => [t.name, t.credentialProviders])).toEqual([
      ['a', ['bedrock', 'openai']],
      ['b', ['openai']],
    ]);
    await tenancy.setTeamCredential(a.id, 'bedrock', null); // removed
    expect(await tenancy.getTeamCredentials(a.id)).toEqual({ openai: 'v1.n4.c4.t4' });
    expect(await tenancy.getTeamCredentials('team_nosuchteam00000')).toEqual({});
    await expect(tenancy.setTeamCredential('team_nosuchteam00000', 'openai', 'x')).rejects.toThrow(/no team/);
  });

  it('creates, lists, finds and revokes keys; only the hash and prefix are stored', async () => {
    const { store, tenancy } = await open();
    const team = await tenancy.createTeam({ name: 'team', policy: PLAIN_POLICY });
    const other = await tenancy.createTeam({ name: 'other', policy: PLAIN_POLICY });
    const secret = generateKey();
    const key = await tenancy.createKey({ teamId: team.id, name: 'ci', role: 'team', keyHash: hashKey(secret), prefix: secret.slice(0, 11), policy: KEY_POLICY, expiresAt: '2030-01-01T00:00:00.000Z' });
    expect(key).toEqual({
      id: expect.stringMatching(KEY_ID),
      teamId: team.id,
      name: 'ci',
      role: 'team',
      prefix: secret.slice(0, 11),
      policy: KEY_POLICY,
      expiresAt: '2030-01-01T00:00:00.000Z',
      createdAt: key.createdAt,
    });
    const admin = await tenancy.createKey({ name: 'ops', role: 'admin', keyHash: hashKey('sk-swy-admin-secret'), prefix: 'sk-swy-admi', policy: {} });
    expect(admin).toMatchObject({ role: 'admin', policy: {} });
    expect(admin.teamId).toBeUndefined();
    const otherKey = await tenancy.createKey({ teamId: other.id, name: 'o', role: 'team', keyHash: hashKey('sk-swy-other'), prefix: 'sk-swy-othe', policy: {} });

    await expect(tenancy.createKey({ name: 'x', role: 'team', keyHash: hashKey('x'), prefix: 'x', policy: {} })).rejects.toThrow(/needs a team/);
    await expect(tenancy.createKey({ teamId: team.id, name: 'x', role: 'admin', keyHash: hashKey('x'), prefix: 'x', policy: {} })).rejects.toThrow(/no team/);
    await expect(tenancy.createKey({ teamId: 'team_nosuchteam00000', name: 'x', role: 'team', keyHash: hashKey('x'), prefix: 'x', policy: {} })).rejects.toThrow(/no team/);

    expect((await tenancy.listKeys()).map((k) => k.id)).toEqual([key.id, admin.id, otherKey.id]);
    expect(await tenancy.listKeys({ teamId: team.id })).toEqual([key]);
    expect(await tenancy.listKeys({ teamId: other.id })).toEqual([otherKey]);
    expect(await tenancy.getKey(key.id)).toEqual(key);
    expect(await tenancy.getKey('key_nosuchkey0000000')).toBeUndefined();
    expect(await tenancy.findKeyByHash(hashKey(secret))).toEqual(key);
    expect(await tenancy.findKeyByHash(hashKey(`${secret}x`))).toBeUndefined();

    const rows = await store.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret);

    const revoked = await tenancy.revokeKey(key.id);
    expect(revoked!.keyHash).toBe(hashKey(secret));
    expect(revoked!.key).toEqual({ ...key, revokedAt: expect.any(String) });
    // Revoked keys are still found by hash (the caller refuses them), and revoking again keeps the first time.
    expect(await tenancy.findKeyByHash(hashKey(secret))).toEqual(revoked!.key);
    expect((await tenancy.revokeKey(key.id))!.key.revokedAt).toBe(revoked!.key.revokedAt);
    expect(await tenancy.revokeKey('key_nosuchkey0000000')).toBeUndefined();
    expect((await tenancy.getKey(otherKey.id))!.revokedAt).toBeUndefined();
  });

  it('works with setupKeyRing: the generated master key is stored once and is an admin key', async () => {
    const { store, tenancy } = await open();
    const config = resolveConfig(parseConfig(defaultConfig({}), {}), {});
    const first = await setupKeyRing(config, store);
    expect(first.generatedMasterKey).toMatch(/^sk-swy-/);
    const stored = await tenancy.findKeyByHash(hashKey(first.generatedMasterKey!));
    expect(stored).toMatchObject({ id: expect.stringMatching(KEY_ID), name: 'master', role: 'admin' });
    const second = await setupKeyRing(config, store);
    expect(second.generatedMasterKey).toBeUndefined();
    expect(second.keyRing.verify(first.generatedMasterKey!)).toMatchObject({ keyName: 'master', role: 'master' });
  });

  it('sums spend exactly by team, key, model, provider and day, within [from, to) and for one team', async () => {
    const { store, tenancy } = await open();
    // Three rows of 2^52 + 1 nano-dollars: their sum, 13510798882111491, is past 2^53 and odd (no double holds it).
    const huge = 2 ** 52 + 1;
    await writeLedger(store, [
      ledgerRow(1, { team_id: 'team_a', key_id: 'key_a1', cost_nanos: huge, created_at: '2025-03-01T23:59:59.999Z' }),
      ledgerRow(2, { team_id: 'team_a', key_id: 'key_a1', cost_nanos: huge, created_at: '2025-03-02T00:00:00.000Z', model: 'claude-sonnet', provider: 'anthropic' }),
      ledgerRow(3, { team_id: 'team_a', key_id: 'key_a2', cost_nanos: huge, created_at: '2025-03-02T08:00:00.000Z', provider: 'azure' }),
      ledgerRow(4, { team_id: 'team_b', key_id: 'key_b1', cost_nanos: 7, created_at: '2025-03-03T00:00:00.000Z', input_tokens: 3_000_000_000 }),
      ledgerRow(5, { key_name: 'master', cost_nanos: 11, created_at: '2025-03-03T01:00:00.000Z' }),
    ]);
    const exact = 3n * BigInt(huge);
    expect(exact).toBe(13_510_798_882_111_491n);

    const byTeam = await tenancy.spend({ groupBy: 'team' });
    expect(byTeam).toEqual([
      { group: '', requests: 1, inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 1, reasoningTokens: 3, costNanos: 11n },
      { group: 'team_a', requests: 3, inputTokens: 30, outputTokens: 15, cacheReadTokens: 6, cacheWriteTokens: 3, reasoningTokens: 9, costNanos: exact },
      { group: 'team_b', requests: 1, inputTokens: 3_000_000_000, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 1, reasoningTokens: 3, costNanos: 7n },
    ]);
    const pick = (rows: Awaited<ReturnType<typeof tenancy.spend>>) => rows.map((r) => [r.group, r.requests, r.costNanos]);
    expect(pick(await tenancy.spend({ groupBy: 'key' }))).toEqual([
      ['key_a1', 2, 2n * BigInt(huge)],
      ['key_a2', 1, BigInt(huge)],
      ['key_b1', 1, 7n],
      ['master', 1, 11n], // no key id: the key's name
    ]);
    expect(pick(await tenancy.spend({ groupBy: 'model' }))).toEqual([
      ['claude-sonnet', 1, BigInt(huge)],
      ['gpt-4.1', 4, 2n * BigInt(huge) + 18n],
    ]);
    expect(pick(await tenancy.spend({ groupBy: 'provider' }))).toEqual([
      ['anthropic', 1, BigInt(huge)],
      ['azure', 1, BigInt(huge)],
      ['openai', 3, BigInt(huge) + 18n],
    ]);
    expect(pick(await tenancy.spend({ groupBy: 'day' }))).toEqual([
      ['2025-03-01', 1, BigInt(huge)],
      ['2025-03-02', 2, 2n * BigInt(huge)],
      ['2025-03-03', 2, 18n],
    ]);
    // from inclusive, to exclusive
    expect(pick(await tenancy.spend({ groupBy: 'day', from: '2025-03-02T00:00:00.000Z', to: '2025-03-03T00:00:00.000Z' }))).toEqual([['2025-03-02', 2, 2n * BigInt(huge)]]);
    expect(pick(await tenancy.spend({ groupBy: 'key', teamId: 'team_a' }))).toEqual([
      ['key_a1', 2, 2n * BigInt(huge)],
      ['key_a2', 1, BigInt(huge)],
    ]);
    expect(await tenancy.spend({ groupBy: 'team', teamId: 'team_nobody' })).toEqual([]);

    expect(await tenancy.spendSince({ teamId: 'team_a' }, '2025-01-01T00:00:00.000Z')).toBe(exact);
    expect(await tenancy.spendSince({ teamId: 'team_a' }, '2025-03-02T00:00:00.000Z')).toBe(2n * BigInt(huge));
    expect(await tenancy.spendSince({ keyId: 'key_a1' }, '2025-03-01')).toBe(2n * BigInt(huge));
    expect(await tenancy.spendSince({ keyId: 'key_b1' }, '2025-03-04T00:00:00.000Z')).toBe(0n);
    expect(await tenancy.spendSince({ teamId: 'team_nobody' }, '2000-01-01')).toBe(0n);
  });
});
