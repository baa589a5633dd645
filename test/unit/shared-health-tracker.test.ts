import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { InMemoryHealthTracker } from '../../src/routing/health/in-memory-health-tracker.js';
import { healthEvent, parseHealthEvent, SharedHealthTracker, type SharedHealthOptions } from '../../src/routing/health/shared-health-tracker.js';
import { GatewayError, kindForUpstreamStatus } from '../../src/spec/errors.js';
import { closeRedis, createRedisClient } from '../../src/storage/redis.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { closedPort, redisTestSpace, TcpProxy } from '../helpers/redis.js';

/**
 * Two (or more) SharedHealthTrackers on their own connections to the real Redis play the replicas of
 * a fleet. Redis must be up (127.0.0.1:6379 or REDIS_URL): connecting fails the file otherwise.
 */

const space = redisTestSpace('health');
const KEY = 'openai/gpt-broken';
const OTHER = 'anthropic/claude-ok';
const T0 = Date.parse('2025-06-01T12:00:00Z');
const BREAKER = { consecutiveFailures: 2, openMs: 30_000, minRequests: 100 };

const trackers: SharedHealthTracker[] = [];
const proxies: TcpProxy[] = [];

// Every test starts from an empty state hash (the replicas of one test share it, as a fleet does).
beforeEach(async () => {
  await (await space.connect()).del('health:state');
});

afterEach(async () => {
  await Promise.all(trackers.splice(0).map((tracker) => tracker.close()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.sever()));
});

afterAll(async () => {
  await space.cleanup();
});

function upstream(status: number, retryAfterMs?: number): GatewayError {
  return new GatewayError({ code: `SWY_ERR_UPSTREAM_${status}`, kind: kindForUpstreamStatus(status), message: `upstream said ${status}`, origin: 'upstream', upstreamStatus: status, retryAfterMs });
}

function fail(tracker: SharedHealthTracker, error: GatewayError = upstream(500), key = KEY): void {
  tracker.started(key);
  tracker.ended(key, { ok: false, error });
}

function succeed(tracker: SharedHealthTracker, key = KEY): void {
  tracker.started(key);
  tracker.ended(key, { ok: true, latencyMs: 120, ttftMs: 40 });
}

/** A started replica on its own connection (through `client` when given), on a shared fake clock. */
async function replica(clock: () => number, client?: Redis, options: SharedHealthOptions = {}): Promise<SharedHealthTracker> {
  const tracker = new SharedHealthTracker(new InMemoryHealthTracker(BREAKER, clock), client ?? (await space.connect()), { clock, ...options });
  trackers.push(tracker);
  await tracker.start();
  return tracker;
}

