import type { Insertable } from 'kysely';
import type { Database, Store } from '../storage/database.js';
import { createLedgerWriter, type LedgerWriter } from './ledger-writers.js';

export type LedgerEntry = Insertable<Database['usage_ledger']>;

export interface UsageLedgerOptions {
  /** Flush when this many entries are queued. */
  batchSize?: number;
  /** Flush at least this often (ms). */
  flushIntervalMs?: number;
  /** Where SQLite writes run; 'auto' = a worker thread for file databases. */
  writer?: 'auto' | 'thread' | 'inline';
}

/**
 * Batched usage ledger. `record` is synchronous and cheap (the hot path only pushes onto an array);
 * entries are written a batch at a time (see ledger-writers.ts; on a SQLite file, in a worker thread). `close` flushes what is queued, so a
 * graceful shutdown loses nothing. A failed write is retried on the next flush rather than dropped.
 */
export class UsageLedger {
  private queue: LedgerEntry[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly writer: LedgerWriter;
  private closed = false;

  constructor(store: Store, options: UsageLedgerOptions = {}) {
    this.writer = createLedgerWriter(store, options.writer ?? 'auto');
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
        await this.writer.write(batch);
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
    try {
      await this.flush();
    } finally {
      await this.writer.close();
    }
  }
}
