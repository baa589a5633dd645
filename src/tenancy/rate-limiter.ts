/**
 * Rate limits in fixed one-minute windows aligned to the epoch minute (`RATE_WINDOW_MS`).
 *
 * `InMemoryRateLimiter` (one process): one entry per counter name holding its current window and the
 * amount used in it; an entry of an older window is reset when its counter is next used, and entries
 * not used since the previous window are swept when the clock enters a new window (memory ∝ counters
 * used in the last two minutes). Answers synchronously.
 *
 * `RedisRateLimiter` (a fleet): one counter key per name and window,
 * `<prefix><check.key>:<window index>` (window index = floor(ms / 60 000)), e.g.
 * `swy:rl:key:key_ab12:rpm:29612345`. One Lua script per `consume` (EVALSHA, EVAL on NOSCRIPT, via
 * ioredis `defineCommand`): it reads every counter, and only if each `used + cost ≤ limit` it INCRBYs
 * every cost and PEXPIREs each key to the end of its window + 10 s slack (relative to the caller's
 * clock, so the key's life does not depend on the Redis clock); otherwise it writes nothing. Redis runs
 * a script alone, so concurrent consumes from any number of replicas never exceed a limit. `adjust` is
 * a second script: INCRBY in the named window's key only if that key still exists, clamped at 0.
 * Round trips: one per `consume`, one per `adjust`. Any Redis failure → `LimitsUnavailableError`.
 *
 * Header values: each `RateState` gives `limit`, `remaining` (after this request; 0 for the check that
 * refused) and `resetAtMs` (end of the window) for `x-ratelimit-limit-*`, `-remaining-*`, `-reset-*`.
 */
import type { Redis } from 'ioredis';
import { closeRedis, describeRedisFailure } from '../storage/redis.js';
import { LimitsUnavailableError, RATE_WINDOW_MS, type RateCheck, type RateDecision, type RateLimiter, type RateState } from './limits-types.js';

/** Window start (epoch ms) of the window holding `nowMs`. */
export function rateWindowStart(nowMs: number): number {
  return Math.floor(nowMs / RATE_WINDOW_MS) * RATE_WINDOW_MS;
}

interface WindowCounter {
  windowStartMs: number;
  used: number;
}

export class InMemoryRateLimiter implements RateLimiter {
  private readonly counters = new Map<string, WindowCounter>();
  /** Window start of the latest sweep: entries older than the window before it are dropped. */
  private sweptWindowMs = Number.NEGATIVE_INFINITY;

  /** Counters currently held (for tests and metrics). */
  get size(): number {
    return this.counters.size;
  }

  consume(checks: readonly RateCheck[], nowMs: number): RateDecision {
    const windowStartMs = rateWindowStart(nowMs);
    if (windowStartMs > this.sweptWindowMs) this.sweep(windowStartMs);
    const n = checks.length;
    const entries: WindowCounter[] = new Array(n);
    // Check everything first: all or nothing.
    for (let i = 0; i < n; i++) {
      const check = checks[i];
      let entry = this.counters.get(check.key);
      if (entry === undefined) {
        entry = { windowStartMs, used: 0 };
        this.counters.set(check.key, entry);
      } else if (entry.windowStartMs < windowStartMs) {
        entry.windowStartMs = windowStartMs;
        entry.used = 0;
      }
      // An entry already in a later window (a caller whose clock reading is a little older) counts there.
      entries[i] = entry;
      if (entry.used + check.cost > check.limit) return this.refusal(checks, entries, i, nowMs);
    }
    const states: RateState[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const entry = entries[i];
      const check = checks[i];
      entry.used += check.cost;
      states[i] = { key: check.key, limit: check.limit, remaining: Math.max(0, check.limit - entry.used), resetAtMs: entry.windowStartMs + RATE_WINDOW_MS };
    }
    return { allowed: true, retryAfterMs: 0, states };
  }

  private refusal(checks: readonly RateCheck[], entries: WindowCounter[], refused: number, nowMs: number): RateDecision {
    const states: RateState[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i];
      let entry = entries[i];
      if (entry === undefined) {
        // Not reached by the check loop: report what it holds without creating anything.
        const held = this.counters.get(check.key);
        const windowStartMs = rateWindowStart(nowMs);
        entry = held !== undefined && held.windowStartMs >= windowStartMs ? held : { windowStartMs, used: 0 };
      }
      const remaining = i === refused ? 0 : Math.max(0, check.limit - entry.used);
      states[i] = { key: check.key, limit: check.limit, remaining, resetAtMs: entry.windowStartMs + RATE_WINDOW_MS };
    }
    const resetAtMs = states[refused].resetAtMs;
    return { allowed: false, refusedKey: checks[refused].key, retryAfterMs: Math.max(0, resetAtMs - nowMs), states };
  }

  adjust(key: string, windowStartMs: number, delta: number): void {
    const entry = this.counters.get(key);
    if (entry === undefined || entry.windowStartMs !== rateWindowStart(windowStartMs)) return;
    entry.used = Math.max(0, entry.used + delta);
  }

  /** Drops counters last used before the previous window (they would be reset on their next use anyway). */
  private sweep(windowStartMs: number): void {
    this.sweptWindowMs = windowStartMs;
    const oldest = windowStartMs - RATE_WINDOW_MS;
    for (const [key, entry] of this.counters) if (entry.windowStartMs < oldest) this.counters.delete(key);
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}

