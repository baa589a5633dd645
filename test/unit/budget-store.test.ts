import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { LimitsUnavailableError, type BudgetScope, type BudgetStore } from '../../src/tenancy/limits-types.js';
import { BUDGET_COUNTER_GRACE_MS, InMemoryBudgetStore, RedisBudgetStore } from '../../src/tenancy/budget-store.js';
import { redisTestSpace } from '../helpers/redis.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const DAY_END = Date.UTC(2026, 11, 2);
const TTL = 120_000;

const space = redisTestSpace('budget');
let raw: Redis;

beforeAll(async () => {
  raw = await space.connect();
});

afterAll(async () => {
  await space.cleanup();
});

interface Fleet {
  /** `count` stores sharing one set of counters (one process: the same store; Redis: one connection each). */
  replicas(count: number): Promise<BudgetStore[]>;
}

const fleets: [string, Fleet][] = [
  ['in memory', { replicas: async (count) => Array(count).fill(new InMemoryBudgetStore()) }],
  ['redis', { replicas: async (count) => Promise.all(Array.from({ length: count }, async () => new RedisBudgetStore(await space.connect()))) }],
];

let unique = 0;
interface TestScope extends BudgetScope {
  seedCalls: number;
}
/** A scope no other test uses; `seed` counts its calls. */
function scope(limitNanos: number, seed: bigint | (() => bigint) = 0n, periodEndMs = DAY_END): TestScope {
  const s: TestScope = {
    key: `budget:test:${++unique}:day`,
    limitNanos,
    periodEndMs,
    seedCalls: 0,
    async seed() {
      s.seedCalls++;
      await new Promise((resolve) => setTimeout(resolve, 2));
      return typeof seed === 'function' ? seed() : seed;
    },
  };
  return s;
}

let ids = 0;
const rid = () => `req-${++ids}`;

