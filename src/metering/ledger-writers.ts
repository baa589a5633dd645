import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SQLITE_PRAGMAS, type Store } from '../storage/database.js';
import type { LedgerEntry } from './usage-ledger.js';

/** Writes one batch of ledger entries; the batch lands whole or not at all. */
export interface LedgerWriter {
  write(batch: LedgerEntry[]): Promise<void>;
  close(): Promise<void>;
}

export const LEDGER_COLUMNS = [
  'request_id', 'created_at', 'key_name', 'dialect', 'requested_model', 'model', 'provider', 'stream', 'status',
  'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_nanos', 'latency_ms', 'error_code',
  'route', 'attempt', 'attempts', 'decision', 'usage_source', 'ttft_ms',
  'team_id', 'key_id',
  'receipt', 'policy_hash',
] as const satisfies ReadonlyArray<keyof LedgerEntry>;

/**
 * SQLite: rows per INSERT statement. One statement per 16 rows instead of per row halves the
 * insert's CPU (measured: ~7.7 → ~3.7 µs a row with the ledger's four indexes), a cost every request
 * pays in the writer thread. 27 columns x 16 rows = 432 parameters, far below SQLite's cap.
 */
const SQLITE_ROWS_PER_INSERT = 16;

function sqliteInsertSql(rows: number): string {
  const tuple = `(${LEDGER_COLUMNS.map(() => '?').join(', ')})`;
  return `INSERT INTO usage_ledger (${LEDGER_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

/** The batch's rows as one array of values, LEDGER_COLUMNS' order, absent values as null. */
export function flatten(batch: LedgerEntry[]): unknown[] {
  // Filled in order from empty, so the array stays packed: JSON.stringify walks a packed array on its
  // fast path, a holey one (`new Array(n)`) element by element through the generic property lookup.
  const values: unknown[] = [];
  let i = 0;
  // Named reads, one per column (test/unit/ledger-flatten.test.ts keeps them in LEDGER_COLUMNS' order):
  // `entry[column]` over 27 names was a megamorphic keyed load per value in the profile.
  for (const e of batch) {
    values[i++] = e.request_id ?? null;
    values[i++] = e.created_at ?? null;
    values[i++] = e.key_name ?? null;
    values[i++] = e.dialect ?? null;
    values[i++] = e.requested_model ?? null;
    values[i++] = e.model ?? null;
    values[i++] = e.provider ?? null;
    values[i++] = e.stream ?? null;
    values[i++] = e.status ?? null;
    values[i++] = e.input_tokens ?? null;
    values[i++] = e.output_tokens ?? null;
    values[i++] = e.cache_read_tokens ?? null;
    values[i++] = e.cache_write_tokens ?? null;
    values[i++] = e.reasoning_tokens ?? null;
    values[i++] = e.cost_nanos ?? null;
    values[i++] = e.latency_ms ?? null;
    values[i++] = e.error_code ?? null;
    values[i++] = e.route ?? null;
    values[i++] = e.attempt ?? null;
    values[i++] = e.attempts ?? null;
    values[i++] = e.decision ?? null;
    values[i++] = e.usage_source ?? null;
    values[i++] = e.ttft_ms ?? null;
    values[i++] = e.team_id ?? null;
    values[i++] = e.key_id ?? null;
    values[i++] = e.receipt ?? null;
    values[i++] = e.policy_hash ?? null;
  }
  return values;
}


/**
 * - SQLite file: a worker thread with its own connection runs the inserts. Measured in the bench, an
 *   inline batch blocks the event loop 0.7–1.2 ms and a WAL checkpoint 8–14 ms, both straight into the
 *   gateway's p99; in a worker they block nobody.
 * - SQLite in memory (tests): the same prepared statement, inline.
 * - PostgreSQL: multi-row INSERTs with positional parameters straight on the pg pool, in one
 *   transaction (the server does the work; the event loop only builds the parameter array).
 * - any other engine: Kysely multi-row inserts in one transaction.
 */
export function createLedgerWriter(store: Store, mode: 'auto' | 'thread' | 'inline'): LedgerWriter {
  if (store.sqlite && store.sqlitePath && mode !== 'inline') return new ThreadLedgerWriter(store.sqlitePath);
  if (store.sqlite) return inlineSqliteWriter(store.sqlite);
  if (store.pgPool) return postgresWriter(store.pgPool);
  return {
    write: (batch) =>
      // SQL engines cap bound parameters per statement; 25 columns x 50 rows stays below every cap.
      store.db.transaction().execute(async (trx) => {
        for (let i = 0; i < batch.length; i += 50) await trx.insertInto('usage_ledger').values(batch.slice(i, i + 50)).execute();
      }),
    close: async () => undefined,
  };
}

/** Rows per INSERT on PostgreSQL: 25 columns x 1000 rows = 25,000 parameters, below its 65,535 cap. */
const PG_ROWS_PER_INSERT = 1000;

/** `INSERT … VALUES ($1, …), (…)` for n rows, built once per row count. */
const pgInsertSql = (() => {
  const cache = new Map<number, string>();
  const width = LEDGER_COLUMNS.length;
  return (rows: number): string => {
    let text = cache.get(rows);
    if (text === undefined) {
      const tuples: string[] = new Array(rows);
      for (let r = 0; r < rows; r++) tuples[r] = `(${LEDGER_COLUMNS.map((_, c) => `$${r * width + c + 1}`).join(', ')})`;
      text = `INSERT INTO usage_ledger (${LEDGER_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
      if (cache.size < 64) cache.set(rows, text);
    }
    return text;
  };
})();

