import { credentialSecrets } from '../providers/credentials.js';
import type { Store } from '../storage/database.js';
import { REQUEST_LOG_MAX_BYTES, SqlRequestLogStore, type RequestLogInsert } from '../storage/request-log-repository.js';
import { redactRegisteredSecrets, redactSecrets } from '../spec/redact-secrets.js';
import type { Caller } from './api-keys.js';

/** What the chat pipeline hands over for one request of a team that logs prompts. */
export interface RequestLogSink {
  record(entry: { requestId: string; caller: Caller; body: Record<string, unknown>; status: number }): void;
}

/** Queued, not yet written: the body is kept by reference and serialised only when its batch is written. */
interface Pending {
  requestId: string;
  caller: Caller;
  body: Record<string, unknown>;
  status: number;
  at: number;
}

export interface RequestLogOptions {
  /** Write when this many requests are queued (default 128). */
  batchSize?: number;
  /** Write at least this often (ms, default 500). */
  flushIntervalMs?: number;
  /** Requests kept waiting at most while the database refuses writes; older ones are dropped (default 10,000). */
  maxPending?: number;
  /** How often the retention purge runs after the first one at start (ms, default one hour). */
  purgeIntervalMs?: number;
  clock?: () => number;
}

/** A gateway key (`sk-swy-` + 32 base64url characters) anywhere in a prompt: a credential, never stored. */
const GATEWAY_KEY = /sk-swy-[A-Za-z0-9_-]{20,}/g;

/** Scanned beyond the cap so a secret across the cut is recognised whole before the text is cut. */
const SCAN_MARGIN_CHARS = 16 * 1024;

/**
 * The request log of teams whose data policy has `log_prompts`: the request body as received, with
 * the final status, for the team's `retention_days`.
 *
 * The hot path only pushes a reference (`record`); a batch is serialised, scrubbed of every credential
 * the gateway holds (registered secrets, the team's own provider keys, gateway keys), cut to 64 KiB and
 * inserted every 500 ms or 128 requests, off the request path, like the usage ledger. A failed batch is
 * retried on the next flush; `close()` writes what is queued. Unlike the ledger the log is best-effort
 * under a long database outage: past `maxPending` waiting requests the oldest are dropped.
 *
 * Retention: `startRetention()` purges at once and then every hour (an unref'd timer); the purge is
 * idempotent, so every replica of a fleet may run it.
 */
export class RequestLog implements RequestLogSink {
  readonly store: SqlRequestLogStore;
  private queue: Pending[] = [];
  private readonly timer: NodeJS.Timeout;
  private purgeTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private purging: Promise<number> | undefined;
  private readonly batchSize: number;
  private readonly maxPending: number;
  private readonly clock: () => number;
  private closed = false;
  /** Requests dropped because the queue was full (a database refusing writes for long). */
  dropped = 0;

