import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { appliedVersions, LATEST_SCHEMA_VERSION, migrate, openStore, type StoreDialect } from '../../src/storage/database.js';
import { SqlTenancyStore } from '../../src/storage/tenancy-repository.js';
import { hashKey } from '../../src/tenancy/api-keys.js';
import { STORE_DIALECTS, useTestDatabases, type FreshDatabase } from '../helpers/test-databases.js';

/** A Kysely over the raw database, without openStore's migrations (to build an old database). */
function rawKysely(dialect: StoreDialect, database: FreshDatabase): Kysely<any> {
  if (dialect === 'sqlite') return new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(database.options.sqlitePath!) }) });
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.options.databaseUrl }) }) });
}

async function columns(dialect: StoreDialect, db: Kysely<any>, table: string): Promise<Record<string, string>> {
  if (dialect === 'sqlite') {
    const rows = await sql<{ name: string; type: string }>`SELECT name, type FROM pragma_table_info(${table})`.execute(db);
    return Object.fromEntries(rows.rows.map((r) => [r.name, r.type.toLowerCase()]));
  }
  const rows = await sql<{ column_name: string; data_type: string }>`
    SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${table}`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.column_name, r.data_type]));
}

const LEDGER_V2_ROW = {
  request_id: 'req_old',
  created_at: '2025-01-02T03:04:05.000Z',
  key_name: 'ci',
  dialect: 'openai-chat',
  requested_model: 'large',
  model: 'gpt-4.1',
  provider: 'openai',
  stream: 1,
  status: 200,
  input_tokens: 1200,
  output_tokens: 300,
  cache_read_tokens: 100,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
  cost_nanos: 4_800_000,
  latency_ms: 812,
  error_code: null,
  route: 'reasoning',
  attempt: 2,
  attempts: 2,
  decision: 'priority: first healthy',
  usage_source: 'estimated',
  ttft_ms: 140,
};

