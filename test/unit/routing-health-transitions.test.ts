import { describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/fake-clock.js';
import type { HealthTransition } from '../../src/routing/health/health-tracker.js';
import { InMemoryHealthTracker } from '../../src/routing/health/in-memory-health-tracker.js';
import { GatewayError, kindForUpstreamStatus } from '../../src/spec/errors.js';

/** InMemoryHealthTracker's sharing seam: onTransition (its own decisions) and applyRemote (another replica's). */

const KEY = 'prov/model';
const T0 = Date.parse('2025-06-01T12:00:00Z');

function upstream(status: number, retryAfterMs?: number): GatewayError {
  return new GatewayError({ code: `SWY_ERR_UPSTREAM_${status}`, kind: kindForUpstreamStatus(status), message: `upstream said ${status}`, origin: 'upstream', upstreamStatus: status, retryAfterMs });
}

function fail(tracker: InMemoryHealthTracker, error: GatewayError = upstream(500), key = KEY): void {
  tracker.started(key);
  tracker.ended(key, { ok: false, error });
}

function succeed(tracker: InMemoryHealthTracker, key = KEY): void {
  tracker.started(key);
  tracker.ended(key, { ok: true, latencyMs: 100, ttftMs: 50 });
}

function recording(tracker: InMemoryHealthTracker): Array<[string, HealthTransition]> {
  const seen: Array<[string, HealthTransition]> = [];
  tracker.onTransition((key, transition) => seen.push([key, transition]));
  return seen;
}

describe('InMemoryHealthTracker.onTransition', () => {
  it('reports the breaker opening, a failed probe re-opening it and a successful probe closing it', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({ consecutiveFailures: 3, openMs: 10_000 }, time.clock);
    const seen = recording(tracker);
    fail(tracker);
    fail(tracker);
    expect(seen).toEqual([]);
    fail(tracker);
    expect(seen).toEqual([[KEY, { breaker: 'open', until: T0 + 10_000 }]]);
    fail(tracker); // a straggler while open: nothing new
    expect(seen).toHaveLength(1);

    time.advance(10_000);
    expect(tracker.tryAcquire(KEY)).toBe(true); // half-open is local: not reported
    expect(seen).toHaveLength(1);
    fail(tracker);
    expect(seen[1]).toEqual([KEY, { breaker: 'open', until: T0 + 20_000 }]);

    time.advance(10_000);
    expect(tracker.tryAcquire(KEY)).toBe(true);
    succeed(tracker);
    expect(seen[2]).toEqual([KEY, { breaker: 'closed' }]);
    succeed(tracker); // already closed
    expect(seen).toHaveLength(3);
  });

  it('reports cooldowns from 429 / overload (with retry-after) and from rate-limit headers, only when they start or extend', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({ consecutiveFailures: 100, minRequests: 100 }, time.clock);
    const seen = recording(tracker);
    fail(tracker, upstream(429, 2_000));
    expect(seen).toEqual([[KEY, { cooldownUntil: T0 + 2_000, kind: 'rate_limit' }]]);
    fail(tracker, upstream(429, 1_000)); // shorter than the one running
    expect(seen).toHaveLength(1);
    fail(tracker, upstream(503));
    expect(seen[1]).toEqual([KEY, { cooldownUntil: T0 + 5_000, kind: 'overloaded' }]);
    fail(tracker, upstream(429, 0)); // no cooldown at all: nothing to share
    expect(seen).toHaveLength(2);
    tracker.observeHeaders('other/model', { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '7s' });
    expect(seen[2]).toEqual(['other/model', { cooldownUntil: T0 + 7_000, kind: 'rate_limit' }]);
  });

  it('a throwing listener does not disturb the tracker; undefined removes the listener', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({ consecutiveFailures: 1 }, time.clock);
    tracker.onTransition(() => {
      throw new Error('listener bug');
    });
    expect(() => fail(tracker)).not.toThrow();
    expect(tracker.get(KEY)).toMatchObject({ breaker: 'open', inFlight: 0 });
    const seen = recording(tracker);
    tracker.onTransition(undefined);
    fail(tracker, upstream(500), 'b/b');
    expect(seen).toEqual([]);
  });
});