/** Polls (every 10 ms, up to `timeout`) until `check` holds. */
async function until(check: () => boolean, timeout = 1_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeout) throw new Error(`${what} not reached within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SharedHealthTracker between replicas (real Redis)', () => {
  it('a breaker opened on A makes the deployment unavailable on B within a second, until the open period ends', async () => {
    const time = fakeClock(T0);
    const a = await replica(time.clock);
    const b = await replica(time.clock);
    expect(a.replicaId).not.toBe(b.replicaId);
    expect(a.channel).toBe(`${space.prefix}health`);
    fail(a);
    fail(a);
    expect(a.isAvailable(KEY)).toBe(false);
    await until(() => !b.isAvailable(KEY), 1_000, 'B sees the open breaker');
    expect(b.get(KEY)).toMatchObject({ breaker: 'open', consecutiveFailures: 0, inFlight: 0 }); // B's own counters are its own
    expect(b.tryAcquire(KEY)).toBe(false);
    expect(b.isAvailable(OTHER)).toBe(true);
    expect(a.stats).toMatchObject({ published: 1, publishFailures: 0, applied: 0 });
    expect(b.stats.applied).toBe(1);

    // After the open period B probes on its own (half-open, one probe at a time).
    time.advance(BREAKER.openMs);
    expect(b.get(KEY).breaker).toBe('half-open');
    expect(b.tryAcquire(KEY)).toBe(true);
    expect(b.tryAcquire(KEY)).toBe(false);
  });

  it('a cooldown (429 with retry-after) on A holds on B until its time, with its kind', async () => {
    const time = fakeClock(T0);
    const a = await replica(time.clock);
    const b = await replica(time.clock);
    fail(a, upstream(429, 8_000));
    await until(() => !b.isAvailable(KEY), 1_000, 'B sees the cooldown');
    expect(b.get(KEY)).toMatchObject({ breaker: 'closed', cooldownUntil: T0 + 8_000, cooldownKind: 'rate_limit' });
    time.advance(7_999);
    expect(b.isAvailable(KEY)).toBe(false);
    time.advance(1);
    expect(b.isAvailable(KEY)).toBe(true);

    fail(a, upstream(529));
    await until(() => !b.isAvailable(KEY), 1_000, 'B sees the overload cooldown');
    expect(b.get(KEY)).toMatchObject({ cooldownUntil: T0 + 8_000 + 5_000, cooldownKind: 'overloaded' });
  });

  it('a close (successful probe) on any replica closes the breaker on the others', async () => {
    const time = fakeClock(T0);
    const a = await replica(time.clock);
    const b = await replica(time.clock);
    const c = await replica(time.clock);
    fail(a);
    fail(a);
    await until(() => !b.isAvailable(KEY) && !c.isAvailable(KEY), 1_000, 'B and C see the open breaker');
    time.advance(BREAKER.openMs);
    // B's probe succeeds first: the deployment is back everywhere, A's breaker included.
    expect(b.tryAcquire(KEY)).toBe(true);
    succeed(b);
    expect(b.get(KEY).breaker).toBe('closed');
    await until(() => a.get(KEY).breaker === 'closed' && c.get(KEY).breaker === 'closed', 1_000, 'A and C close');
    expect(a.get(KEY)).toMatchObject({ consecutiveFailures: 0, errorRate: 0 });
    expect(a.tryAcquire(KEY)).toBe(true);
    expect(a.tryAcquire(KEY)).toBe(true); // closed, not half-open: no probe slot to take
  });

  it('a replica started after the events loads the ones still in force from the hash; a close removes its opening', async () => {
    const time = fakeClock(T0);
    const a = await replica(time.clock);
    fail(a);
    fail(a);
    fail(a, upstream(429, 50_000), OTHER);
    await until(() => a.stats.published === 2, 1_000, 'both events published');
    const raw = await space.connect();
    const stored = await raw.hgetall('health:state');
    expect(Object.keys(stored).sort()).toEqual([`breaker:${KEY}`, `cooldown:${OTHER}`]);
    expect(parseHealthEvent(stored[`breaker:${KEY}`])).toEqual({ v: 1, r: a.replicaId, d: KEY, at: T0, t: 'open', until: T0 + 30_000 });
    const ttl = await raw.pttl('health:state');
    expect(ttl).toBeGreaterThan(50_000); // a second past the latest until written (the cooldown, 50 s)
    expect(ttl).toBeLessThanOrEqual(51_000);

    time.advance(1_000);
    const late = await replica(time.clock);
    expect(late.stats.loads).toBe(1);
    expect(late.get(KEY)).toMatchObject({ breaker: 'open' });
    expect(late.isAvailable(KEY)).toBe(false);
    expect(late.get(OTHER)).toMatchObject({ cooldownUntil: T0 + 50_000, cooldownKind: 'rate_limit' });
    time.advance(29_000);
    expect(late.isAvailable(KEY)).toBe(true); // half-open: its own probe logic from here

    // A's probe succeeds: the opening leaves the hash, so the next replica starts with it closed.
    expect(a.tryAcquire(KEY)).toBe(true);
    succeed(a);
    await until(() => a.stats.published === 3, 1_000, 'close published');
    expect(Object.keys(await raw.hgetall('health:state'))).toEqual([`cooldown:${OTHER}`]);
    const later = await replica(time.clock);
    expect(later.get(KEY).breaker).toBe('closed');
    expect(later.entries().map(([key]) => key)).toEqual([OTHER]);
  });

  it('a replica ignores events it sent itself; a shorter cooldown heard elsewhere is not published again', async () => {
    const time = fakeClock(T0);
    const a = await replica(time.clock);
    const b = await replica(time.clock);
    fail(a, upstream(429, 30_000));
    await until(() => !b.isAvailable(KEY), 1_000, 'B cools down');
    fail(b, upstream(429, 10_000)); // shorter than the cooldown B applied: nothing changes, nothing is published
    expect(b.stats.published).toBe(0);
    expect(b.get(KEY).cooldownUntil).toBe(T0 + 30_000);
    await until(() => a.stats.received === 1 && b.stats.received === 1, 1_000, 'the event heard by both');
    expect(a.stats.applied).toBe(0);
    expect(b.stats.applied).toBe(1);
  });

  it('the hash keeps the later until when events race', async () => {
    const time = fakeClock(T0);
    const b = await replica(time.clock);
    // A does not listen (never started): it cannot know B's longer cooldown, as when events cross.
    const a = new SharedHealthTracker(new InMemoryHealthTracker(BREAKER, time.clock), await space.connect(), { clock: time.clock });
    trackers.push(a);
    fail(b, upstream(429, 15_000), OTHER);
    await until(() => b.stats.published === 1, 1_000, 'B publishes');
    fail(a, upstream(429, 1_000), OTHER);
    await until(() => a.stats.published === 1, 1_000, 'A publishes');
    const stored = await (await space.connect()).hgetall('health:state');
    expect(parseHealthEvent(stored[`cooldown:${OTHER}`])).toMatchObject({ r: b.replicaId, until: T0 + 15_000 });
    await until(() => b.stats.received === 2, 1_000, 'B hears A');
    expect(b.get(OTHER).cooldownUntil).toBe(T0 + 15_000); // and keeps its longer one
  });

  it('ignores malformed events and deployments it does not serve', async () => {
    const time = fakeClock(T0);
    const b = await replica(time.clock, undefined, { accept: (key) => key === KEY });
    const raw = await space.connect();
    const valid = (d: string) => JSON.stringify(healthEvent('someone-else', d, T0, { breaker: 'open', until: T0 + 10_000 }));
    const junk = [
      'not json',
      '[]',
      'null',
      '{"v":2,"r":"x","d":"openai/gpt-broken","at":1,"t":"open","until":1748779210000}',
      `{"v":1,"r":"","d":"${KEY}","at":1,"t":"open","until":${T0 + 10_000}}`,
      `{"v":1,"r":"x","d":"${KEY}","at":1,"t":"open"}`,
      `{"v":1,"r":"x","d":"${KEY}","at":1,"t":"open","until":"soon"}`,
      `{"v":1,"r":"x","d":"${KEY}","at":1,"t":"cooldown","until":${T0 + 10_000},"kind":"bored"}`,
      `{"v":1,"r":"x","d":"${KEY}","t":"closed"}`,
      `{"v":1,"r":"x","d":"${KEY}","at":1,"t":"explode"}`,
    ];
    for (const message of junk) await raw.publish(b.channel, message);
    await raw.publish(b.channel, valid('elsewhere/model'));
    await raw.publish(b.channel, valid(KEY));
    await until(() => b.stats.received === junk.length + 2, 1_000, 'all heard');
    expect(b.stats.malformed).toBe(junk.length);
    expect(b.stats.applied).toBe(1);
    expect(b.isAvailable(KEY)).toBe(false);
    expect(b.entries().map(([key]) => key)).toEqual([KEY]);
    expect(parseHealthEvent(`{"v":1,"r":"x","d":"${KEY}","at":5,"t":"closed","extra":true}`)).toEqual({ v: 1, r: 'x', d: KEY, at: 5, t: 'closed' });
  });
});

describe('SharedHealthTracker when Redis fails', () => {
  it('Redis gone: the local tracker behaves exactly as alone; failed events are counted and sent once Redis is back', async () => {
    const time = fakeClock(T0);
    const proxy = new TcpProxy();
    proxies.push(proxy);
    await proxy.start();
    const a = await replica(time.clock, await space.connect(proxy.url));
    const b = await replica(time.clock);
    await proxy.sever();

    fail(a);
    fail(a);
    fail(a, upstream(429, 40_000), OTHER);
    expect(a.get(KEY)).toMatchObject({ breaker: 'open', consecutiveFailures: 2, inFlight: 0 });
    expect(a.isAvailable(KEY)).toBe(false);
    expect(a.isAvailable(OTHER)).toBe(false);
    await until(() => a.stats.publishFailures === 2, 1_000, 'publishes fail');
    expect(a.stats.published).toBe(0);
    expect(b.isAvailable(KEY)).toBe(true);
    // Local bookkeeping goes on: a probe after the open period, latency measured here.
    time.advance(BREAKER.openMs);
    expect(a.tryAcquire(KEY)).toBe(true);
    fail(a); // the probe fails: opens again until T0 + 60 s (publish fails too; the latest event waits)
    await until(() => a.stats.publishFailures === 3, 1_000, 'third publish fails');

    await proxy.restart();
    await until(() => a.stats.published === 2, 5_000, 'pending events sent after the reconnection');
    await until(() => !b.isAvailable(KEY) && !b.isAvailable(OTHER), 1_000, 'B hears them');
    expect(a.stats.published).toBe(2); // sent once, though both connections came back
    expect(b.get(KEY).breaker).toBe('open');
    expect(b.get(OTHER)).toMatchObject({ cooldownUntil: T0 + 40_000, cooldownKind: 'rate_limit' });
    time.advance(BREAKER.openMs - 1);
    expect(b.isAvailable(KEY)).toBe(false); // the re-opening (until T0 + 60 s), not the first one
  }, 15_000);

  it('a replica that missed events while disconnected loads them when it reconnects', async () => {
    const time = fakeClock(T0);
    const proxy = new TcpProxy();
    proxies.push(proxy);
    await proxy.start();
    const a = await replica(time.clock);
    const b = await replica(time.clock, await space.connect(proxy.url));
    expect(b.stats.loads).toBe(1);
    await proxy.sever();
    fail(a);
    fail(a);
    await until(() => a.stats.published === 1, 1_000, 'A publishes');
    expect(b.isAvailable(KEY)).toBe(true); // missed: B is cut off
    await proxy.restart();
    await until(() => !b.isAvailable(KEY), 5_000, 'B catches up on reconnection');
    expect(b.stats.loads).toBeGreaterThanOrEqual(2);
  }, 15_000);

  it('starting with Redis unreachable does not throw, and the tracker works locally', async () => {
    const time = fakeClock(T0);
    const client = createRedisClient(`redis://127.0.0.1:${await closedPort()}`, { connectTimeoutMs: 200, namespace: space.namespace });
    client.on('error', () => {});
    try {
      const a = await replica(time.clock, client);
      expect(a.stats.loads).toBe(0);
      fail(a);
      fail(a);
      expect(a.get(KEY).breaker).toBe('open');
      await until(() => a.stats.publishFailures === 1, 1_000, 'publish fails');
      time.advance(BREAKER.openMs);
      expect(a.tryAcquire(KEY)).toBe(true);
      succeed(a);
      expect(a.get(KEY)).toMatchObject({ breaker: 'closed', latencyMs: 120, ttftMs: 40 });
      await a.close();
    } finally {
      client.disconnect();
      await closeRedis(client);
    }
  });
});
