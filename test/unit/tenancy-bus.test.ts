import { afterAll, describe, expect, it } from 'vitest';
import type { TenancyEvent } from '../../src/tenancy/limits-types.js';
import { LocalTenancyBus, RedisTenancyBus, parseTenancyEvent } from '../../src/tenancy/tenancy-bus.js';
import { redisTestSpace } from '../helpers/redis.js';

const space = redisTestSpace('bus');
const other = redisTestSpace('bus-other');

afterAll(async () => {
  await space.cleanup();
  await other.cleanup();
});

/** Resolves with the events once `count` arrived; rejects after a generous 5 s. */
function collect(count: number): { handler: (event: TenancyEvent) => void; events: TenancyEvent[]; done: Promise<TenancyEvent[]> } {
  const events: TenancyEvent[] = [];
  let resolve!: (events: TenancyEvent[]) => void;
  const done = new Promise<TenancyEvent[]>((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`only ${events.length} of ${count} events within 5 s: ${JSON.stringify(events)}`)), 5000).unref();
  });
  return {
    events,
    done,
    handler: (event) => {
      events.push(event);
      if (events.length === count) resolve(events);
    },
  };
}

describe('LocalTenancyBus', () => {
  it('delivers to every handler before publish resolves; a throwing handler does not stop the others', async () => {
    const errors: unknown[] = [];
    const bus = new LocalTenancyBus({ onHandlerError: (error) => errors.push(error) });
    const seen: TenancyEvent[] = [];
    bus.subscribe(() => {
      throw new Error('handler bug');
    });
    bus.subscribe((event) => seen.push(event));
    await bus.publish({ type: 'key-revoked', keyHash: 'abc' });
    expect(seen).toEqual([{ type: 'key-revoked', keyHash: 'abc' }]);
    expect(errors).toHaveLength(1);
    await bus.close();
    await bus.publish({ type: 'team-changed', teamId: 'team_1' });
    expect(seen).toHaveLength(1);
  });
});

describe('RedisTenancyBus', () => {
  it('an event published by one replica reaches the others (and itself) in order', async () => {
    const a = new RedisTenancyBus(await space.connect());
    const b = new RedisTenancyBus(await space.connect());
    await Promise.all([a.start(), b.start()]);
    expect(a.channel).toBe(`${space.prefix}tenancy`);
    const atA = collect(3);
    const atB = collect(3);
    a.subscribe(atA.handler);
    b.subscribe(atB.handler);
    const sent: TenancyEvent[] = [
      { type: 'key-revoked', keyHash: 'f'.repeat(64) },
      { type: 'team-changed', teamId: 'team_abc' },
      { type: 'key-changed', keyHash: 'e'.repeat(64) },
    ];
    for (const event of sent) await a.publish(event);
    expect(await atB.done).toEqual(sent);
    expect(await atA.done).toEqual(sent);
    await Promise.all([a.close(), b.close()]);
  });

  it('ignores malformed messages and does not hear gateways under another prefix', async () => {
    const publisher = await space.connect();
    const bus = new RedisTenancyBus(await space.connect());
    const stranger = new RedisTenancyBus(await other.connect());
    await Promise.all([bus.start(), stranger.start()]);
    const seen = collect(1);
    bus.subscribe(seen.handler);
    for (const junk of ['not json', '[]', 'null', '{"type":"key-revoked"}', '{"type":"key-revoked","keyHash":7}', '{"type":"drop-everything"}', '{"type":"team-changed","teamId":""}']) {
      await publisher.publish(bus.channel, junk);
    }
    await stranger.publish({ type: 'team-changed', teamId: 'team_elsewhere' });
    await publisher.publish(bus.channel, JSON.stringify({ type: 'team-changed', teamId: 'team_1', extra: true }));
    expect(await seen.done).toEqual([{ type: 'team-changed', teamId: 'team_1' }]);
    await Promise.all([bus.close(), stranger.close()]);
  });

  it('parseTenancyEvent keeps only the known fields', () => {
    expect(parseTenancyEvent('{"type":"key-revoked","keyHash":"ab","x":1}')).toEqual({ type: 'key-revoked', keyHash: 'ab' });
    expect(parseTenancyEvent('{"type":"team-changed"}')).toBeUndefined();
  });
});
