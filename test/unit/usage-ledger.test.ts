import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeCostNanos } from '../../src/metering/compute-cost.js';
import { UsageLedger, type LedgerEntry } from '../../src/metering/usage-ledger.js';
import { openSqliteStore, type Store } from '../../src/storage/database.js';

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
  ['Kysely inserts (any SQL engine)', () => ':memory:', (s: Store) => ({ db: s.db, close: s.close })],
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
