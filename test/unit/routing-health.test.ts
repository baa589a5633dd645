import { describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/fake-clock.js';
import { cancellationError } from '../../src/execution/cancellation.js';
import {
  classifyOutcome,
  DEFAULT_BREAKER_OPTIONS,
  InMemoryHealthTracker,
  parseResetDuration,
} from '../../src/routing/health/in-memory-health-tracker.js';
import { WindowedCounters } from '../../src/routing/health/windowed-counters.js';
import { clientClosedError, GatewayError, kindForUpstreamStatus, shuttingDownError, type ErrorKind } from '../../src/spec/errors.js';

const KEY = 'prov/model';
const T0 = Date.parse('2025-06-01T12:00:00Z');


function upstream(status: number, extra: { retryAfterMs?: number; kind?: ErrorKind; code?: string } = {}): GatewayError {
  return new GatewayError({
    code: extra.code ?? `SWY_ERR_UPSTREAM_${status}`,
    kind: extra.kind ?? kindForUpstreamStatus(status),
    message: `upstream said ${status}`,
    origin: 'upstream',
    upstreamStatus: status,
    retryAfterMs: extra.retryAfterMs,
  });
}

function fail(tracker: InMemoryHealthTracker, error: GatewayError = upstream(500), key = KEY): void {
  tracker.started(key);
  tracker.ended(key, { ok: false, error });
}

function succeed(tracker: InMemoryHealthTracker, latencyMs?: number, ttftMs?: number, key = KEY): void {
  tracker.started(key);
  tracker.ended(key, { ok: true, latencyMs, ttftMs });
}

describe('InMemoryHealthTracker: breaker', () => {
  it('defaults are the documented ones', () => {
    expect(DEFAULT_BREAKER_OPTIONS).toEqual({
      consecutiveFailures: 5,
      errorRate: 0.5,
      minRequests: 10,
      windowMs: 30_000,
      openMs: 30_000,
      defaultCooldownMs: 5_000,
      maxCooldownMs: 60_000,
    });
    expect(new InMemoryHealthTracker().options).toEqual(DEFAULT_BREAKER_OPTIONS);
    expect(() => new InMemoryHealthTracker({ errorRate: 2 })).toThrow(RangeError);
  });

  it('a fresh deployment is closed, idle and unmeasured', () => {
    const tracker = new InMemoryHealthTracker({}, fakeClock(T0).clock);
    expect(tracker.get('never/seen')).toEqual({ breaker: 'closed', inFlight: 0, consecutiveFailures: 0, errorRate: 0 });
    expect(tracker.isAvailable('never/seen')).toBe(true);
    expect(tracker.tryAcquire('never/seen')).toBe(true);
    expect(tracker.entries()).toEqual([]);
  });

  it('opens after 5 consecutive failures, not after 4', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    for (let i = 0; i < 4; i++) fail(tracker);
    expect(tracker.get(KEY).breaker).toBe('closed');
    expect(tracker.get(KEY).consecutiveFailures).toBe(4);
    expect(tracker.tryAcquire(KEY)).toBe(true);
    fail(tracker);
    expect(tracker.get(KEY).breaker).toBe('open');
    expect(tracker.isAvailable(KEY)).toBe(false);
    expect(tracker.tryAcquire(KEY)).toBe(false);
  });

  it('a success in between resets the consecutive count', () => {
    const tracker = new InMemoryHealthTracker({ minRequests: 100 }, fakeClock(T0).clock);
    for (let i = 0; i < 4; i++) fail(tracker);
    succeed(tracker);
    for (let i = 0; i < 4; i++) fail(tracker);
    expect(tracker.get(KEY).breaker).toBe('closed');
    expect(tracker.get(KEY).consecutiveFailures).toBe(4);
  });

  it('opens on error rate: ≥ minRequests attempts in the window with failure ratio ≥ errorRate', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    // Alternate success/failure: never 5 in a row, ratio 0.5 — trips once 10 attempts are in the window.
    for (let i = 0; i < 4; i++) {
      succeed(tracker);
      fail(tracker);
      time.advance(100);
    }
    succeed(tracker);
    expect(tracker.get(KEY).breaker).toBe('closed');
    expect(tracker.get(KEY).errorRate).toBeCloseTo(4 / 9);
    fail(tracker); // 10 attempts, 5 failures
    expect(tracker.get(KEY).breaker).toBe('open');
    expect(tracker.get(KEY).errorRate).toBe(0.5);
  });

  it('does not trip on error rate below minRequests or below the ratio, and forgets old buckets', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    // 3 failures + 7 successes = 10 attempts at 30%: stays closed.
    for (let i = 0; i < 3; i++) fail(tracker);
    for (let i = 0; i < 7; i++) succeed(tracker);
    expect(tracker.get(KEY).breaker).toBe('closed');
    // Those 10 age out of the 30 s window; 4 new failures alone don't make 10 attempts.
    time.advance(31_000);
    expect(tracker.get(KEY).errorRate).toBe(0);
    for (let i = 0; i < 4; i++) fail(tracker);
    expect(tracker.get(KEY).breaker).toBe('closed');
    expect(tracker.get(KEY).errorRate).toBe(1);
  });

  it('half-open after openMs allows exactly one probe; success closes and resets counters', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    for (let i = 0; i < 5; i++) fail(tracker);
    time.advance(29_999);
    expect(tracker.isAvailable(KEY)).toBe(false);
    expect(tracker.tryAcquire(KEY)).toBe(false);
    time.advance(1);
    expect(tracker.get(KEY).breaker).toBe('half-open');
    expect(tracker.isAvailable(KEY)).toBe(true);
    expect(tracker.tryAcquire(KEY)).toBe(true); // the probe
    expect(tracker.tryAcquire(KEY)).toBe(false); // a second one is refused while the probe is out
    expect(tracker.isAvailable(KEY)).toBe(false);
    tracker.started(KEY);
    time.advance(200);
    tracker.ended(KEY, { ok: true, latencyMs: 200 });
    const health = tracker.get(KEY);
    expect(health.breaker).toBe('closed');
    expect(health.consecutiveFailures).toBe(0);
    expect(health.errorRate).toBe(0);
    expect(tracker.tryAcquire(KEY)).toBe(true);
    expect(tracker.tryAcquire(KEY)).toBe(true);
  });

  it('a failed probe opens the breaker again for openMs', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    for (let i = 0; i < 5; i++) fail(tracker);
    time.advance(30_000);
    expect(tracker.tryAcquire(KEY)).toBe(true);
    fail(tracker, upstream(502));
    expect(tracker.get(KEY).breaker).toBe('open');
    expect(tracker.tryAcquire(KEY)).toBe(false);
    time.advance(29_999);
    expect(tracker.tryAcquire(KEY)).toBe(false);
    time.advance(1);
    expect(tracker.tryAcquire(KEY)).toBe(true);
  });

  it('a cancelled probe frees the probe slot without deciding anything', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    for (let i = 0; i < 5; i++) fail(tracker);
    time.advance(30_000);
    expect(tracker.tryAcquire(KEY)).toBe(true);
    fail(tracker, clientClosedError('prov'));
    expect(tracker.get(KEY).breaker).toBe('half-open');
    expect(tracker.tryAcquire(KEY)).toBe(true);
  });

  it('a probe that never reports back frees its slot after openMs', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    for (let i = 0; i < 5; i++) fail(tracker);
    time.advance(30_000);
    expect(tracker.tryAcquire(KEY)).toBe(true);
    time.advance(29_999);
    expect(tracker.tryAcquire(KEY)).toBe(false);
    time.advance(1);
    expect(tracker.tryAcquire(KEY)).toBe(true);
  });

  it('keeps deployments separate', () => {
    const tracker = new InMemoryHealthTracker({}, fakeClock(T0).clock);
    for (let i = 0; i < 5; i++) fail(tracker, upstream(500), 'a/m');
    expect(tracker.isAvailable('a/m')).toBe(false);
    expect(tracker.isAvailable('b/m')).toBe(true);
    expect(tracker.entries().map(([key]) => key)).toEqual(['a/m']);
  });
});