describe.each(STORE_DIALECTS)('migrations on %s', (dialect) => {
  const databases = useTestDatabases(dialect);

  it('build the whole schema from scratch, once (reopening applies nothing again)', async () => {
    const database = await databases.fresh();
    const store = await databases.open(database);
    expect(store.dialect).toBe(dialect);
    expect(await appliedVersions(store.db)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(LATEST_SCHEMA_VERSION).toBe(6);
    const ledger = await columns(dialect, store.db, 'usage_ledger');
    const keys = await columns(dialect, store.db, 'api_keys');
    expect(Object.keys(await columns(dialect, store.db, 'teams')).sort()).toEqual(['created_at', 'id', 'name', 'policy', 'updated_at']);
    expect(Object.keys(await columns(dialect, store.db, 'team_credentials')).sort()).toEqual(['ciphertext', 'provider', 'team_id', 'updated_at']);
    for (const column of ['public_id', 'team_id', 'policy', 'expires_at', 'revoked_at', 'role']) expect(keys).toHaveProperty(column);
    for (const column of ['team_id', 'key_id', 'route', 'usage_source']) expect(ledger).toHaveProperty(column);
    // Money and token counts are 64-bit: SQLite's INTEGER is; PostgreSQL's columns are BIGINT.
    const wide = dialect === 'postgres' ? 'bigint' : 'integer';
    for (const column of ['cost_nanos', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens']) expect(ledger[column]).toBe(wide);
    if (dialect === 'postgres') expect(ledger.id).toBe('bigint');
    // v4: the request log of teams that log prompts.
    const logs = await columns(dialect, store.db, 'request_logs');
    expect(Object.keys(logs).sort()).toEqual(['created_at', 'id', 'key_id', 'model', 'request', 'request_id', 'status', 'team_id', 'truncated']);
    if (dialect === 'postgres') expect(logs.id).toBe('bigint');
    await store.close();

    const again = await databases.open(database);
    expect(await appliedVersions(again.db)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('store a cost beyond 2^32 nano-dollars per row exactly, and give ids that count up', async () => {
    const store = await databases.open();
    const big = 2 ** 53 - 1;
    for (const [i, cost] of [big, 5_000_000_000].entries()) {
      await store.db.insertInto('usage_ledger').values({ ...LEDGER_V2_ROW, request_id: `r${i}`, cost_nanos: cost, input_tokens: 3_000_000_000 }).execute();
    }
    const rows = await store.db.selectFrom('usage_ledger').select(['id', 'cost_nanos', 'input_tokens']).orderBy('id').execute();
    expect(rows.map((r) => r.cost_nanos)).toEqual([big, 5_000_000_000]);
    expect(rows.map((r) => r.input_tokens)).toEqual([3_000_000_000, 3_000_000_000]);
    expect(typeof rows[0].id).toBe('number');
    expect(rows[1].id).toBeGreaterThan(rows[0].id);
  });

  it('take a database created at version 2 (with rows) to version 3, keeping every row', async () => {
    const database = await databases.fresh();
    const old = rawKysely(dialect, database);
    await migrate(old, dialect, 2);
    expect(await appliedVersions(old)).toEqual([1, 2]);
    // The v2 shape: no teams, no public ids.
    expect(Object.keys(await columns(dialect, old, 'api_keys')).sort()).toEqual(['created_at', 'id', 'key_hash', 'key_prefix', 'name', 'role']);
    await old
      .insertInto('api_keys')
      .values([
        { name: 'master', key_hash: hashKey('sk-swy-old-master'), key_prefix: 'sk-swy-old-m', role: 'master', created_at: '2025-01-01T00:00:00.000Z' },
        { name: 'legacy', key_hash: hashKey('sk-swy-old-user'), key_prefix: 'sk-swy-old-u', role: 'user', created_at: '2025-01-01T00:00:01.000Z' },
      ])
      .execute();
    await old.insertInto('usage_ledger').values([LEDGER_V2_ROW, { ...LEDGER_V2_ROW, request_id: 'req_old_2', error_code: 'SWY_ERR_UPSTREAM', status: 502 }]).execute();
    await old.destroy();

    const store = await databases.open(database);
    expect(await appliedVersions(store.db)).toEqual([1, 2, 3, 4, 5, 6]);
    const keys = await store.db.selectFrom('api_keys').selectAll().orderBy('id').execute();
    expect(keys.map(({ public_id: _, id: __, ...rest }) => rest)).toEqual([
      { name: 'master', key_hash: hashKey('sk-swy-old-master'), key_prefix: 'sk-swy-old-m', role: 'master', created_at: '2025-01-01T00:00:00.000Z', team_id: null, policy: null, expires_at: null, revoked_at: null },
      { name: 'legacy', key_hash: hashKey('sk-swy-old-user'), key_prefix: 'sk-swy-old-u', role: 'user', created_at: '2025-01-01T00:00:01.000Z', team_id: null, policy: null, expires_at: null, revoked_at: null },
    ]);
    // Existing keys were given public ids, distinct, in the key_ format.
    for (const key of keys) expect(key.public_id).toMatch(/^key_[a-z2-7]{16}$/);
    expect(new Set(keys.map((k) => k.public_id)).size).toBe(2);

    const ledger = await store.db.selectFrom('usage_ledger').selectAll().orderBy('request_id').execute();
    expect(ledger.map(({ id: _, ...rest }) => rest)).toEqual([
      { ...LEDGER_V2_ROW, team_id: null, key_id: null, receipt: null, policy_hash: null },
      { ...LEDGER_V2_ROW, request_id: 'req_old_2', error_code: 'SWY_ERR_UPSTREAM', status: 502, team_id: null, key_id: null, receipt: null, policy_hash: null },
    ]);

    // The migrated rows work with the new code: the old master key is found by its hash as an admin key.
    const tenancy = new SqlTenancyStore(store);
    const master = await tenancy.findKeyByHash(hashKey('sk-swy-old-master'));
    expect(master).toMatchObject({ id: keys[0].public_id, name: 'master', role: 'admin', prefix: 'sk-swy-old-m', policy: {} });
    expect(master!.teamId).toBeUndefined();
    const team = await tenancy.createTeam({ name: 'after-migration', policy: { dataPolicy: { logPrompts: false, retentionDays: 7 }, cache: false } });
    expect((await tenancy.listTeams()).map((t) => t.id)).toEqual([team.id]);
  });

  it('find a key by its hash through an index', async () => {
    const store = await databases.open();
    if (dialect === 'sqlite') {
      const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT * FROM api_keys WHERE key_hash = ${'x'}`.execute(store.db);
      expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(/USING (COVERING )?INDEX/);
    } else {
      // An empty table is cheapest to scan; forbid that to see which index the lookup can use.
      const plan = await store.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        return sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT * FROM api_keys WHERE key_hash = ${'x'}`.execute(trx);
      });
      expect(plan.rows.map((r) => r['QUERY PLAN']).join(' ')).toMatch(/Index (Only )?Scan using api_keys_key_hash/);
    }
  });
});

describe('migrations on PostgreSQL, a fleet starting at once', () => {
  const databases = useTestDatabases('postgres');

  it('migrate once when three replicas open the same new database together', async () => {
    const database = await databases.fresh();
    const stores = await Promise.all([1, 2, 3].map(() => openStore(database.options)));
    for (const store of stores) databases.track(store);
    expect(await appliedVersions(stores[0].db)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
