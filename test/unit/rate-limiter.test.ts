import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RATE_WINDOW_MS, type RateCheck, type RateDecision, type RateLimiter } from '../../src/tenancy/limits-types.js';
import { InMemoryRateLimiter, RedisRateLimiter, rateWindowStart } from '../../src/tenancy/rate-limiter.js';
import { redisTestSpace } from '../helpers/redis.js';

/** 2026-12-01T12:00:00Z: a window start. */
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

const space = redisTestSpace('rate');
let raw: Redis;

beforeAll(async () => {
  raw = await space.connect();
});

afterAll(async () => {
  await space.cleanup();
});

interface Fleet {
  /** `count` limiters sharing one set of counters (one process: the same limiter; Redis: one connection each). */
  replicas(count: number): Promise<RateLimiter[]>;
}

const fleets: [string, Fleet][] = [
  ['in memory', { replicas: async (count) => Array(count).fill(new InMemoryRateLimiter()) }],
  ['redis', { replicas: async (count) => Promise.all(Array.from({ length: count }, async () => new RedisRateLimiter(await space.connect()))) }],
];

let unique = 0;
/** A counter name no other test uses. */
function key(name: string): string {
  return `rl:test:${++unique}:${name}`;
}

describe.each(fleets)('rate limiter (%s)', (_name, fleet) => {
  it('200 concurrent consumes against a limit of 50 from 3 replicas: exactly 50 allowed, each remaining value once', async () => {
    const limiters = await fleet.replicas(3);
    const rpm = key('rpm');
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => limiters[i % 3].consume([{ key: rpm, limit: 50, cost: 1 }], T0 + 1000)));
    const allowed = decisions.filter((d) => d.allowed);
    expect(allowed).toHaveLength(50);
    expect(allowed.map((d) => d.states[0].remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const refused of decisions.filter((d) => !d.allowed)) {
      expect(refused).toEqual({ allowed: false, refusedKey: rpm, retryAfterMs: 59_000, states: [{ key: rpm, limit: 50, remaining: 0, resetAtMs: T0 + RATE_WINDOW_MS }] });
    }
  });

  it('reports limit, remaining and the window end for headers; windows are aligned to the epoch minute', async () => {
    const [limiter] = await fleet.replicas(1);
    const rpm = key('rpm');
    const tpm = key('tpm');
    const now = T0 + 12_345;
    const decision = await limiter.consume(
      [
        { key: rpm, limit: 10, cost: 1 },
        { key: tpm, limit: 1000, cost: 300 },
      ],
      now,
    );
    expect(decision).toEqual({
      allowed: true,
      retryAfterMs: 0,
      states: [
        { key: rpm, limit: 10, remaining: 9, resetAtMs: T0 + 60_000 },
        { key: tpm, limit: 1000, remaining: 700, resetAtMs: T0 + 60_000 },
      ],
    });
    expect(rateWindowStart(now)).toBe(T0);
    expect(rateWindowStart(T0 - 1)).toBe(T0 - 60_000);
  });

  it('all or nothing: a check that does not fit adds nothing to the others', async () => {
    const [limiter] = await fleet.replicas(1);
    const rpm = key('rpm');
    const tpm = key('tpm');
    const checks = (tokens: number): RateCheck[] => [
      { key: rpm, limit: 10, cost: 1 },
      { key: tpm, limit: 100, cost: tokens },
    ];
    for (let i = 0; i < 3; i++) expect((await limiter.consume(checks(30), T0)).allowed).toBe(true);
    const refused = await limiter.consume(checks(30), T0 + 30_000);
    expect(refused).toEqual({
      allowed: false,
      refusedKey: tpm,
      retryAfterMs: 30_000,
      states: [
        { key: rpm, limit: 10, remaining: 7, resetAtMs: T0 + 60_000 },
        { key: tpm, limit: 100, remaining: 0, resetAtMs: T0 + 60_000 },
      ],
    });
    const small = await limiter.consume(checks(10), T0 + 30_000);
    expect(small.allowed).toBe(true);
    expect(small.states.map((s) => s.remaining)).toEqual([6, 0]);
  });

  it('a cost larger than the limit is refused even in an empty window', async () => {
    const [limiter] = await fleet.replicas(1);
    const tpm = key('tpm');
    const decision = await limiter.consume([{ key: tpm, limit: 100, cost: 101 }], T0);
    expect(decision.allowed).toBe(false);
    expect((await limiter.consume([{ key: tpm, limit: 100, cost: 100 }], T0)).allowed).toBe(true);
  });

  it('a new window starts empty (injected clock, no sleeping)', async () => {
    const [limiter] = await fleet.replicas(1);
    const rpm = key('rpm');
    const check = [{ key: rpm, limit: 2, cost: 1 }];
    expect((await limiter.consume(check, T0 + 59_000)).allowed).toBe(true);
    expect((await limiter.consume(check, T0 + 59_998)).allowed).toBe(true);
    const refused = await limiter.consume(check, T0 + 59_999);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(1);
    const next = await limiter.consume(check, T0 + 60_000);
    expect(next).toEqual({ allowed: true, retryAfterMs: 0, states: [{ key: rpm, limit: 2, remaining: 1, resetAtMs: T0 + 120_000 }] });
  });

  it('counters are independent per name', async () => {
    const [limiter] = await fleet.replicas(1);
    const a = key('a');
    const b = key('b');
    expect((await limiter.consume([{ key: a, limit: 1, cost: 1 }], T0)).allowed).toBe(true);
    expect((await limiter.consume([{ key: a, limit: 1, cost: 1 }], T0)).allowed).toBe(false);
    expect((await limiter.consume([{ key: b, limit: 1, cost: 1 }], T0)).allowed).toBe(true);
  });

  it('adjust corrects the named window: down after an over-estimate, up after an under-estimate, never below 0', async () => {
    const [limiter] = await fleet.replicas(1);
    const tpm = key('tpm');
    const remaining = async (now: number) => ((await limiter.consume([{ key: tpm, limit: 1000, cost: 0 }], now)) as RateDecision).states[0].remaining;
    await limiter.consume([{ key: tpm, limit: 1000, cost: 500 }], T0 + 5000);
    await limiter.adjust(tpm, T0, -380); // the request used 120 tokens, not 500
    expect(await remaining(T0 + 6000)).toBe(880);
    await limiter.adjust(tpm, T0, 200);
    expect(await remaining(T0 + 6000)).toBe(680);
    await limiter.adjust(tpm, T0, -5000);
    expect(await remaining(T0 + 6000)).toBe(1000);
    // A window's start given as any instant inside it names the same window.
    await limiter.adjust(tpm, T0 + 59_999, 10);
    expect(await remaining(T0 + 6000)).toBe(990);
  });

  it('adjust of a window that holds nothing changes nothing', async () => {
    const [limiter] = await fleet.replicas(1);
    const tpm = key('tpm');
    await limiter.adjust(tpm, T0, 100);
    const decision = await limiter.consume([{ key: tpm, limit: 1000, cost: 1 }], T0);
    expect(decision.states[0].remaining).toBe(999);
    // An adjustment of the previous window, after the counter moved on, does not touch the current one.
    await limiter.adjust(tpm, T0 - 60_000, 100);
    expect((await limiter.consume([{ key: tpm, limit: 1000, cost: 1 }], T0)).states[0].remaining).toBe(998);
  });

  it('no checks: allowed', async () => {
    const [limiter] = await fleet.replicas(1);
    expect(await limiter.consume([], T0)).toEqual({ allowed: true, retryAfterMs: 0, states: [] });
  });

  it('rejects fractional costs and limits', async () => {
    const [limiter] = await fleet.replicas(1);
    if (limiter instanceof InMemoryRateLimiter) return; // the in-memory counters take any number
    await expect(limiter.consume([{ key: key('x'), limit: 10, cost: 0.5 }], T0)).rejects.toThrow(RangeError);
  });
});

