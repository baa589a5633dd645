/**
 * Redis down at start, gone mid-run, or hanging: every Redis-backed counter fails closed with
 * LimitsUnavailableError quickly (the bounds here are generous; the measured times are ~0 ms for a
 * refused connection and ~1 s, the command timeout, for a Redis that stops answering), and the
 * connection comes back by itself when Redis does.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis, createRedisClient } from '../../src/storage/redis.js';
import { LimitsUnavailableError, type BudgetScope } from '../../src/tenancy/limits-types.js';
import { RedisRateLimiter } from '../../src/tenancy/rate-limiter.js';
import { RedisBudgetStore } from '../../src/tenancy/budget-store.js';
import { RedisTenancyBus } from '../../src/tenancy/tenancy-bus.js';
import { TcpProxy, closedPort, redisTestSpace, timeSettle } from '../helpers/redis.js';

/**
 * "Fails instead of hanging": the clients' own limit is a 1 s command timeout (immediate when the
 * connection is gone); the bound is ten times that, so a starved CI machine cannot trip it.
 */
const BOUND_MS = 10_000;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const space = redisTestSpace('down');
const proxies: TcpProxy[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => closeRedis(client)));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.sever()));
});

afterAll(async () => {
  await space.cleanup();
});

const scope: BudgetScope = { key: 'budget:team:t1:day', limitNanos: 1000, periodEndMs: T0 + 86_400_000, seed: async () => 0n };
const check = [{ key: 'rl:key:k1:rpm', limit: 100, cost: 1 }];

async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const { ms, error } = await timeSettle(promise);
  if (process.env.SWY_DEBUG_TIMES) console.log(`rejected after ${ms.toFixed(1)} ms: ${(error as Error)?.message}`);
  expect(error).toBeInstanceOf(LimitsUnavailableError);
  expect(ms).toBeLessThan(BOUND_MS);
}

async function eventually(what: () => Promise<unknown>, withinMs = 15_000): Promise<void> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      await what();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('Redis down at start', () => {
  it('connectRedis fails with one line naming the redacted URL and the reason', async () => {
    const port = await closedPort();
    const { ms, error } = await timeSettle(connectRedis(`redis://:s3cret-pass@127.0.0.1:${port}/0`));
    expect((error as Error).message).toBe(`cannot reach Redis at redis://:***@127.0.0.1:${port}/0: connect ECONNREFUSED`);
    expect((error as Error).message).not.toContain('s3cret');
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('every Redis implementation throws LimitsUnavailableError at once', async () => {
    const client = createRedisClient(`redis://127.0.0.1:${await closedPort()}`, { namespace: space.namespace });
    clients.push(client);
    const limiter = new RedisRateLimiter(client);
    const budgets = new RedisBudgetStore(client);
    const bus = new RedisTenancyBus(client);
    await expectUnavailable(limiter.consume(check, T0));
    await expectUnavailable(limiter.adjust('rl:key:k1:tpm', T0, -5));
    await expectUnavailable(budgets.reserve('r1', [scope], 10, 60_000, T0));
    await expectUnavailable(budgets.settle('r1', [scope], 10, T0));
    await expectUnavailable(budgets.snapshot(scope, T0));
    await expectUnavailable(bus.publish({ type: 'key-revoked', keyHash: 'abc' }));
    await expectUnavailable(bus.start());
    await bus.close();
  });
});

describe('Redis gone mid-run', () => {
  async function throughProxy(): Promise<{ proxy: TcpProxy; client: Redis }> {
    const proxy = new TcpProxy();
    await proxy.start();
    proxies.push(proxy);
    const client = await connectRedis(proxy.url, { namespace: space.namespace, maxReconnectDelayMs: 200 });
    clients.push(client);
    return { proxy, client };
  }

  it('connection closed: the next calls fail closed; when Redis is back the same client serves again', async () => {
    const { proxy, client } = await throughProxy();
    const limiter = new RedisRateLimiter(client);
    const budgets = new RedisBudgetStore(client);
    expect((await limiter.consume(check, T0)).allowed).toBe(true);
    expect(await budgets.reserve('r1', [scope], 10, 60_000, T0)).toEqual({ ok: true });

    await proxy.sever();
    await expectUnavailable(limiter.consume(check, T0));
    await expectUnavailable(budgets.settle('r1', [scope], 7, T0));
    await expectUnavailable(budgets.reserve('r2', [scope], 10, 60_000, T0));

    await proxy.restart();
    await eventually(() => budgets.settle('r1', [scope], 7, T0));
    expect(await budgets.snapshot(scope, T0)).toEqual({ spentNanos: 7, reservedNanos: 0 });
    expect((await limiter.consume(check, T0)).states[0].remaining).toBeLessThanOrEqual(98);
  });

  it('Redis stops answering (connection open, nothing comes back): calls in flight and new ones fail after the command timeout', async () => {
    const { proxy, client } = await throughProxy();
    const limiter = new RedisRateLimiter(client);
    const budgets = new RedisBudgetStore(client);
    expect((await limiter.consume(check, T0)).allowed).toBe(true);
    proxy.pause();
    await Promise.all([expectUnavailable(limiter.consume(check, T0)), expectUnavailable(budgets.reserve('r3', [scope], 10, 60_000, T0))]);
    // The silent connection is dropped (socket timeout) and reopened in the background.
    await eventually(async () => expect(client.status).not.toBe('ready'));
    await expectUnavailable(limiter.consume(check, T0));
  });

  it('the bus subscriber comes back by itself and says so (events meanwhile may be lost: drop caches)', async () => {
    const { proxy, client } = await throughProxy();
    let resubscribed = 0;
    const bus = new RedisTenancyBus(client, { onResubscribed: () => resubscribed++ });
    await bus.start();
    const seen: string[] = [];
    bus.subscribe((event) => seen.push(event.type));
    await proxy.sever();
    await expectUnavailable(bus.publish({ type: 'key-revoked', keyHash: 'abc' }));
    await proxy.restart();
    await eventually(async () => expect(resubscribed).toBeGreaterThanOrEqual(1));
    const direct = await space.connect();
    const other = new RedisTenancyBus(direct);
    await other.publish({ type: 'team-changed', teamId: 'team_1' });
    await eventually(async () => expect(seen).toEqual(['team-changed']));
    await Promise.all([bus.close(), other.close()]);
  });
});
