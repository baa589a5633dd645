import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeCostNanos } from '../../src/metering/compute-cost.js';
import { UsageLedger, type LedgerEntry } from '../../src/metering/usage-ledger.js';
import { createLedgerWriter, LEDGER_THREAD_NICE } from '../../src/metering/ledger-writers.js';
import { openSqliteStore, SQLITE_PRAGMAS, type Store } from '../../src/storage/database.js';
import { useTestDatabases } from '../helpers/test-databases.js';

function entry(n: number): LedgerEntry {
  return {
    request_id: `req_${n}`,
    created_at: new Date(0).toISOString(),
    key_name: 'k',
    dialect: 'openai-chat',
    requested_model: 'm',
    model: 'm',
    provider: 'p',
    stream: 0,
    status: 200,
    input_tokens: n,
    output_tokens: 2 * n,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_nanos: 1000 * n,
    latency_ms: 1,
    error_code: null,
    route: null,
    attempt: 1,
    attempts: 1,
    decision: null,
    usage_source: 'reported',
    ttft_ms: null,
  };
}

async function count(store: Store): Promise<number> {
  const row = await store.db.selectFrom('usage_ledger').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'swy-ledger-')), 'ledger.db');

describe.each([
  ['a worker thread (SQLite file)', tempDb, (s: Store) => s],
  ['prepared statements inline (SQLite in memory)', () => ':memory:', (s: Store) => s],
  ['Kysely inserts (any SQL engine)', () => ':memory:', (s: Store): Store => ({ db: s.db, dialect: s.dialect, close: s.close })],
])('usage ledger via %s', (_name, path, view) => {
  it('batches writes, flushes when the batch is full, and loses nothing on close', async () => {
    const store = await openSqliteStore(path());
    const ledger = new UsageLedger(view(store), { batchSize: 10, flushIntervalMs: 60_000 });
    for (let i = 1; i <= 9; i++) ledger.record(entry(i));
    expect(await count(store)).toBe(0);
    expect(ledger.pending).toBe(9);
    ledger.record(entry(10)); // batch full: flush starts
    await ledger.flush();
    expect(await count(store)).toBe(10);
    for (let i = 11; i <= 133; i++) ledger.record(entry(i));
    await ledger.close();
    expect(await count(store)).toBe(133);
    const sum = await store.db.selectFrom('usage_ledger').select((eb) => eb.fn.sum<number>('cost_nanos').as('total')).executeTakeFirstOrThrow();
    expect(Number(sum.total)).toBe((1000 * 133 * 134) / 2);
    await store.close();
  });

  it('lands every column of every row as recorded, whatever the batch size (multi-row INSERTs and the remainder)', async () => {
    const store = await openSqliteStore(path());
    const ledger = new UsageLedger(view(store), { batchSize: 1000, flushIntervalMs: 60_000 });
    const recorded = Array.from({ length: 37 }, (_, i) => ({
      ...entry(i + 1),
      request_id: `req_${String(i + 1).padStart(3, '0')}`,
      status: 200 + i,
      route: i % 2 ? `route-${i}` : null,
      decision: `d${i}`,
      ttft_ms: i,
      team_id: `team_${i}`,
      key_id: null,
      receipt: i % 3 ? null : `{"n":${i}}`,
      policy_hash: i % 3 ? null : `h${i}`,
    }));
    for (const row of recorded) ledger.record(row);
    await ledger.close();
    const rows = await store.db.selectFrom('usage_ledger').selectAll().orderBy('request_id').execute();
    expect(rows).toHaveLength(37);
    for (let i = 0; i < 37; i++) {
      const { id: _id, ...stored } = rows[i] as Record<string, unknown>;
      expect(stored).toEqual(recorded[i]);
    }
    await store.close();
  });

  it('writes the team and key of each row (null when the caller has none)', async () => {
    const store = await openSqliteStore(path());
    const ledger = new UsageLedger(view(store), { batchSize: 1000, flushIntervalMs: 60_000 });
    ledger.record({ ...entry(1), team_id: 'team_aaaaaaaaaaaaaaaa', key_id: 'key_bbbbbbbbbbbbbbbb' });
    ledger.record(entry(2));
    await ledger.close();
    const rows = await store.db.selectFrom('usage_ledger').select(['request_id', 'team_id', 'key_id', 'ttft_ms', 'usage_source']).orderBy('request_id').execute();
    expect(rows).toEqual([
      { request_id: 'req_1', team_id: 'team_aaaaaaaaaaaaaaaa', key_id: 'key_bbbbbbbbbbbbbbbb', ttft_ms: null, usage_source: 'reported' },
      { request_id: 'req_2', team_id: null, key_id: null, ttft_ms: null, usage_source: 'reported' },
    ]);
    await store.close();
  });

  it('keeps a failed batch and writes it exactly once when the store recovers', async () => {
    const store = await openSqliteStore(path());
    await store.db.schema.alterTable('usage_ledger').renameTo('usage_ledger_away').execute();
    const ledger = new UsageLedger(view(store), { batchSize: 1000, flushIntervalMs: 60_000 });
    ledger.record(entry(1));
    ledger.record(entry(2));
    await ledger.flush(); // fails: table missing
    expect(ledger.pending).toBe(2);
    await store.db.schema.alterTable('usage_ledger_away').renameTo('usage_ledger').execute();
    ledger.record(entry(3));
    await ledger.close();
    const ids = (await store.db.selectFrom('usage_ledger').select('request_id').orderBy('request_id').execute()).map((r) => r.request_id);
    expect(ids).toEqual(['req_1', 'req_2', 'req_3']);
    await store.close();
  });
});

