import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Store } from '../storage/database.js';
import { closeRedis, connectRedis } from '../storage/redis.js';
import { SqlTenancyStore } from '../storage/tenancy-repository.js';
import { Admission, type BudgetAlert } from './admission.js';
import type { KeyRing } from './api-keys.js';
import { Authenticator } from './authenticator.js';
import { InMemoryBudgetStore, RedisBudgetStore } from './budget-store.js';
import { CredentialVault } from './credential-vault.js';
import type { BudgetStore, RateLimiter, TenancyBus } from './limits-types.js';
import { InMemoryRateLimiter, RedisRateLimiter } from './rate-limiter.js';
import { LocalTenancyBus, RedisTenancyBus } from './tenancy-bus.js';
import { RequestLog } from './request-log.js';

export interface TenancyRuntime {
  store: SqlTenancyStore;
  vault: CredentialVault;
  bus: TenancyBus;
  authenticator: Authenticator;
  admission: Admission;
  rateLimiter: RateLimiter;
  budgets: BudgetStore;
  /** Where shared counters live: this process, or Redis (a fleet). */
  mode: 'in-process' | 'redis';
  /** The fleet's Redis connection in 'redis' mode (closed by `close()`): other shared state may use it. */
  redis?: Redis;
  /** The prompts of teams whose data policy logs them; retention purge at start and hourly; flushed by `close()`. */
  requestLog: RequestLog;
  close(): Promise<void>;
}

export interface TenancyRuntimeOptions {
  config: ResolvedConfig;
  store: Store;
  keyRing: KeyRing;
  /** `redis://…`: counters, reservations and revocations shared by every replica. Unset: in-process. */
  redisUrl?: string;
  /** Key prefix in Redis (tests isolate themselves; replicas of one fleet share it). */
  redisPrefix?: string;
  env?: NodeJS.ProcessEnv;
  clock?: () => number;
  onBudgetAlert?: (alert: BudgetAlert) => void;
}

/**
 * Everything tenancy needs at run time, on one node (SQLite or PostgreSQL, counters in-process) or
 * in a fleet (PostgreSQL + Redis: exact counters, reservations that expire with their replica,
 * revocations broadcast to every replica's key cache).
 */
export async function startTenancy(options: TenancyRuntimeOptions): Promise<TenancyRuntime> {
  const { config } = options;
  const env = options.env ?? process.env;
  const store = new SqlTenancyStore(options.store);
  const vault = CredentialVault.fromEnvironment(env, options.store.dialect === 'sqlite' && options.store.sqlitePath ? join(config.storage.dataDir, 'secret.key') : undefined);
  let redis: Redis | undefined;
  let subscriber: RedisTenancyBus | undefined;
  let authenticatorRef: Authenticator | undefined;
  let rateLimiter: RateLimiter;
  let budgets: BudgetStore;
  let bus: TenancyBus;
  if (options.redisUrl) {
    const prefix = options.redisPrefix !== undefined ? { keyPrefix: options.redisPrefix } : {};
    // A command waits at most 10 s. A lost connection fails at once (no offline queue); the timeout is
    // only for a Redis that hangs, and it must not fire on a starved machine where the reply is already
    // in the socket but the event loop runs timers first (3 s did, on a loaded 2-core CI machine).
    // Named so an operator can tell a replica's connections apart in CLIENT LIST (`-sub`, `-health` for its subscribers).
    const connectionName = `switchyard-${(options.redisPrefix ?? 'swy:').replace(/[^A-Za-z0-9_.:-]/g, '_')}`;
    redis = await connectRedis(options.redisUrl, { ...prefix, commandTimeoutMs: 10_000, connectionName });
    rateLimiter = new RedisRateLimiter(redis);
    budgets = new RedisBudgetStore(redis);
    // After a reconnection, revocations published while it was down may be lost: drop every cached key.
    subscriber = new RedisTenancyBus(redis, { onResubscribed: () => authenticatorRef?.forgetAll() });
    await subscriber.start();
    bus = subscriber;
  } else {
    rateLimiter = new InMemoryRateLimiter();
    budgets = new InMemoryBudgetStore();
    bus = new LocalTenancyBus();
  }
  const authenticator = new Authenticator(options.keyRing, store, vault, bus, options.clock ? { clock: options.clock } : {});
  authenticatorRef = authenticator;
  const admission = new Admission({
    rateLimiter,
    budgets,
    store,
    // A reservation outlives any request (by default their total deadline plus a minute); then its replica is presumed dead.
    reservationTtlMs: config.limits.reservationTtlMs,
    canonicalName: (name) => (config.findRoute(name) ? `route:${name}` : `model:${config.findModel(name)?.id ?? name}`),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onBudgetAlert ? { onBudgetAlert: options.onBudgetAlert } : {}),
  });
  const requestLog = new RequestLog(options.store);
  requestLog.startRetention();
  return {
    requestLog,
    store,
    vault,
    bus,
    authenticator,
    admission,
    rateLimiter,
    budgets,
    mode: redis ? 'redis' : 'in-process',
    ...(redis ? { redis } : {}),
    async close() {
      await requestLog.close();
      await bus.close();
      await rateLimiter.close();
      await budgets.close();
      if (redis) await closeRedis(redis);
    },
  };
}
