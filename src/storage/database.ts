import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type Generated } from 'kysely';

/** Tables of the embedded store. Money is integer nano-dollars (1 USD = 1,000,000,000) so per-token prices such as $0.075/MTok stay exact. */
export interface Database {
  api_keys: {
    id: Generated<number>;
    name: string;
    key_hash: string;
    /** First characters of the key, for display ("sk-swy-AbC…"). */
    key_prefix: string;
    role: string;
    created_at: string;
  };
  usage_ledger: {
    id: Generated<number>;
    request_id: string;
    created_at: string;
    key_name: string;
    dialect: string;
    requested_model: string;
    model: string;
    provider: string;
    stream: number;
    status: number;
    input_tokens: number;
    output_tokens: number;
    cache_read_tokens: number;
    cache_write_tokens: number;
    reasoning_tokens: number;
    cost_nanos: number;
    latency_ms: number;
    error_code: string | null;
    /** Added by migration 2: the route named, the attempt this row bills and how many the request made, the plan's reason, reported or estimated usage, time to first token. */
    route: string | null;
    attempt: number;
    attempts: number;
    decision: string | null;
    usage_source: string;
    ttft_ms: number | null;
  };
  schema_migrations: {
    version: number;
    applied_at: string;
  };
}

export interface Store {
  db: Kysely<Database>;
  /** The raw better-sqlite3 handle when the store is SQLite (hot-path writes use prepared statements). */
  sqlite?: SQLite.Database;
  /** The SQLite file (undefined for `:memory:`): other threads may open their own connection to it. */
  sqlitePath?: string;
  close(): Promise<void>;
}

/** Opens (and migrates) the SQLite store. `:memory:` gives a throwaway store for tests. */
export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db);
  return { db, sqlite, sqlitePath: path === ':memory:' ? undefined : path, close: () => db.destroy() };
}

/**
 * Versioned migrations, applied in order at start; each runs once (its version is recorded in
 * schema_migrations), so a column added later reaches an existing database. Version 1 is the original
 * schema (created only where missing, so databases from before versioning adopt it as they are).
 */
const MIGRATIONS: ReadonlyArray<{ version: number; up(db: Kysely<Database>): Promise<void> }> = [
  { version: 1, up: createInitialSchema },
  {
    version: 2,
    async up(db) {
      await db.schema.alterTable('usage_ledger').addColumn('route', 'text').execute();
      await db.schema.alterTable('usage_ledger').addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('usage_ledger').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('usage_ledger').addColumn('decision', 'text').execute();
      await db.schema.alterTable('usage_ledger').addColumn('usage_source', 'text', (c) => c.notNull().defaultTo('reported')).execute();
      await db.schema.alterTable('usage_ledger').addColumn('ttft_ms', 'integer').execute();
      await db.schema.createIndex('usage_ledger_request_id').ifNotExists().on('usage_ledger').column('request_id').execute();
    },
  },
];

export async function migrate(db: Kysely<Database>): Promise<void> {
  await db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
  const applied = new Set((await db.selectFrom('schema_migrations').select('version').execute()).map((row) => Number(row.version)));
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    await db.transaction().execute(async (trx) => {
      await migration.up(trx);
      await trx.insertInto('schema_migrations').values({ version: migration.version, applied_at: new Date().toISOString() }).execute();
    });
  }
}

async function createInitialSchema(db: Kysely<Database>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('usage_ledger')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('key_name', 'text', (c) => c.notNull())
    .addColumn('dialect', 'text', (c) => c.notNull())
    .addColumn('requested_model', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('stream', 'integer', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('input_tokens', 'integer', (c) => c.notNull())
    .addColumn('output_tokens', 'integer', (c) => c.notNull())
    .addColumn('cache_read_tokens', 'integer', (c) => c.notNull())
    .addColumn('cache_write_tokens', 'integer', (c) => c.notNull())
    .addColumn('reasoning_tokens', 'integer', (c) => c.notNull())
    .addColumn('cost_nanos', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .execute();
  await db.schema.createIndex('usage_ledger_created_at').ifNotExists().on('usage_ledger').column('created_at').execute();
}
