import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type ColumnDataType, type CreateTableBuilder, type Generated } from 'kysely';
import { newKeyId } from './ids.js';
import { isPostgresUrl, redactDatabaseUrl } from './database-url.js';

/**
 * Tables of the store (SQLite or PostgreSQL, same migrations). Money is integer nano-dollars
 * (1 USD = 1,000,000,000) so per-token prices such as $0.075/MTok stay exact; money and token counts
 * are 64-bit (SQLite integers are; PostgreSQL columns are BIGINT).
 */
export interface Database {
  api_keys: {
    /** Internal row id; the public one is `public_id`. */
    id: Generated<number>;
    name: string;
    key_hash: string;
    /** First characters of the key, for display ("sk-swy-AbC…"). */
    key_prefix: string;
    /** 'master' (the generated master key), 'admin' or 'team'. */
    role: string;
    created_at: string;
    /** Added by migration 3: `key_<random>`, the id the admin API and the ledger use (never the secret). */
    public_id: string;
    team_id: string | null;
    /** KeyPolicy as snake_case JSON (tenancy-repository.ts); null = no narrowing. */
    policy: string | null;
    expires_at: string | null;
    revoked_at: string | null;
  };
  teams: {
    /** `team_<random>`. */
    id: string;
    name: string;
    /** TeamPolicy as snake_case JSON (tenancy-repository.ts). */
    policy: string;
    created_at: string;
    updated_at: string;
  };
  team_credentials: {
    team_id: string;
    provider: string;
    /** Sealed by the credential vault; the store never sees the secret. */
    ciphertext: string;
    updated_at: string;
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
    /** Added by migration 3: the caller's team and key (public ids); null for keys without them (configured keys, rows from before). */
    team_id: string | null;
    key_id: string | null;
    /**
     * Added by migration 5: the decision receipt of a routed request (JSON: declared policy, every
     * candidate's scores, tie-break rule, choice) and the SHA-256 of its declared policy; null when the
     * strategy scores no declared criteria (priority, weighted …) or for rows other than the request's own.
     */
    receipt: string | null;
    policy_hash: string | null;
  };
  /**
   * Added by migration 4: the prompts of teams whose data policy logs them (request body as received,
   * credentials the gateway holds scrubbed), kept for the team's retention_days.
   */
  request_logs: {
    id: Generated<number>;
    request_id: string;
    /** ISO time the request ended. */
    created_at: string;
    team_id: string;
    key_id: string;
    /** The model or route the request named. */
    model: string;
    /** The HTTP status the client got. */
    status: number;
    /** The request body as JSON text, at most REQUEST_LOG_MAX_BYTES (64 KiB) of UTF-8. */
    request: string;
    /** 1 when `request` was cut to the cap (it is then a prefix, not valid JSON). */
    truncated: number;
  };
  routing_feedback: {
    request_id: string;
    team_id: string;
    model: string;
    task: string;
    cluster: number;
    score: number;
    predicted: number;
    residual: number;
    created_at: string;
  };
  schema_migrations: {
    version: number;
    applied_at: string;
  };
}

export type StoreDialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** The raw better-sqlite3 handle when the store is SQLite (hot-path writes use prepared statements). */
  sqlite?: SQLite.Database;
  /** The SQLite file (undefined for `:memory:`): other threads may open their own connection to it. */
  sqlitePath?: string;
  /** The pg pool when the store is PostgreSQL (the ledger writer runs its batches on it). */
  pgPool?: pg.Pool;
  close(): Promise<void>;
}

/**
 * A store that cannot be opened: unreachable database, failed authentication, a failed migration.
 * The message is one line, names the database (password redacted) and the cause; the CLI prints it
 * as `switchyard: <message>` and exits non-zero.
 */
export class StoreOpenError extends Error {
  readonly code = 'SWY_ERR_STORE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreOpenError';
  }
}