describe('InMemoryHealthTracker: what counts as a failure', () => {
  const counted = (error: GatewayError) => classifyOutcome({ ok: false, error });

  it('counts upstream 5xx, timeouts, overload, 429, and 401/403 from the upstream (our credentials)', () => {
    for (const status of [500, 502, 503, 504, 529, 429, 408, 401, 403]) expect(counted(upstream(status))).toBe('failure');
    expect(counted(new GatewayError({ code: 'SWY_ERR_UPSTREAM_CONNECT', kind: 'upstream_error', origin: 'gateway', message: 'ECONNREFUSED' }))).toBe('failure');
    expect(classifyOutcome({ ok: true })).toBe('success');
  });

  it('does not count caller errors, whoever reports them', () => {
    for (const status of [400, 404, 413, 422]) expect(counted(upstream(status))).toBe('neutral');
    expect(counted(new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', origin: 'client', message: 'bad' }))).toBe('neutral');
    expect(counted(new GatewayError({ code: 'SWY_ERR_AUTH', kind: 'authentication', origin: 'client', message: 'bad key' }))).toBe('neutral');
    expect(counted(new GatewayError({ code: 'SWY_ERR_RATE', kind: 'rate_limit', origin: 'client', message: 'your key is limited' }))).toBe('neutral');
  });

  it('does not count cancellations, nor a failure reported without an error', () => {
    expect(classifyOutcome({ ok: false })).toBe('neutral');
    expect(counted(clientClosedError('prov'))).toBe('neutral');
    expect(counted(cancellationError('hedge-lost', 'prov'))).toBe('neutral');
    // The request's own deadline and a draining gateway say nothing about the deployment either.
    expect(counted(cancellationError('deadline', 'prov'))).toBe('neutral');
    expect(counted(shuttingDownError())).toBe('neutral');
  });

  it('a draining gateway (overloaded, origin gateway) does not cool the deployment down', () => {
    const tracker = new InMemoryHealthTracker({}, fakeClock(T0).clock);
    fail(tracker, shuttingDownError());
    expect(tracker.get(KEY).cooldownUntil).toBeUndefined();
  });

  it('caller 4xx errors never open the breaker', () => {
    const tracker = new InMemoryHealthTracker({}, fakeClock(T0).clock);
    for (let i = 0; i < 20; i++) fail(tracker, upstream(400));
    const health = tracker.get(KEY);
    expect(health).toMatchObject({ breaker: 'closed', consecutiveFailures: 0, errorRate: 0, inFlight: 0 });
    expect(tracker.isAvailable(KEY)).toBe(true);
  });
});

describe('InMemoryHealthTracker: cooldown', () => {
  it('a 429 with retryAfterMs 2000 cools down for exactly 2 s', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    fail(tracker, upstream(429, { retryAfterMs: 2000 }));
    expect(tracker.get(KEY).cooldownUntil).toBe(T0 + 2000);
    expect(tracker.get(KEY).breaker).toBe('closed');
    time.advance(1999);
    expect(tracker.isAvailable(KEY)).toBe(false);
    expect(tracker.tryAcquire(KEY)).toBe(false);
    time.advance(1);
    expect(tracker.isAvailable(KEY)).toBe(true);
    expect(tracker.tryAcquire(KEY)).toBe(true);
    expect(tracker.get(KEY).cooldownUntil).toBeUndefined();
  });

  it('overload without retry-after uses defaultCooldownMs; retry-after is capped at maxCooldownMs', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    fail(tracker, upstream(529));
    expect(tracker.get(KEY).cooldownUntil).toBe(T0 + 5000);
    fail(tracker, upstream(429, { retryAfterMs: 3_600_000 }), 'other/model');
    expect(tracker.get('other/model').cooldownUntil).toBe(T0 + 60_000);
  });

  it('a 500 does not cool down', () => {
    const tracker = new InMemoryHealthTracker({}, fakeClock(T0).clock);
    fail(tracker, upstream(500));
    expect(tracker.get(KEY).cooldownUntil).toBeUndefined();
    expect(tracker.isAvailable(KEY)).toBe(true);
  });
});