function postgresWriter(pool: NonNullable<Store['pgPool']>): LedgerWriter {
  return {
    async write(batch) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        for (let i = 0; i < batch.length; i += PG_ROWS_PER_INSERT) {
          const rows = batch.slice(i, i + PG_ROWS_PER_INSERT);
          await client.query(pgInsertSql(rows.length), flatten(rows));
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true; // the connection itself failed: do not return it to the pool
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: async () => undefined,
  };
}

function inlineSqliteWriter(sqlite: NonNullable<Store['sqlite']>): LedgerWriter {
  const prepare = () => {
    const many = sqlite.prepare(sqliteInsertSql(SQLITE_ROWS_PER_INSERT));
    const one = sqlite.prepare(sqliteInsertSql(1));
    return sqlite.transaction((values: unknown[]) => insertFlat(values, LEDGER_COLUMNS.length, SQLITE_ROWS_PER_INSERT, many, one));
  };
  let insertAll: ReturnType<typeof prepare> | undefined;
  return {
    async write(batch) {
      try {
        insertAll ??= prepare();
        insertAll(flatten(batch));
      } catch (error) {
        insertAll = undefined; // prepared again next time (the schema may have changed)
        throw error;
      }
    },
    close: async () => undefined,
  };
}

/** How much lower the ledger writer thread's priority is than the process's (Linux nice values are per thread). */
export const LEDGER_THREAD_NICE = 10;

/**
 * Inserts flattened rows: `perInsert` at a time with `many`, the rest one by one with `one` (the worker
 * does the same). The values go as arguments, not as one array: better-sqlite3 reads an array's
 * elements through V8's API, a generic lookup per value (with the packed array above, ~4% of a
 * team-key request's instructions in bench/instructions.mjs).
 */
function insertFlat(values: unknown[], width: number, perInsert: number, many: { run(...values: unknown[]): unknown }, one: { run(...values: unknown[]): unknown }): void {
  const chunk = width * perInsert;
  let i = 0;
  for (; i + chunk <= values.length; i += chunk) many.run(...values.slice(i, i + chunk));
  for (; i < values.length; i += width) one.run(...values.slice(i, i + width));
}

/**
 * The worker's code, evaluated as a CommonJS script so it runs the same from src/ (tests) and dist/.
 * It takes `{id, json}` (the batch's rows flattened into one array and sent as JSON text: structured
 * cloning the values cost the main thread ~7 µs a row in profiles, one string copy almost nothing) and
 * answers `{id}` or `{id, error}`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// Background work: below the request path's priority (on Linux the nice value is per thread, and 0
// means the calling thread), so an insert batch or a WAL checkpoint does not take the core from requests
// when they share one. Measured on one pinned core at 1,000 req/s: p99 27-57 ms before, 8-10 ms after.
// Elsewhere (macOS) the nice value is per process: the whole gateway would be lowered, so only on Linux.
if (process.platform === 'linux') try { const os = require('node:os'); os.setPriority(0, Math.min(19, os.getPriority(0) + workerData.nice)); } catch {}
const db = new Database(workerData.path);
for (const pragma of workerData.pragmas) db.pragma(pragma);
const width = workerData.width;
const perInsert = workerData.perInsert;
let insertAll;
const prepare = () => {
  const many = db.prepare(workerData.manySql);
  const one = db.prepare(workerData.oneSql);
  return db.transaction((values) => {
    const chunk = width * perInsert;
    let i = 0;
    for (; i + chunk <= values.length; i += chunk) many.run(...values.slice(i, i + chunk));
    for (; i < values.length; i += width) one.run(...values.slice(i, i + width));
  });
};
parentPort.on('message', ({ id, json }) => {
  try {
    insertAll = insertAll || prepare();
    insertAll(JSON.parse(json));
    parentPort.postMessage({ id });
  } catch (error) {
    insertAll = undefined;
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

class ThreadLedgerWriter implements LedgerWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private nextId = 0;

  constructor(path: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, pragmas: SQLITE_PRAGMAS, nice: LEDGER_THREAD_NICE, manySql: sqliteInsertSql(SQLITE_ROWS_PER_INSERT), oneSql: sqliteInsertSql(1), perInsert: SQLITE_ROWS_PER_INSERT, width: LEDGER_COLUMNS.length } });
    this.worker.unref();
    this.worker.on('message', ({ id, error }: { id: number; error?: string }) => {
      const waiter = this.waiting.get(id);
      this.waiting.delete(id);
      if (error === undefined) waiter?.resolve();
      else waiter?.reject(new Error(`usage ledger write failed: ${error}`));
    });
    const failAll = (error: Error) => {
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`usage ledger worker exited (${code})`)));
  }

  write(batch: LedgerEntry[]): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref(); // keep the process alive while a batch is in flight
      this.worker.postMessage({ id, json: JSON.stringify(flatten(batch)) });
    }).finally(() => {
      if (this.waiting.size === 0) this.worker.unref();
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