export interface OpenStoreOptions {
  /** `postgres://` or `postgresql://`: PostgreSQL. Unset: SQLite at sqlitePath. */
  databaseUrl?: string;
  /** SQLite file (`:memory:` for a throwaway store). Default `.switchyard/switchyard.db`. */
  sqlitePath?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/** Opens the store the options name and brings its schema to the latest version. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    if (!isPostgresUrl(options.databaseUrl)) {
      throw new StoreOpenError(`unsupported database URL ${redactDatabaseUrl(options.databaseUrl)}: only postgres:// and postgresql:// are supported`);
    }
    return openPostgresStore(options.databaseUrl, options);
  }
  return openSqliteStore(options.sqlitePath ?? '.switchyard/switchyard.db');
}

/**
 * Every SQLite connection the gateway opens (the store's and the ledger writer thread's): WAL with
 * NORMAL sync, a 5 s busy wait, and temporary storage in memory. The last matters on the ledger's
 * path: a multi-row INSERT into an indexed table keeps a statement journal, and in a temp file that
 * was ~380 pwrite calls per 256-row batch (strace) and ~30% of the writer's CPU per row.
 */
export const SQLITE_PRAGMAS: readonly string[] = ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', 'temp_store = MEMORY'];

/** Opens (and migrates) the SQLite store. `:memory:` gives a throwaway store for tests. */
export async function openSqliteStore(path: string): Promise<Store> {
  let sqlite: SQLite.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    sqlite = new SQLite(path);
    for (const pragma of SQLITE_PRAGMAS) sqlite.pragma(pragma);
  } catch (error) {
    throw new StoreOpenError(`cannot open the SQLite database at ${path}: ${oneLine(error)}`, { cause: error });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw new StoreOpenError(`cannot migrate the SQLite database at ${path}: ${oneLine(error)}`, { cause: error });
  }
  return { db, dialect: 'sqlite', sqlite, sqlitePath: path === ':memory:' ? undefined : path, close: () => db.destroy() };
}

/** int8 / bigint OID. */
const PG_INT8 = 20;

/**
 * Row fields of type BIGINT come back as numbers (one row's nano-dollars or tokens stay far below
 * 2^53); a value beyond 2^53 comes back as a bigint rather than silently rounded. Sums are not
 * int8 (SUM(bigint) is numeric, returned as text) and are read exactly by the callers.
 * Per pool, not pg's global type table, so other pg users in the process are unaffected.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_INT8 && format !== 'binary') {
      return (value: string) => {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : BigInt(value);
      };
    }
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

/**
 * Opens a PostgreSQL store: a pg Pool, one connection made at once so an unreachable server or a
 * refused login is reported here (one line, password redacted), then the migrations. The URL may
 * carry pg connection parameters, e.g. `?options=-c%20search_path%3Dswitchyard` for a schema.
 */
export async function openPostgresStore(databaseUrl: string, options: { poolSize?: number } = {}): Promise<Store> {
  const where = redactDatabaseUrl(databaseUrl);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000, types: pgTypes });
  } catch (error) {
    throw new StoreOpenError(`invalid database URL ${where}: ${oneLine(error)}`, { cause: error });
  }
  // An idle connection the server drops (restart, failover) is an 'error' event on the pool; without a
  // listener it would crash the process. The next query opens a fresh connection (or fails and says so).
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreOpenError(`cannot reach the database at ${where}: ${oneLine(error)}`, { cause: error });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db, 'postgres');
  } catch (error) {
    await db.destroy();
    throw new StoreOpenError(`cannot migrate the database at ${where}: ${oneLine(error)}`, { cause: error });
  }
  return { db, dialect: 'postgres', pgPool: pool, close: () => db.destroy() };
}