describe('InMemoryHealthTracker: latency, TTFT, in-flight', () => {
  it('counts in-flight attempts', () => {
    const tracker = new InMemoryHealthTracker({}, fakeClock(T0).clock);
    tracker.started(KEY);
    tracker.started(KEY);
    expect(tracker.get(KEY).inFlight).toBe(2);
    tracker.ended(KEY, { ok: true });
    expect(tracker.get(KEY).inFlight).toBe(1);
    tracker.ended(KEY, { ok: false, error: clientClosedError() });
    tracker.ended(KEY, { ok: true }); // an unmatched end never goes negative
    expect(tracker.get(KEY).inFlight).toBe(0);
  });

  it('EWMA starts at the first sample and moves 20% toward each new one', () => {
    const tracker = new InMemoryHealthTracker({}, fakeClock(T0).clock);
    succeed(tracker, 1000, 100);
    expect(tracker.get(KEY)).toMatchObject({ latencyMs: 1000, ttftMs: 100, ttftP95Ms: 100 });
    succeed(tracker, 2000, 200);
    expect(tracker.get(KEY).latencyMs).toBeCloseTo(1200);
    expect(tracker.get(KEY).ttftMs).toBeCloseTo(120);
    succeed(tracker, 2000); // no TTFT on this call: TTFT unchanged
    expect(tracker.get(KEY).latencyMs).toBeCloseTo(1360);
    expect(tracker.get(KEY).ttftMs).toBeCloseTo(120);
    fail(tracker, upstream(500)); // failures do not move latency
    expect(tracker.get(KEY).latencyMs).toBeCloseTo(1360);
  });

  it('estimates TTFT p95 from the last 64 samples', () => {
    const tracker = new InMemoryHealthTracker({}, fakeClock(T0).clock);
    for (let i = 1; i <= 100; i++) succeed(tracker, undefined, i);
    // The ring holds 37..100; nearest-rank p95 of 64 samples is the 61st smallest: 97.
    expect(tracker.get(KEY).ttftP95Ms).toBe(97);
    for (let i = 0; i < 64; i++) succeed(tracker, undefined, 10);
    expect(tracker.get(KEY).ttftP95Ms).toBe(10);
  });
});