describe('InMemoryHealthTracker.applyRemote', () => {
  it('open until T: unavailable until T, then the local half-open probe decides; not reported to the listener', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({ openMs: 30_000 }, time.clock);
    const seen = recording(tracker);
    expect(tracker.applyRemote(KEY, { breaker: 'open', until: T0 + 20_000 })).toBe(true);
    expect(tracker.isAvailable(KEY)).toBe(false);
    expect(tracker.tryAcquire(KEY)).toBe(false);
    expect(tracker.get(KEY)).toMatchObject({ breaker: 'open', consecutiveFailures: 0, errorRate: 0 });
    expect(tracker.applyRemote(KEY, { breaker: 'open', until: T0 + 10_000 })).toBe(false); // earlier: the later one stands
    time.advance(19_999);
    expect(tracker.isAvailable(KEY)).toBe(false);
    time.advance(1);
    expect(tracker.get(KEY).breaker).toBe('half-open');
    expect(tracker.tryAcquire(KEY)).toBe(true);
    expect(tracker.tryAcquire(KEY)).toBe(false); // one probe at a time
    succeed(tracker);
    expect(tracker.get(KEY).breaker).toBe('closed');
    expect(seen).toEqual([[KEY, { breaker: 'closed' }]]); // the local close is this replica's own decision
  });

  it('a remote open interrupts a local half-open probe; a probe ending afterwards changes nothing', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({ consecutiveFailures: 1, openMs: 10_000 }, time.clock);
    fail(tracker);
    time.advance(10_000);
    expect(tracker.tryAcquire(KEY)).toBe(true);
    expect(tracker.applyRemote(KEY, { breaker: 'open', until: T0 + 15_000 })).toBe(true);
    expect(tracker.get(KEY).breaker).toBe('open');
    succeed(tracker);
    expect(tracker.get(KEY).breaker).toBe('open');
    time.set(T0 + 15_000);
    expect(tracker.tryAcquire(KEY)).toBe(true);
  });

  it('closed: an open breaker closes with its counters reset; cooldowns stay; unseen deployments stay unseen', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({ consecutiveFailures: 2 }, time.clock);
    fail(tracker, upstream(429, 3_000));
    fail(tracker);
    expect(tracker.get(KEY).breaker).toBe('open');
    expect(tracker.applyRemote(KEY, { breaker: 'closed' })).toBe(true);
    expect(tracker.get(KEY)).toMatchObject({ breaker: 'closed', consecutiveFailures: 0, errorRate: 0, cooldownUntil: T0 + 3_000 });
    expect(tracker.isAvailable(KEY)).toBe(false); // still cooling down
    time.advance(3_000);
    expect(tracker.isAvailable(KEY)).toBe(true);
    expect(tracker.applyRemote(KEY, { breaker: 'closed' })).toBe(false);
    expect(tracker.applyRemote('never/seen', { breaker: 'closed' })).toBe(false);
    expect(tracker.entries().map(([key]) => key)).toEqual([KEY]);
  });

  it('cooldown until T: unavailable until T with its kind, unless a longer one runs', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    const seen = recording(tracker);
    expect(tracker.applyRemote(KEY, { cooldownUntil: T0 + 4_000, kind: 'overloaded' })).toBe(true);
    expect(tracker.get(KEY)).toMatchObject({ breaker: 'closed', cooldownUntil: T0 + 4_000, cooldownKind: 'overloaded' });
    expect(tracker.isAvailable(KEY)).toBe(false);
    expect(tracker.applyRemote(KEY, { cooldownUntil: T0 + 2_000, kind: 'rate_limit' })).toBe(false);
    expect(tracker.get(KEY).cooldownKind).toBe('overloaded');
    time.advance(4_000);
    expect(tracker.isAvailable(KEY)).toBe(true);
    expect(seen).toEqual([]);
  });

  it('ignores times already past, NaN, and caps far-future ones at openMs / maxCooldownMs', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({ openMs: 30_000, maxCooldownMs: 60_000 }, time.clock);
    expect(tracker.applyRemote(KEY, { breaker: 'open', until: T0 })).toBe(false);
    expect(tracker.applyRemote(KEY, { breaker: 'open', until: Number.NaN })).toBe(false);
    expect(tracker.applyRemote(KEY, { cooldownUntil: T0 - 1, kind: 'rate_limit' })).toBe(false);
    expect(tracker.isAvailable(KEY)).toBe(true);
    expect(tracker.applyRemote(KEY, { breaker: 'open', until: T0 + 3_600_000 })).toBe(true);
    expect(tracker.applyRemote('b/b', { cooldownUntil: T0 + 3_600_000, kind: 'rate_limit' })).toBe(true);
    expect(tracker.get('b/b').cooldownUntil).toBe(T0 + 60_000);
    time.advance(30_000);
    expect(tracker.get(KEY).breaker).toBe('half-open');
  });
});