/** An error as one line: its message (or, for a connection error without one, the causes' messages or its code). */
function oneLine(error: unknown): string {
  let text = '';
  if (error instanceof AggregateError && error.errors.length > 0) {
    // Node's connection attempts to several addresses (localhost → ::1 and 127.0.0.1) fail as one AggregateError with an empty message.
    text = [...new Set(error.errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner))))].join('; ');
  }
  if (!text && error instanceof Error) text = error.message || String((error as { code?: unknown }).code ?? error.name);
  if (!text) text = String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Versioned migrations, applied in order at start; each runs once (its version is recorded in
 * schema_migrations), so a column added later reaches an existing database. The same list runs on both
 * dialects; where types differ (identity columns, 64-bit integers) a migration asks the dialect.
 * Version 1 is the original schema (created only where missing, so SQLite databases from before
 * versioning adopt it as they are).
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; up(db: Kysely<Database>, dialect: StoreDialect): Promise<void> }> = [
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
  { version: 3, up: addTeams },
  { version: 4, up: addRequestLogs },
  {
    version: 5,
    async up(db) {
      await db.schema.alterTable('usage_ledger').addColumn('receipt', 'text').execute();
      await db.schema.alterTable('usage_ledger').addColumn('policy_hash', 'text').execute();
    },
  },
  {
    version: 6,
    async up(db) {
      // Feedback on routed requests (POST /v1/feedback): one row per request, per team, for the online estimates.
      await db.schema
        .createTable('routing_feedback')
        .addColumn('request_id', 'text', (c) => c.primaryKey())
        .addColumn('team_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('task', 'text', (c) => c.notNull())
        .addColumn('cluster', 'integer', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('predicted', 'double precision', (c) => c.notNull())
        .addColumn('residual', 'double precision', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('routing_feedback_team').on('routing_feedback').columns(['team_id', 'model', 'task']).execute();
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Serialises migrations across the replicas of a fleet starting at once against one PostgreSQL database. */
const PG_MIGRATION_LOCK = 0x5377_7944; // "SwyD"

/**
 * Applies the migrations not yet applied, up to `targetVersion` (default: all; tests stop earlier to
 * build an old database). On PostgreSQL everything runs in one transaction holding an advisory lock,
 * so replicas starting together migrate once and the others then see the versions applied; on SQLite
 * each version is its own transaction.
 */
export async function migrate(db: Kysely<Database>, dialect: StoreDialect, targetVersion = LATEST_SCHEMA_VERSION): Promise<void> {
  if (dialect === 'postgres') {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(PG_MIGRATION_LOCK)})`.execute(trx);
      await applyMigrations(trx, dialect, targetVersion, false);
    });
  } else {
    await applyMigrations(db, dialect, targetVersion, true);
  }
}

async function applyMigrations(db: Kysely<Database>, dialect: StoreDialect, targetVersion: number, transactionEach: boolean): Promise<void> {
  await db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
  const applied = new Set((await db.selectFrom('schema_migrations').select('version').execute()).map((row) => Number(row.version)));
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version) || migration.version > targetVersion) continue;
    const apply = async (trx: Kysely<Database>) => {
      await migration.up(trx, dialect);
      await trx.insertInto('schema_migrations').values({ version: migration.version, applied_at: new Date().toISOString() }).execute();
    };
    if (transactionEach) await db.transaction().execute(apply);
    else await apply(db);
  }
}

/** The versions recorded as applied (ascending). */
export async function appliedVersions(db: Kysely<Database>): Promise<number[]> {
  const rows = await db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
  return rows.map((row) => Number(row.version));
}

/** 64-bit integers: SQLite's INTEGER already is; PostgreSQL's is 32-bit, so BIGINT. */
const int64 = (dialect: StoreDialect): ColumnDataType => (dialect === 'postgres' ? 'bigint' : 'integer');

async function createInitialSchema(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  const big = int64(dialect);
  // The row id: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL's BIGINT identity.
  const idColumn = (table: CreateTableBuilder<string, string>): CreateTableBuilder<string, string> =>
    dialect === 'postgres'
      ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await idColumn(db.schema.createTable('api_keys').ifNotExists())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await idColumn(db.schema.createTable('usage_ledger').ifNotExists())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('key_name', 'text', (c) => c.notNull())
    .addColumn('dialect', 'text', (c) => c.notNull())
    .addColumn('requested_model', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('stream', 'integer', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('input_tokens', big, (c) => c.notNull())
    .addColumn('output_tokens', big, (c) => c.notNull())
    .addColumn('cache_read_tokens', big, (c) => c.notNull())
    .addColumn('cache_write_tokens', big, (c) => c.notNull())
    .addColumn('reasoning_tokens', big, (c) => c.notNull())
    .addColumn('cost_nanos', big, (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .execute();
  await db.schema.createIndex('usage_ledger_created_at').ifNotExists().on('usage_ledger').column('created_at').execute();
}

/**
 * Version 3, teams: `teams`, `team_credentials` (BYOK ciphertext per provider), the public id, team,
 * policy, expiry and revocation of every key (existing keys get a generated `key_…` id), and the team
 * and key of every ledger row (null for rows from before), indexed for spend by team or key over time.
 */
async function addTeams(db: Kysely<Database>): Promise<void> {
  await db.schema
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('team_credentials')
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_credentials_pk', ['team_id', 'provider'])
    .execute();

  for (const column of ['public_id', 'team_id', 'policy', 'expires_at', 'revoked_at'] as const) {
    await db.schema.alterTable('api_keys').addColumn(column, 'text').execute();
  }
  const existing = await db.selectFrom('api_keys').select('id').execute();
  for (const row of existing) await db.updateTable('api_keys').set({ public_id: newKeyId() }).where('id', '=', row.id).execute();
  await db.schema.createIndex('api_keys_public_id').unique().on('api_keys').column('public_id').execute();
  await db.schema.createIndex('api_keys_team_id').on('api_keys').column('team_id').execute();

  await db.schema.alterTable('usage_ledger').addColumn('team_id', 'text').execute();
  await db.schema.alterTable('usage_ledger').addColumn('key_id', 'text').execute();
  await db.schema.createIndex('usage_ledger_team_created_at').on('usage_ledger').columns(['team_id', 'created_at']).execute();
  await db.schema.createIndex('usage_ledger_key_created_at').on('usage_ledger').columns(['key_id', 'created_at']).execute();
}

/**
 * Version 4, the request log: one row per logged request of a team whose data policy logs prompts,
 * indexed by team and time (the team's list and its retention purge) and by time (the admin's list).
 */
async function addRequestLogs(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  const table = db.schema.createTable('request_logs');
  const withId =
    dialect === 'postgres'
      ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await withId
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('request_logs_team_created_at').on('request_logs').columns(['team_id', 'created_at']).execute();
  await db.schema.createIndex('request_logs_created_at').on('request_logs').column('created_at').execute();
}