describe.each(fleets)('budget store (%s)', (_name, fleet) => {
  it('200 concurrent reserves of A against L from 3 replicas: exactly floor(L / A) succeed', async () => {
    const stores = await fleet.replicas(3);
    const team = scope(100, 0n);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 3].reserve(rid(), [team], 7, TTL, T0)));
    expect(results.filter((r) => r.ok)).toHaveLength(14);
    expect(await stores[0].snapshot(team, T0)).toEqual({ spentNanos: 0, reservedNanos: 98 });
    for (const refused of results.filter((r) => !r.ok)) expect(refused).toMatchObject({ ok: false, key: team.key, limitNanos: 100, spentNanos: 0 });
  });

  it('the seed counts: spend already in the ledger leaves floor((L − seed) / A)', async () => {
    const stores = await fleet.replicas(3);
    const team = scope(1_000_000_000, 300_000_000n); // $1 limit, $0.30 spent
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => stores[i % 3].reserve(rid(), [team], 50_000_000, TTL, T0)));
    expect(results.filter((r) => r.ok)).toHaveLength(14);
    expect(await stores[1].snapshot(team, T0)).toEqual({ spentNanos: 300_000_000, reservedNanos: 700_000_000 });
  });

  it('refusal names the scope with its limit, spent and reserved; settle with actual < reserved frees the difference', async () => {
    const [store] = await fleet.replicas(1);
    const team = scope(100);
    const first = rid();
    expect(await store.reserve(first, [team], 60, TTL, T0)).toEqual({ ok: true });
    expect(await store.reserve(rid(), [team], 50, TTL, T0)).toEqual({ ok: false, key: team.key, limitNanos: 100, spentNanos: 0, reservedNanos: 60 });
    await store.settle(first, [team], 20, T0 + 1000);
    expect(await store.snapshot(team, T0 + 1000)).toEqual({ spentNanos: 20, reservedNanos: 0 });
    expect(await store.reserve(rid(), [team], 80, TTL, T0 + 1000)).toEqual({ ok: true });
    expect(await store.reserve(rid(), [team], 1, TTL, T0 + 1000)).toEqual({ ok: false, key: team.key, limitNanos: 100, spentNanos: 20, reservedNanos: 80 });
  });

  it('all or nothing across scopes: a key budget that refuses leaves the team budget untouched', async () => {
    const [store] = await fleet.replicas(1);
    const team = scope(100);
    const key = scope(50);
    expect(await store.reserve(rid(), [team, key], 40, TTL, T0)).toEqual({ ok: true });
    expect(await store.reserve(rid(), [team, key], 20, TTL, T0)).toEqual({ ok: false, key: key.key, limitNanos: 50, spentNanos: 0, reservedNanos: 40 });
    expect(await store.snapshot(team, T0)).toEqual({ spentNanos: 0, reservedNanos: 40 });
    expect(await store.reserve(rid(), [team], 60, TTL, T0)).toEqual({ ok: true });
  });

  it('a reservation not settled within its ttl expires and frees its amount (injected clock)', async () => {
    const [store] = await fleet.replicas(1);
    const team = scope(100);
    expect(await store.reserve(rid(), [team], 60, 30_000, T0)).toEqual({ ok: true });
    expect((await store.reserve(rid(), [team], 50, TTL, T0 + 29_999)).ok).toBe(false);
    expect(await store.snapshot(team, T0 + 29_999)).toEqual({ spentNanos: 0, reservedNanos: 60 });
    expect(await store.reserve(rid(), [team], 50, TTL, T0 + 30_000)).toEqual({ ok: true });
    expect(await store.snapshot(team, T0 + 30_000)).toEqual({ spentNanos: 0, reservedNanos: 50 });
  });

  it('many expired reservations are all freed', async () => {
    const [store] = await fleet.replicas(1);
    const team = scope(10_000);
    for (let i = 0; i < 250; i++) expect((await store.reserve(rid(), [team], 40, 1000 + i, T0)).ok).toBe(true);
    expect(await store.snapshot(team, T0)).toEqual({ spentNanos: 0, reservedNanos: 10_000 });
    // Purging goes in batches; each call frees up to a batch, the next call the rest.
    for (let i = 0; i < 3; i++) await store.snapshot(team, T0 + 10_000);
    expect(await store.snapshot(team, T0 + 10_000)).toEqual({ spentNanos: 0, reservedNanos: 0 });
  });

  it('settling an expired reservation still adds the actual spend (once)', async () => {
    const [store] = await fleet.replicas(1);
    const team = scope(100);
    const late = rid();
    await store.reserve(late, [team], 60, 1000, T0);
    await store.reserve(rid(), [team], 10, TTL, T0);
    await store.settle(late, [team], 45, T0 + 5000);
    expect(await store.snapshot(team, T0 + 5000)).toEqual({ spentNanos: 45, reservedNanos: 10 });
  });

  it('a repeated reserve under the same id reserves once', async () => {
    const [store] = await fleet.replicas(1);
    const team = scope(100);
    const id = rid();
    expect(await store.reserve(id, [team], 60, TTL, T0)).toEqual({ ok: true });
    expect(await store.reserve(id, [team], 60, TTL, T0)).toEqual({ ok: true });
    expect(await store.snapshot(team, T0)).toEqual({ spentNanos: 0, reservedNanos: 60 });
    await store.settle(id, [team], 60, T0);
    expect(await store.snapshot(team, T0)).toEqual({ spentNanos: 60, reservedNanos: 0 });
  });

  it('seeding happens once: many requests on many replicas race on a new scope', async () => {
    const stores = await fleet.replicas(3);
    let calls = 0;
    // Every call of seed() answers differently: only one answer may ever be used.
    const team = scope(1000, () => BigInt(100 * ++calls));
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => stores[i % 3].reserve(rid(), [team], 10, TTL, T0)));
    const seeded = (await stores[0].snapshot(team, T0)).spentNanos;
    expect([100, 200, 300]).toContain(seeded);
    // At most one seed() per replica (one per process for the in-memory store).
    expect(team.seedCalls).toBeGreaterThanOrEqual(1);
    expect(team.seedCalls).toBeLessThanOrEqual(new Set(stores).size);
    expect(results.filter((r) => r.ok)).toHaveLength(Math.min(60, (1000 - seeded) / 10));
    for (const store of stores) expect(await store.snapshot(team, T0)).toEqual({ spentNanos: seeded, reservedNanos: 10 * Math.min(60, (1000 - seeded) / 10) });
    const before = team.seedCalls;
    await stores[2].reserve(rid(), [team], 1, TTL, T0);
    expect(team.seedCalls).toBe(before);
  });

  it('spend never exceeds the limit: 3 replicas, 200 concurrent requests reserving the worst case and settling less', async () => {
    const stores = await fleet.replicas(3);
    const team = scope(5_000, 123n);
    const key = scope(4_000);
    let served = 0;
    const request = async (i: number, round: number): Promise<boolean> => {
      const store = stores[i % 3];
      const id = rid();
      const decision = await store.reserve(id, [team, key], 97, TTL, T0 + round);
      if (!decision.ok) return false;
      served++;
      await store.settle(id, [team, key], (i * 37 + round) % 98, T0 + round); // 0 … 97
      return true;
    };
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => request(i, round)));
      if (!results.some(Boolean)) break;
    }
    const teamNow = await stores[0].snapshot(team, T0 + 100);
    const keyNow = await stores[0].snapshot(key, T0 + 100);
    expect(teamNow.reservedNanos).toBe(0);
    expect(keyNow.reservedNanos).toBe(0);
    expect(teamNow.spentNanos).toBeLessThanOrEqual(5_000);
    expect(keyNow.spentNanos).toBeLessThanOrEqual(4_000);
    expect(teamNow.spentNanos - 123).toBe(keyNow.spentNanos);
    expect(served).toBeGreaterThan(40);
    // Left over: less than one more worst case in the tighter scope.
    expect(4_000 - keyNow.spentNanos).toBeLessThan(97);
  });

  it('settle on a scope that was never seeded adds nothing (the ledger holds it; the seed reads it)', async () => {
    const [store] = await fleet.replicas(1);
    const team = scope(100, 30n);
    await store.settle(rid(), [team], 25, T0);
    expect(team.seedCalls).toBe(0);
    expect(await store.snapshot(team, T0)).toEqual({ spentNanos: 30, reservedNanos: 0 });
  });

  it('a failing seed fails closed with LimitsUnavailableError; the next call seeds again', async () => {
    const [store] = await fleet.replicas(1);
    let fail = true;
    const team = scope(100, () => {
      if (fail) throw new Error('database is down');
      return 10n;
    });
    await expect(store.reserve(rid(), [team], 1, TTL, T0)).rejects.toThrow(LimitsUnavailableError);
    await expect(store.reserve(rid(), [team], 1, TTL, T0)).rejects.toThrow(/reading the spend of budget:test:\d+:day failed: database is down/);
    fail = false;
    expect(await store.reserve(rid(), [team], 1, TTL, T0)).toEqual({ ok: true });
    expect(await store.snapshot(team, T0)).toEqual({ spentNanos: 10, reservedNanos: 1 });
  });

  it('amounts are non-negative integers of nano-dollars', async () => {
    const [store] = await fleet.replicas(1);
    const team = scope(100);
    // Thrown or rejected (a synchronous store throws; a Redis one rejects).
    await expect(Promise.resolve().then(() => store.reserve(rid(), [team], 1.5, TTL, T0))).rejects.toThrow(RangeError);
    await expect(Promise.resolve().then(() => store.reserve(rid(), [team], -1, TTL, T0))).rejects.toThrow(RangeError);
    await expect(Promise.resolve().then(() => store.settle(rid(), [team], 0.1, T0))).rejects.toThrow(RangeError);
    if (store instanceof RedisBudgetStore) {
      await expect(store.reserve(rid(), [{ ...team, limitNanos: Number.POSITIVE_INFINITY }], 1, TTL, T0)).rejects.toThrow(RangeError);
    }
  });

  it('large amounts stay exact (64-bit counters, integer strings)', async () => {
    const [store] = await fleet.replicas(1);
    const big = 2 ** 51; // ≈ $2.25M in nano-dollars; the limit 2^52 + 10 stays a safe integer
    const team = scope(2 * big + 10, BigInt(big));
    const id = rid();
    expect(await store.reserve(id, [team], big, TTL, T0)).toEqual({ ok: true });
    expect((await store.reserve(rid(), [team], 11, TTL, T0)).ok).toBe(false);
    await store.settle(id, [team], big - 1, T0);
    expect(await store.snapshot(team, T0)).toEqual({ spentNanos: 2 * big - 1, reservedNanos: 0 });
  });
});

