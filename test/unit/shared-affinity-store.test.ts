import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { InMemoryAffinityStore } from '../../src/routing/learned/cache-affinity.js';
import { affinityKey, RedisAffinityStore } from '../../src/routing/learned/shared-affinity-store.js';
import { closeRedis, createRedisClient } from '../../src/storage/redis.js';
import { closedPort, redisTestSpace, TcpProxy } from '../helpers/redis.js';

/**
 * RedisAffinityStore against the real Redis (127.0.0.1:6379 or REDIS_URL), two stores on their own
 * connections playing two replicas. Redis must be up: connecting fails the file otherwise.
 */

const space = redisTestSpace('affinity');
const GOOD = 'simulated/good';
const CHEAP = 'simulated/cheap';
const KNOWN = new Set([GOOD, CHEAP]);
const accept = (key: string) => KNOWN.has(key);
const T0 = Date.parse('2025-06-01T12:00:00Z');

const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.sever()));
});
afterAll(async () => {
  await space.cleanup();
});

/** Reads expected to be answered wait this long, so a loaded machine cannot turn them into fallbacks. */
const PATIENT_MS = 10_000;

let counter = 0;
const conversation = () => `c_test${(counter++).toString(16).padStart(12, '0')}`;

describe('RedisAffinityStore', () => {
  it('a conversation written by one replica is read by another, with the TTL as PX', async () => {
    const [clientA, clientB] = [await space.connect(), await space.connect()];
    const a = new RedisAffinityStore(clientA, { accept, readTimeoutMs: PATIENT_MS });
    const b = new RedisAffinityStore(clientB, { accept, readTimeoutMs: PATIENT_MS });
    const short = conversation();
    const long = conversation();

    expect(await b.get(short, T0)).toBeUndefined();
    await a.set(short, GOOD, '5m', T0);
    await a.set(long, CHEAP, '1h', T0);
    expect(a.stats).toMatchObject({ writes: 2, writeFailures: 0 });
    expect(a.local.get(short, T0)).toBe(GOOD); // the fallback is kept up to date

    expect(await b.get(short, T0)).toBe(GOOD);
    expect(await b.get(long, T0)).toBe(CHEAP);
    expect(b.local.size).toBe(0);
    expect(b.stats).toMatchObject({ reads: 3, readFailures: 0, ignored: 0 });

    const pttlShort = await clientA.pttl(affinityKey(short));
    expect(pttlShort).toBeGreaterThan(4 * 60_000);
    expect(pttlShort).toBeLessThanOrEqual(5 * 60_000);
    const pttlLong = await clientA.pttl(affinityKey(long));
    expect(pttlLong).toBeGreaterThan(59 * 60_000);
    expect(pttlLong).toBeLessThanOrEqual(60 * 60_000);

    // Another turn answered elsewhere moves the conversation; the entry and its TTL follow.
    await b.set(short, CHEAP, '1h', T0);
    expect(await a.get(short, T0)).toBe(CHEAP);
    expect(await clientA.pttl(affinityKey(short))).toBeGreaterThan(59 * 60_000);
  });

  it('ignores values that are not a known deployment key (the local map answers instead)', async () => {
    const client = await space.connect();
    const store = new RedisAffinityStore(client, { accept, readTimeoutMs: PATIENT_MS });
    const cases: Array<(key: string) => Promise<unknown>> = [
      (key) => client.set(key, 'openai/unknown-model'),
      (key) => client.set(key, `${GOOD}${'x'.repeat(600)}`),
      (key) => client.set(key, ''),
      (key) => client.set(key, '{"deployment":"simulated/good"}'),
    ];
    for (const write of cases) {
      const unknown = conversation();
      await write(affinityKey(unknown));
      expect(await store.get(unknown, T0)).toBeUndefined();
      const known = conversation();
      store.local.set(known, CHEAP, '5m', T0);
      await write(affinityKey(known));
      expect(await store.get(known, T0)).toBe(CHEAP);
    }
    expect(store.stats.ignored).toBe(8);

    // Not a string at all (a hash under the key): Redis refuses the GET; still no throw.
    const wrongType = conversation();
    await client.hset(affinityKey(wrongType), 'deployment', GOOD);
    store.local.set(wrongType, GOOD, '5m', T0);
    expect(await store.get(wrongType, T0)).toBe(GOOD);
    expect(store.stats.readFailures).toBe(1);
  });

  it('Redis not answering: a read falls back to the local map after the bound, without throwing', async () => {
    const proxy = new TcpProxy();
    proxies.push(proxy);
    await proxy.start();
    const client = await space.connect(proxy.url);
    const store = new RedisAffinityStore(client, { accept, readTimeoutMs: 20 });
    const id = conversation();
    await store.set(id, GOOD, '5m', T0);
    expect(store.stats.writes).toBe(1);

    proxy.pause(); // Redis "hangs": connected, never answers
    expect(await store.get(id, T0)).toBe(GOOD);
    expect(await store.get(conversation(), T0)).toBeUndefined();
    expect(store.stats).toMatchObject({ readFailures: 2, readTimeouts: 2, reads: 0 });
    // Writes go on locally; the one to Redis is left to fail (never awaited by a request).
    const later = conversation();
    void store.set(later, CHEAP, '5m', T0);
    expect(await store.get(later, T0)).toBe(CHEAP);
  });

  it('Redis unreachable or disconnected: reads answer from the local map, writes are counted as failed', async () => {
    const unreachable = createRedisClient(`redis://127.0.0.1:${await closedPort()}`, { connectTimeoutMs: 200, namespace: space.namespace });
    unreachable.on('error', () => {});
    const disconnected: Redis = await space.connect();
    disconnected.disconnect();
    try {
      for (const client of [unreachable, disconnected]) {
        const store = new RedisAffinityStore(client, { accept, local: new InMemoryAffinityStore() });
        const id = conversation();
        expect(await store.get(id, T0)).toBeUndefined();
        await store.set(id, GOOD, '5m', T0);
        expect(store.stats.writeFailures).toBe(1);
        expect(await store.get(id, T0)).toBe(GOOD);
        // The local map's own TTL still applies.
        expect(await store.get(id, T0 + 5 * 60_000)).toBeUndefined();
        expect(store.stats).toMatchObject({ reads: 0, readFailures: 3, writes: 0 });
      }
    } finally {
      unreachable.disconnect();
      await closeRedis(unreachable);
    }
  });
});