describe('InMemoryRateLimiter', () => {
  it('answers synchronously', () => {
    const limiter = new InMemoryRateLimiter();
    const decision = limiter.consume([{ key: 'k', limit: 1, cost: 1 }], T0);
    expect(decision).not.toBeInstanceOf(Promise);
    expect(decision.allowed).toBe(true);
  });

  it('drops counters of old windows: memory follows the counters used in the last two minutes', () => {
    const limiter = new InMemoryRateLimiter();
    for (let i = 0; i < 1000; i++) limiter.consume([{ key: `k${i}`, limit: 5, cost: 1 }], T0 + i);
    expect(limiter.size).toBe(1000);
    limiter.consume([{ key: 'other', limit: 5, cost: 1 }], T0 + 60_000);
    expect(limiter.size).toBe(1001); // the previous window is kept (late adjustments)
    limiter.consume([{ key: 'other', limit: 5, cost: 1 }], T0 + 120_000);
    expect(limiter.size).toBe(1);
  });

  it('a caller whose clock reading is slightly older counts in the newer window', () => {
    const limiter = new InMemoryRateLimiter();
    const check = [{ key: 'k', limit: 2, cost: 1 }];
    expect(limiter.consume(check, T0 + 60_001).allowed).toBe(true);
    const late = limiter.consume(check, T0 + 59_999);
    expect(late.allowed).toBe(true);
    expect(late.states[0]).toEqual({ key: 'k', limit: 2, remaining: 0, resetAtMs: T0 + 120_000 });
    expect(limiter.consume(check, T0 + 60_002).allowed).toBe(false);
  });
});

describe('RedisRateLimiter', () => {
  it('one key per counter and window under the prefix, expiring 10 s after the window; a refusal writes nothing', async () => {
    const limiter = new RedisRateLimiter(raw);
    const rpm = key('rpm');
    const now = T0 + 20_000;
    await limiter.consume([{ key: rpm, limit: 1, cost: 1 }], now);
    const name = `${rpm}:${T0 / RATE_WINDOW_MS}`;
    expect(await raw.get(name)).toBe('1');
    const ttl = await raw.pttl(name);
    expect(ttl).toBeGreaterThan(40_000);
    expect(ttl).toBeLessThanOrEqual(50_000);
    const keys = await raw.keys(`${space.prefix}${rpm}:*`);
    expect(keys).toEqual([`${space.prefix}${name}`]);
    await limiter.consume([{ key: rpm, limit: 1, cost: 1 }], now);
    expect(await raw.get(name)).toBe('1');
  });

  it('adjust does not create a counter', async () => {
    const limiter = new RedisRateLimiter(raw);
    const tpm = key('tpm');
    await limiter.adjust(tpm, T0, 50);
    expect(await raw.exists(`${tpm}:${T0 / RATE_WINDOW_MS}`)).toBe(0);
  });
});
