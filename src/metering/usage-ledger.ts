import type { Insertable } from 'kysely';
import type { Database, Store } from '../storage/database.js';

export type LedgerEntry = Insertable<Database['usage_ledger']>;

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
  private closed = false;

  constructor(
    private readonly store: Store,
    options: UsageLedgerOptions = {},
  ) {
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
        // One transaction per batch: all rows land or none do (a retry never duplicates).
        // SQLite caps bound parameters per statement; 18 columns x 50 rows stays well below it.
        await this.store.db.transaction().execute(async (trx) => {
          for (let i = 0; i < batch.length; i += 50) {
            await trx.insertInto('usage_ledger').values(batch.slice(i, i + 50)).execute();
          }
        });
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
