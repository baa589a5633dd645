import type { Clock } from './health-tracker.js';
import { WindowedCounters } from './windowed-counters.js';

export interface RetryBudgetOptions {
  /** Retries allowed per client request in the window, on top of the floor (default 0.2). */
  ratio?: number;
  /** Retries always allowed in the window however few requests there were (default 10). */
  floor?: number;
  /** Sliding window, ms (default 10 000; kept in 10 buckets of windowMs / 10). */
  windowMs?: number;
}

export const DEFAULT_RETRY_BUDGET = Object.freeze({ ratio: 0.2, floor: 10, windowMs: 10_000 });

/**
 * Caps retries and fallbacks gateway-wide so an outage cannot multiply load: an attempt after the
 * first is allowed only while the retries in the last `windowMs` number fewer than
 * `ratio × client requests in that window + floor`.
 *
 * Call `recordRequest()` once per client request and `tryRetry()` before every attempt after the
 * first (retry or fallback); an allowed retry is counted. Counters are bucketed (O(1) memory, no
 * allocation per call); all times come from the injected clock.
 */
export class RetryBudget {
  readonly ratio: number;
  readonly floor: number;
  readonly windowMs: number;
  private readonly counters: WindowedCounters;

  constructor(options: RetryBudgetOptions = {}, private readonly clock: Clock = Date.now) {
    this.ratio = options.ratio ?? DEFAULT_RETRY_BUDGET.ratio;
    this.floor = options.floor ?? DEFAULT_RETRY_BUDGET.floor;
    this.windowMs = options.windowMs ?? DEFAULT_RETRY_BUDGET.windowMs;
    if (!(this.ratio >= 0) || !Number.isFinite(this.ratio)) throw new RangeError(`retry budget ratio must be ≥ 0, got ${this.ratio}`);
    if (!(this.floor >= 0) || !Number.isFinite(this.floor)) throw new RangeError(`retry budget floor must be ≥ 0, got ${this.floor}`);
    // First counter: client requests; second: retries granted.
    this.counters = new WindowedCounters(this.windowMs, 10);
  }

  /** A client request arrived (counts toward the budget whether or not it is ever retried). */
  recordRequest(): void {
    this.counters.addFirst(this.clock());
  }

  /** May one more attempt (retry or fallback) be made now? Counts it when allowed. */
  tryRetry(): boolean {
    const now = this.clock();
    const requests = this.counters.firstIn(now);
    const retries = this.counters.secondIn(now);
    // The epsilon keeps float products exact-looking: 0.1 × 30 is 3.0000000000000004, and allows 3 retries, not 4.
    if (retries >= this.ratio * requests + this.floor - 1e-9) return false;
    this.counters.addSecond(now);
    return true;
  }

  /** Current window totals (for metrics and explain). */
  snapshot(): { requests: number; retries: number; limit: number } {
    const now = this.clock();
    const requests = this.counters.firstIn(now);
    return { requests, retries: this.counters.secondIn(now), limit: this.ratio * requests + this.floor };
  }
}