describe('usage ledger on PostgreSQL (multi-row INSERTs on the pg pool, one transaction a batch)', () => {
  const databases = useTestDatabases('postgres');

  it('batches writes, flushes when the batch is full, loses nothing on close, and keeps team and key', async () => {
    const store = await databases.open();
    expect(store.dialect).toBe('postgres');
    const ledger = new UsageLedger(store, { batchSize: 10, flushIntervalMs: 60_000 });
    for (let i = 1; i <= 9; i++) ledger.record(entry(i));
    expect(await count(store)).toBe(0);
    ledger.record({ ...entry(10), team_id: 'team_aaaaaaaaaaaaaaaa', key_id: 'key_bbbbbbbbbbbbbbbb' });
    await ledger.flush();
    expect(await count(store)).toBe(10);
    for (let i = 11; i <= 2_600; i++) ledger.record(entry(i)); // flushed in batches of 10, the rest on close
    await ledger.close();
    expect(await count(store)).toBe(2_600);
    const row = await store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', 'req_10').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ team_id: 'team_aaaaaaaaaaaaaaaa', key_id: 'key_bbbbbbbbbbbbbbbb', cost_nanos: 10_000, input_tokens: 10, attempt: 1, stream: 0 });
    expect(typeof row.id).toBe('number');
  });

  it('lands a batch whole or not at all, across its INSERT statements', async () => {
    const store = await databases.open();
    const writer = createLedgerWriter(store, 'auto');
    // 2,500 rows are three INSERT statements; the last row breaks a NOT NULL constraint.
    const batch = Array.from({ length: 2_500 }, (_, i) => entry(i + 1));
    batch[2_499] = { ...batch[2_499], status: null as unknown as number };
    await expect(writer.write(batch)).rejects.toThrow(/null value|not-null/i);
    expect(await count(store)).toBe(0);
    batch[2_499] = entry(2_500);
    await writer.write(batch);
    expect(await count(store)).toBe(2_500);
    // The pool is still usable after the failed transaction.
    await writer.write([entry(2_501)]);
    expect(await count(store)).toBe(2_501);
    await writer.close();
  });

  it('keeps a failed batch and writes it exactly once when the store recovers', async () => {
    const store = await databases.open();
    await store.db.schema.alterTable('usage_ledger').renameTo('usage_ledger_away').execute();
    const ledger = new UsageLedger(store, { batchSize: 1000, flushIntervalMs: 60_000 });
    ledger.record(entry(1));
    ledger.record(entry(2));
    await ledger.flush(); // fails: table missing
    expect(ledger.pending).toBe(2);
    await store.db.schema.alterTable('usage_ledger_away').renameTo('usage_ledger').execute();
    ledger.record(entry(3));
    await ledger.close();
    const ids = (await store.db.selectFrom('usage_ledger').select('request_id').orderBy('request_id').execute()).map((r) => r.request_id);
    expect(ids).toEqual(['req_1', 'req_2', 'req_3']);
  });
});

describe('cost', () => {
  it('is exact in integer nano-dollars, cache tokens at their own prices', () => {
    const pricing = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 };
    // 1000 input of which 600 cache read and 100 cache write; 200 output
    const nanos = computeCostNanos({ inputTokens: 1000, outputTokens: 200, cacheReadTokens: 600, cacheWriteTokens: 100 }, pricing);
    expect(nanos).toBe(300 * 3000 + 600 * 300 + 100 * 3750 + 200 * 15000);
    expect(computeCostNanos({ inputTokens: 7, outputTokens: 3 }, { inputPerMTok: 0.075, outputPerMTok: 0.3 })).toBe(7 * 75 + 3 * 300);
    expect(computeCostNanos({ inputTokens: 7, outputTokens: 3 }, undefined)).toBe(0);
  });
});

/** The nice value of each thread of this process (Linux /proc: field 19 of each task's stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('SQLite connection settings', () => {
  it('are applied to the store: WAL, NORMAL sync, a busy wait, temporary storage in memory (no statement-journal temp files)', async () => {
    const store = await openSqliteStore(tempDb());
    const read = (name: string) => store.sqlite!.pragma(name, { simple: true });
    expect(read('journal_mode')).toBe('wal');
    expect(read('synchronous')).toBe(1); // NORMAL
    expect(read('busy_timeout')).toBe(5000);
    expect(read('temp_store')).toBe(2); // MEMORY
    expect(SQLITE_PRAGMAS).toContain('temp_store = MEMORY'); // the writer thread's connection applies the same list
    await store.close();
  });
});

describe.runIf(existsSync('/proc/self/task'))('the ledger writer thread', () => {
  it('runs below the request path: its thread is reniced, the main thread is not', async () => {
    const mainBefore = getPriority();
    const lowered = Math.min(19, mainBefore + LEDGER_THREAD_NICE);
    expect(lowered).toBeGreaterThan(mainBefore); // a process already at nice 19 could not show it
    const niceBefore = threadNices().filter((nice) => nice === lowered).length;
    const store = await openSqliteStore(tempDb());
    const ledger = new UsageLedger(store, { batchSize: 1000, flushIntervalMs: 60_000 });
    ledger.record(entry(1));
    await ledger.flush(); // the worker has started and written
    expect(getPriority()).toBe(mainBefore);
    expect(threadNices().filter((nice) => nice === lowered).length).toBe(niceBefore + 1);
    await ledger.close();
    await store.close();
  });
});
