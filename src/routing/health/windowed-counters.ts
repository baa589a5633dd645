/**
 * Two counters over a sliding time window, kept in a fixed ring of time buckets so memory is O(1)
 * however many events arrive: the window is `windowMs` wide, to the granularity of one bucket
 * (`windowMs / buckets`). Running totals are kept alongside the ring, so adding and reading are
 * O(1) except when the clock crosses bucket boundaries (then at most `buckets` slots are cleared).
 * Nothing is allocated after construction. A clock that goes backwards is treated as standing still.
 */
export class WindowedCounters {
  private readonly bucketMs: number;
  private readonly size: number;
  private readonly first: Float64Array;
  private readonly second: Float64Array;
  private firstTotal = 0;
  private secondTotal = 0;
  /** Absolute index (floor(now / bucketMs)) of the newest bucket; -Infinity before the first event. */
  private newest = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number, buckets = 10) {
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new RangeError(`windowMs must be a positive number, got ${windowMs}`);
    if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
    this.size = buckets;
    this.bucketMs = windowMs / buckets;
    this.first = new Float64Array(buckets);
    this.second = new Float64Array(buckets);
  }

  /** Adds to the first counter (e.g. attempts, requests) at time `now`. */
  addFirst(now: number, amount = 1): void {
    const slot = this.advance(now);
    this.first[slot] += amount;
    this.firstTotal += amount;
  }

  /** Adds to the second counter (e.g. failures, retries) at time `now`. */
  addSecond(now: number, amount = 1): void {
    const slot = this.advance(now);
    this.second[slot] += amount;
    this.secondTotal += amount;
  }

  /** The first counter's total over the window ending at `now`. */
  firstIn(now: number): number {
    this.advance(now);
    return this.firstTotal;
  }

  /** The second counter's total over the window ending at `now`. */
  secondIn(now: number): number {
    this.advance(now);
    return this.secondTotal;
  }

  reset(): void {
    this.first.fill(0);
    this.second.fill(0);
    this.firstTotal = 0;
    this.secondTotal = 0;
    this.newest = Number.NEGATIVE_INFINITY;
  }

  /** Moves the window to `now` (expiring buckets that fell out of it) and returns the slot for `now`. */
  private advance(now: number): number {
    const index = Math.floor(now / this.bucketMs);
    if (index > this.newest) {
      if (index - this.newest >= this.size) {
        this.first.fill(0);
        this.second.fill(0);
        this.firstTotal = 0;
        this.secondTotal = 0;
      } else {
        for (let i = this.newest + 1; i <= index; i++) {
          const slot = this.slotOf(i);
          this.firstTotal -= this.first[slot];
          this.secondTotal -= this.second[slot];
          this.first[slot] = 0;
          this.second[slot] = 0;
        }
      }
      this.newest = index;
    }
    return this.slotOf(this.newest);
  }

  private slotOf(index: number): number {
    const slot = index % this.size;
    return slot < 0 ? slot + this.size : slot;
  }
}