describe('InMemoryHealthTracker: rate-limit headers', () => {
  it('parses OpenAI durations', () => {
    expect(parseResetDuration('1s')).toBe(1000);
    expect(parseResetDuration('6m0s')).toBe(360_000);
    expect(parseResetDuration('20ms')).toBe(20);
    expect(parseResetDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseResetDuration('0.5')).toBe(500);
    expect(parseResetDuration('soon')).toBeUndefined();
    expect(parseResetDuration('5x')).toBeUndefined();
    expect(parseResetDuration('')).toBeUndefined();
  });

  it('reads OpenAI x-ratelimit-* headers', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    tracker.observeHeaders(KEY, {
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '499',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-requests': '120ms',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(tracker.get(KEY)).toMatchObject({ remainingRequests: 499, remainingTokens: 149_984, remainingReadAt: T0 });
    expect(tracker.get(KEY).cooldownUntil).toBeUndefined();
  });

  it('OpenAI: zero remaining requests with a reset cools down until the reset', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    tracker.observeHeaders(KEY, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-remaining-tokens': '1000', 'x-ratelimit-reset-requests': '1.5s' });
    expect(tracker.get(KEY).cooldownUntil).toBe(T0 + 1500);
    expect(tracker.isAvailable(KEY)).toBe(false);
    // Capped at maxCooldownMs.
    tracker.observeHeaders('b/m', { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s' });
    expect(tracker.get('b/m').cooldownUntil).toBe(T0 + 60_000);
    // Zero without a reset time: recorded, no cooldown.
    tracker.observeHeaders('c/m', { 'x-ratelimit-remaining-requests': '0' });
    expect(tracker.get('c/m')).toMatchObject({ remainingRequests: 0 });
    expect(tracker.get('c/m').cooldownUntil).toBeUndefined();
  });

  it('reads Anthropic anthropic-ratelimit-* headers (tokens: the tightest of tokens/input/output)', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    tracker.observeHeaders(KEY, {
      'anthropic-ratelimit-requests-limit': '4000',
      'anthropic-ratelimit-requests-remaining': '3999',
      'anthropic-ratelimit-requests-reset': '2025-06-01T12:00:01Z',
      'anthropic-ratelimit-input-tokens-remaining': '400000',
      'anthropic-ratelimit-output-tokens-remaining': ['80000'],
      'anthropic-ratelimit-tokens-remaining': '480000',
    });
    expect(tracker.get(KEY)).toMatchObject({ remainingRequests: 3999, remainingTokens: 80_000, remainingReadAt: T0 });
    expect(tracker.get(KEY).cooldownUntil).toBeUndefined();
  });

  it('Anthropic: zero remaining requests cools down until the RFC 3339 reset', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    tracker.observeHeaders(KEY, {
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2025-06-01T12:00:07Z',
    });
    expect(tracker.get(KEY).cooldownUntil).toBe(T0 + 7000);
    time.advance(7000);
    expect(tracker.isAvailable(KEY)).toBe(true);
    // A reset in the past does nothing.
    tracker.observeHeaders(KEY, { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2025-06-01T11:00:00Z' });
    expect(tracker.get(KEY).cooldownUntil).toBeUndefined();
  });

  it('a response without rate-limit headers changes nothing; a new snapshot replaces the old one', () => {
    const time = fakeClock(T0);
    const tracker = new InMemoryHealthTracker({}, time.clock);
    tracker.observeHeaders(KEY, { 'x-ratelimit-remaining-requests': '10', 'x-ratelimit-remaining-tokens': '500' });
    time.advance(1000);
    tracker.observeHeaders(KEY, { 'content-type': 'application/json' });
    expect(tracker.get(KEY)).toMatchObject({ remainingRequests: 10, remainingTokens: 500, remainingReadAt: T0 });
    tracker.observeHeaders(KEY, { 'x-ratelimit-remaining-requests': '9' });
    expect(tracker.get(KEY)).toMatchObject({ remainingRequests: 9, remainingTokens: undefined, remainingReadAt: T0 + 1000 });
  });
});

describe('WindowedCounters', () => {
  it('slides by buckets and clears everything after a long gap', () => {
    const counters = new WindowedCounters(1000, 10); // 100 ms buckets
    counters.addFirst(0);
    counters.addFirst(50);
    counters.addSecond(150);
    expect(counters.firstIn(150)).toBe(2);
    expect(counters.firstIn(999)).toBe(2);
    expect(counters.firstIn(1000)).toBe(0); // bucket [0,100) left the window
    expect(counters.secondIn(1000)).toBe(1);
    expect(counters.secondIn(1100)).toBe(0);
    counters.addFirst(1150);
    expect(counters.firstIn(50_000)).toBe(0);
    counters.addFirst(40_000); // clock went backwards: counted in the newest bucket
    expect(counters.firstIn(50_000)).toBe(1);
  });
});