describe('InMemoryBudgetStore', () => {
  it('answers synchronously once the scopes are seeded; the first use awaits the seed', async () => {
    const store = new InMemoryBudgetStore();
    const team = scope(100);
    const first = store.reserve(rid(), [team], 10, TTL, T0);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ ok: true });
    const second = store.reserve(rid(), [team], 10, TTL, T0);
    expect(second).toEqual({ ok: true });
    expect(store.snapshot(team, T0)).toEqual({ spentNanos: 0, reservedNanos: 20 });
  });

  it('drops a scope two days after its period ends', async () => {
    const store = new InMemoryBudgetStore();
    const day = scope(100, 0n, DAY_END);
    const total = scope(100, 0n, Number.POSITIVE_INFINITY);
    await store.reserve(rid(), [day, total], 10, TTL, T0);
    expect(store.size).toBe(2);
    await store.reserve(rid(), [total], 10, TTL, DAY_END + BUDGET_COUNTER_GRACE_MS + 1);
    expect(store.size).toBe(1);
  });
});

describe('RedisBudgetStore', () => {
  it('keys: a hash (spent, reserved, r:<id>) and an expiry set per scope, expiring two days after the period', async () => {
    const store = new RedisBudgetStore(raw);
    const team = scope(1000, 5n);
    const forever = scope(1000, 0n, Number.POSITIVE_INFINITY);
    await store.reserve('req-a', [team, forever], 100, 30_000, T0);
    expect(await raw.hgetall(team.key)).toEqual({ spent: '5', reserved: '100', 'r:req-a': '100' });
    expect(await raw.zrange(`${team.key}:exp`, '0', '-1')).toEqual(['req-a']);
    expect(await raw.zscore(`${team.key}:exp`, 'req-a')).toBe(String(T0 + 30_000));
    const expected = DAY_END - T0 + BUDGET_COUNTER_GRACE_MS;
    for (const name of [team.key, `${team.key}:exp`]) {
      const ttl = await raw.pttl(name);
      expect(ttl).toBeGreaterThan(expected - 60_000);
      expect(ttl).toBeLessThanOrEqual(expected);
    }
    expect(await raw.pttl(forever.key)).toBe(-1);
    await store.settle('req-a', [team, forever], 70, T0);
    expect(await raw.hgetall(team.key)).toEqual({ spent: '75', reserved: '0' });
    expect(await raw.exists(`${team.key}:exp`)).toBe(0);
  });
});
