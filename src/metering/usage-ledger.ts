import type { Insertable } from 'kysely';
import type { Database, Store } from '../storage/database.js';

export type LedgerEntry = Insertable<Database['usage_ledger']>;

const COLUMNS = [
  'request_id', 'created_at', 'key_name', 'dialect', 'requested_model', 'model', 'provider', 'stream', 'status',
  'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_nanos', 'latency_ms', 'error_code',
] as const satisfies ReadonlyArray<keyof LedgerEntry>;

type BatchWriter = (batch: LedgerEntry[]) => Promise<void>;

/**
 * On SQLite, one prepared statement run per row inside one transaction (no query building per flush);
 * elsewhere Kysely multi-row inserts in one transaction. Either way a batch lands whole or not at all.
 */
function batchWriter(store: Store): BatchWriter {
  const sqlite = store.sqlite;
  if (sqlite) {
    const prepare = () => {
      const insert = sqlite.prepare(`INSERT INTO usage_ledger (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
      const values: unknown[] = new Array(COLUMNS.length);
      return sqlite.transaction((batch: LedgerEntry[]) => {
        for (const entry of batch) {
          for (let i = 0; i < COLUMNS.length; i++) values[i] = entry[COLUMNS[i]] ?? null;
          insert.run(values);
        }
      });
    };
    let insertAll: ReturnType<typeof prepare> | undefined;
    return async (batch) => {
      try {
        insertAll ??= prepare();
        insertAll(batch);
      } catch (error) {
        insertAll = undefined; // prepared again on the next flush (the schema may have changed)
        throw error;
      }
    };
  }
  return (batch) =>
    // SQL engines cap bound parameters per statement; 17 columns x 50 rows stays well below every cap.
    store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < batch.length; i += 50) await trx.insertInto('usage_ledger').values(batch.slice(i, i + 50)).execute();
    });
}

export interface UsageLedgerOptions {
  /** Flush when this many entries are queued. */
  batchSize?: number;
  /** Flush at least this often (ms). */
  flushIntervalMs?: number;
}

/**
 * Batched usage ledger. `record` is synchronous and cheap (the hot path only pushes onto an array);
 * entries are written in one multi-row insert per batch. `close` flushes what is queued, so a
 * graceful shutdown loses nothing. A failed write is retried on the next flush rather than dropped.
 */
export class UsageLedger {
  private queue: LedgerEntry[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly write: BatchWriter;
  private closed = false;

  constructor(store: Store, options: UsageLedgerOptions = {}) {
    this.write = batchWriter(store);
    this.batchSize = options.batchSize ?? 256;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  record(entry: LedgerEntry): void {
    this.queue.push(entry);
    if (this.queue.length >= this.batchSize) void this.flush();
  }

  get pending(): number {
    return this.queue.length;
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = (async () => {
      try {
        // All rows of a batch land or none do, so the retry after a failure never duplicates.
        await this.write(batch);
      } catch (error) {
        this.queue = batch.concat(this.queue);
        if (this.closed) throw error;
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    while (this.flushing) await this.flushing;
    await this.flush();
  }
}
