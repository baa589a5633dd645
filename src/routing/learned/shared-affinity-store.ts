/**
 * Prompt-cache affinity shared by the replicas of a fleet through Redis, so that a conversation the load
 * balancer moves to another replica stays on the deployment holding its cache.
 *
 * Redis layout (under the client's key prefix, e.g. `swy:`): string `affinity:<conversation>` = the
 * deployment key, with `PX` = the cache's TTL (5 min or 1 h), written by SET after every successful
 * answer (which refreshes the TTL, as the provider's cache does).
 *
 * Redis never fails or stalls a request: a write is fire-and-forget (a failure is counted); a read is
 * bounded (`readTimeoutMs`, 50 ms by default) and on an error or timeout the replica's own map answers.
 * That map (an InMemoryAffinityStore) is updated on every write too, so a replica cut off from Redis
 * behaves as a replica alone does; it also answers when Redis has no entry (e.g. the write was lost).
 * A value read back is used only when it is a string of bounded length naming a deployment this replica
 * serves (`accept`); anything else is counted and ignored.
 */
import type { Redis } from 'ioredis';
import { AFFINITY_TTL_MS, InMemoryAffinityStore, type AffinityPolicy, type AffinityStore } from './cache-affinity.js';

const MAX_DEPLOYMENT_KEY = 512;

export interface RedisAffinityOptions {
  /** Deployments this replica serves: a value naming another one is ignored. */
  accept: (deployment: string) => boolean;
  /** A read with no answer after this long falls back to the local map (default 50 ms). */
  readTimeoutMs?: number;
  /** The replica's own map (default: a new one). */
  local?: InMemoryAffinityStore;
}

/** Counters for tests and diagnostics. */
export interface RedisAffinityStats {
  /** Reads Redis answered (with an entry or none). */
  reads: number;
  /** Reads that failed or timed out (the local map answered); timeouts are also counted apart. */
  readFailures: number;
  readTimeouts: number;
  /** Values read back that were not a known deployment key. */
  ignored: number;
  /** Writes Redis acknowledged, and those that failed. */
  writes: number;
  writeFailures: number;
}

export class RedisAffinityStore implements AffinityStore {
  readonly stats: RedisAffinityStats = { reads: 0, readFailures: 0, readTimeouts: 0, ignored: 0, writes: 0, writeFailures: 0 };
  readonly local: InMemoryAffinityStore;
  private readonly accept: (deployment: string) => boolean;
  private readonly readTimeoutMs: number;

  constructor(
    private readonly client: Redis,
    options: RedisAffinityOptions,
  ) {
    this.accept = options.accept;
    this.readTimeoutMs = options.readTimeoutMs ?? 50;
    this.local = options.local ?? new InMemoryAffinityStore();
  }

  async get(conversation: string, now: number): Promise<string | undefined> {
    const local = this.local.get(conversation, now);
    let value: unknown;
    try {
      value = await this.bounded(this.client.get(affinityKey(conversation)));
    } catch {
      this.stats.readFailures++;
      return local;
    }
    this.stats.reads++;
    if (value === null) return local;
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_DEPLOYMENT_KEY || !this.accept(value)) {
      this.stats.ignored++;
      return local;
    }
    return value;
  }

  set(conversation: string, deployment: string, ttl: AffinityPolicy['ttl'], now: number): Promise<void> {
    this.local.set(conversation, deployment, ttl, now);
    return this.client.set(affinityKey(conversation), deployment, 'PX', AFFINITY_TTL_MS[ttl]).then(
      () => {
        this.stats.writes++;
      },
      () => {
        this.stats.writeFailures++;
      },
    );
  }

  /** The command's reply, or a rejection once `readTimeoutMs` has passed without one. */
  private bounded<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.stats.readTimeouts++;
        reject(new Error(`no reply from Redis within ${this.readTimeoutMs} ms`));
      }, this.readTimeoutMs);
    });
    return Promise.race([command, timeout]).finally(() => clearTimeout(timer));
  }
}

/** The key of a conversation's entry, relative to the client's prefix. */
export function affinityKey(conversation: string): string {
  return `affinity:${conversation}`;
}