/** How long a window's key outlives its window (late `adjust` calls still find it). */
export const RATE_KEY_SLACK_MS = 10_000;

/*
 * KEYS[i]: counter of check i in the current window. ARGV[1]: PEXPIRE ms (window end + slack − now);
 * ARGV[2i], ARGV[2i+1]: limit and cost of check i (integers).
 * Returns {allowed (1|0), refused index (0 when allowed), used_1, …, used_n} where used is after this
 * request when allowed, else what each counter held.
 */
const CONSUME_LUA = `
local n = #KEYS
local used = {}
local refused = 0
for i = 1, n do
  local u = tonumber(redis.call('GET', KEYS[i]) or '0')
  used[i] = u
  if refused == 0 and u + tonumber(ARGV[2 * i + 1]) > tonumber(ARGV[2 * i]) then refused = i end
end
if refused > 0 then
  return {0, refused, unpack(used)}
end
for i = 1, n do
  local cost = ARGV[2 * i + 1]
  if cost ~= '0' then
    used[i] = redis.call('INCRBY', KEYS[i], cost)
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
  end
end
return {1, 0, unpack(used)}
`;

/* KEYS[1]: a window's counter; ARGV[1]: delta (integer, may be negative). Only an existing key changes; never below 0. */
const ADJUST_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v < 0 then redis.call('SET', KEYS[1], '0', 'KEEPTTL') end
return 1
`;

interface RateScripts {
  swyRateConsume(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  swyRateAdjust(key: string, delta: string): Promise<number>;
}

function defineRateScripts(client: Redis): RateScripts {
  const scripted = client as unknown as Partial<RateScripts>;
  if (typeof scripted.swyRateConsume !== 'function') client.defineCommand('swyRateConsume', { lua: CONSUME_LUA });
  if (typeof scripted.swyRateAdjust !== 'function') client.defineCommand('swyRateAdjust', { lua: ADJUST_LUA, numberOfKeys: 1 });
  return client as unknown as RateScripts;
}

function unavailable(what: string, error: unknown): LimitsUnavailableError {
  return new LimitsUnavailableError(`rate limits unavailable: Redis ${what} failed: ${describeRedisFailure(error)}`, { cause: error });
}

function integerArg(value: number, what: string): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
  return String(value);
}

export interface RedisRateLimiterOptions {
  /** Quit the client on `close()` (default false: whoever connected it closes it). */
  ownsClient?: boolean;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly scripts: RateScripts;

  constructor(
    private readonly client: Redis,
    private readonly options: RedisRateLimiterOptions = {},
  ) {
    this.scripts = defineRateScripts(client);
  }

  async consume(checks: readonly RateCheck[], nowMs: number): Promise<RateDecision> {
    const n = checks.length;
    if (n === 0) return { allowed: true, retryAfterMs: 0, states: [] };
    const windowStartMs = rateWindowStart(nowMs);
    const resetAtMs = windowStartMs + RATE_WINDOW_MS;
    const suffix = `:${windowStartMs / RATE_WINDOW_MS}`;
    const args: (string | number)[] = new Array(1 + n + 1 + 2 * n);
    args[0] = n;
    for (let i = 0; i < n; i++) args[1 + i] = checks[i].key + suffix;
    args[1 + n] = String(resetAtMs - nowMs + RATE_KEY_SLACK_MS);
    for (let i = 0; i < n; i++) {
      args[2 + n + 2 * i] = integerArg(checks[i].limit, 'rate limit');
      args[3 + n + 2 * i] = integerArg(checks[i].cost, 'rate cost');
    }
    let reply: number[];
    try {
      reply = await this.scripts.swyRateConsume(...(args as [number, ...string[]]));
    } catch (error) {
      throw unavailable('consume', error);
    }
    const allowed = Number(reply[0]) === 1;
    const refused = Number(reply[1]) - 1;
    const states: RateState[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const check = checks[i];
      const used = Number(reply[2 + i]);
      states[i] = { key: check.key, limit: check.limit, remaining: i === refused ? 0 : Math.max(0, check.limit - used), resetAtMs };
    }
    if (allowed) return { allowed: true, retryAfterMs: 0, states };
    return { allowed: false, refusedKey: checks[refused].key, retryAfterMs: Math.max(0, resetAtMs - nowMs), states };
  }

  async adjust(key: string, windowStartMs: number, delta: number): Promise<void> {
    if (delta === 0) return;
    const window = rateWindowStart(windowStartMs) / RATE_WINDOW_MS;
    try {
      await this.scripts.swyRateAdjust(`${key}:${window}`, integerArg(delta, 'rate adjustment'));
    } catch (error) {
      throw unavailable('adjust', error);
    }
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await closeRedis(this.client);
  }
}