  constructor(
    store: Pick<Store, 'db'>,
    private readonly options: RequestLogOptions = {},
  ) {
    this.store = new SqlRequestLogStore(store);
    this.batchSize = options.batchSize ?? 128;
    this.maxPending = options.maxPending ?? 10_000;
    this.clock = options.clock ?? Date.now;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), options.flushIntervalMs ?? 500);
    this.timer.unref();
  }

  /** Hot path: keeps references only (no serialisation, no copy). */
  record(entry: { requestId: string; caller: Caller; body: Record<string, unknown>; status: number }): void {
    if (this.closed) return;
    this.queue.push({ requestId: entry.requestId, caller: entry.caller, body: entry.body, status: entry.status, at: this.clock() });
    if (this.queue.length > this.maxPending) {
      this.dropped += this.queue.length - this.maxPending;
      this.queue.splice(0, this.queue.length - this.maxPending);
    }
    if (this.queue.length >= this.batchSize) void this.flush().catch(() => undefined);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Writes what is queued (one batch at a time; a failed batch goes back to the queue and the error is thrown). */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = (async () => {
      try {
        await this.store.insert(batch.map(toRow));
      } catch (error) {
        this.queue = batch.concat(this.queue);
        throw error;
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** Deletes every team's rows older than its retention (see SqlRequestLogStore.purgeExpired). */
  purge(now: Date = new Date(this.clock())): Promise<number> {
    if (this.purging) return this.purging;
    this.purging = this.store.purgeExpired(now).finally(() => {
      this.purging = undefined;
    });
    return this.purging;
  }

  /** Purges now and then every `purgeIntervalMs` (one hour); a failed purge is reported on stderr and tried again next time. */
  startRetention(): void {
    if (this.purgeTimer || this.closed) return;
    const run = () => {
      if (this.closed) return;
      this.purge().catch((error: unknown) => {
        if (this.closed) return;
        process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'request log purge failed', error: redactSecrets(String((error as Error)?.message ?? error), 500) })}\n`);
      });
    };
    run();
    this.purgeTimer = setInterval(run, this.options.purgeIntervalMs ?? 3_600_000);
    this.purgeTimer.unref();
  }

  /**
   * Stops the timers, waits for a running purge and writes everything queued. A last batch the
   * database refuses is reported on stderr, not thrown: the log never stops a shutdown.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await this.purging?.catch(() => undefined);
    while (this.flushing) await this.flushing.catch(() => undefined);
    try {
      await this.flush();
    } catch (error) {
      process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'request log not written at shutdown', requests: this.queue.length, error: redactSecrets(String((error as Error)?.message ?? error), 500) })}\n`);
    }
  }
}

/** One queued request as a row: serialised, scrubbed, cut to the cap. */
function toRow(entry: Pending): RequestLogInsert {
  const { text, truncated } = storedBody(entry.body, ownSecrets(entry.caller));
  const model = entry.body.model;
  return {
    request_id: entry.requestId,
    created_at: new Date(entry.at).toISOString(),
    team_id: entry.caller.teamId ?? '',
    key_id: entry.caller.keyId ?? '',
    model: typeof model === 'string' ? model : model === undefined ? 'default' : '',
    status: entry.status,
    request: text,
    truncated: truncated ? 1 : 0,
  };
}

/** The team's own provider credentials (bring-your-own-key), scrubbed even when the redactor's bounded call-secret registry forgot them. */
function ownSecrets(caller: Caller): string[] {
  const credentials = caller.tenant?.credentials;
  if (!credentials || credentials.size === 0) return [];
  const secrets: string[] = [];
  for (const value of credentials.values()) secrets.push(...credentialSecrets(value));
  return secrets;
}

/**
 * The body as JSON text with every credential the gateway holds replaced by `[redacted]`, at most
 * REQUEST_LOG_MAX_BYTES of UTF-8 (cut on a character boundary, `truncated` then true).
 */
export function storedBody(body: unknown, extraSecrets: readonly string[] = []): { text: string; truncated: boolean } {
  let text: string;
  try {
    text = JSON.stringify(body) ?? 'null';
  } catch {
    text = '"[unserialisable request body]"';
  }
  // A string of n characters has at least n UTF-8 bytes: past cap + margin characters the rest cannot be stored.
  let cut = false;
  if (text.length > REQUEST_LOG_MAX_BYTES + SCAN_MARGIN_CHARS) {
    text = text.slice(0, REQUEST_LOG_MAX_BYTES + SCAN_MARGIN_CHARS);
    cut = true;
  }
  text = redactRegisteredSecrets(text, extraSecrets).replace(GATEWAY_KEY, '[redacted]');
  // At most 3 bytes per UTF-16 unit: below a third of the cap no byte count is needed.
  if (text.length * 3 <= REQUEST_LOG_MAX_BYTES) return { text, truncated: cut };
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= REQUEST_LOG_MAX_BYTES) return { text, truncated: cut };
  let end = REQUEST_LOG_MAX_BYTES;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // do not split a multi-byte character
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}
