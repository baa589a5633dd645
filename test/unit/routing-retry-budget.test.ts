import { describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/fake-clock.js';
import { DEFAULT_RETRY_BUDGET, RetryBudget } from '../../src/routing/health/retry-budget.js';


describe('RetryBudget', () => {
  it('defaults: ratio 0.2, floor 10, window 10 s', () => {
    expect(DEFAULT_RETRY_BUDGET).toEqual({ ratio: 0.2, floor: 10, windowMs: 10_000 });
    const budget = new RetryBudget();
    expect([budget.ratio, budget.floor, budget.windowMs]).toEqual([0.2, 10, 10_000]);
  });

  it('allows the floor with no traffic at all', () => {
    const budget = new RetryBudget({}, fakeClock().clock);
    let allowed = 0;
    for (let i = 0; i < 50; i++) if (budget.tryRetry()) allowed++;
    expect(allowed).toBe(10);
  });

  it('caps retries during an outage: 1000 requests in 10 s, every attempt failing → exactly 0.2 × 1000 + 10 = 210 retries', () => {
    const time = fakeClock(0);
    const budget = new RetryBudget({}, time.clock);
    const maxAttempts = 3; // each request would try 1 + 2 more (retry / fallback) if the budget let it
    let attempts = 0;
    let retries = 0;
    let refused = 0;
    for (let request = 0; request < 1000; request++) {
      time.set(request * 10); // one request every 10 ms: t = 0 … 9 990 ms, all inside one 10 s window
      budget.recordRequest();
      attempts++; // first attempt: always made, always fails
      for (let attempt = 2; attempt <= maxAttempts; attempt++) {
        if (!budget.tryRetry()) {
          refused++;
          break;
        }
        retries++;
        attempts++;
      }
    }
    expect(retries).toBe(210);
    expect(attempts).toBe(1210);
    expect(refused).toBeGreaterThan(0);
    expect(budget.snapshot()).toEqual({ requests: 1000, retries: 210, limit: 210 });
    // A second later the oldest bucket (100 requests, and the retries granted in it) has left the window.
    time.advance(1000);
    expect(budget.snapshot().requests).toBe(900);
  });

  it('refills as the window slides', () => {
    const time = fakeClock(0);
    const budget = new RetryBudget({ ratio: 0.1, floor: 0, windowMs: 1000 }, time.clock);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    let allowed = 0;
    while (budget.tryRetry()) allowed++;
    expect(allowed).toBe(10);
    time.advance(500);
    expect(budget.tryRetry()).toBe(false);
    time.advance(500); // the requests and the retries left the window together
    expect(budget.snapshot()).toEqual({ requests: 0, retries: 0, limit: 0 });
    expect(budget.tryRetry()).toBe(false);
    for (let i = 0; i < 30; i++) budget.recordRequest();
    allowed = 0;
    while (budget.tryRetry()) allowed++;
    expect(allowed).toBe(3);
  });

  it('rejects nonsense options', () => {
    expect(() => new RetryBudget({ ratio: -1 })).toThrow(RangeError);
    expect(() => new RetryBudget({ windowMs: 0 })).toThrow(RangeError);
  });
});
