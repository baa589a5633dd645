import { describe, expect, it } from 'vitest';
import { formatDuration, periodOf, rateLimitHeaders } from '../../src/tenancy/admission.js';

/** Budget periods are UTC days, calendar months or all time; the cached period is never stale. */
describe('periodOf', () => {
  it('gives UTC day and month boundaries, and moves on at midnight (and back, for a clock that goes back)', () => {
    const lastMinute = Date.parse('2026-12-31T23:59:59.999Z');
    const newYear = Date.parse('2027-01-01T00:00:00.000Z');
    expect(periodOf('day', lastMinute)).toMatchObject({ label: 'day:2026-12-31', startIso: '2026-12-31T00:00:00.000Z', endMs: newYear });
    expect(periodOf('month', lastMinute)).toMatchObject({ label: 'month:2026-12', startIso: '2026-12-01T00:00:00.000Z', endMs: newYear });
    expect(periodOf('day', newYear)).toMatchObject({ label: 'day:2027-01-01', endMs: newYear + 86_400_000 });
    expect(periodOf('month', newYear)).toMatchObject({ label: 'month:2027-01', endMs: Date.parse('2027-02-01T00:00:00.000Z') });
    expect(periodOf('day', lastMinute).label).toBe('day:2026-12-31');
    expect(periodOf('total', newYear)).toMatchObject({ label: 'total', endMs: Number.POSITIVE_INFINITY });
  });

  it('formats reset durations like OpenAI', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1_200)).toBe('2s');
    expect(formatDuration(61_000)).toBe('1m1s');
  });
});

describe('rateLimitHeaders', () => {
  it("reports the tightest request window and the tightest token window, in OpenAI's names and order", () => {
    const now = 1_000_000;
    const headers = rateLimitHeaders(
      [
        { key: 'team:t1:tpm', limit: 100_000, remaining: 90_000, resetAtMs: now + 30_000 },
        { key: 'key:k1:rpm', limit: 60, remaining: 12, resetAtMs: now + 250 },
        { key: 'team:t1:rpm', limit: 600, remaining: 500, resetAtMs: now + 30_000 },
        { key: 'team:t1:model:gpt:tpm', limit: 10_000, remaining: -5, resetAtMs: now + 61_000 },
      ],
      now,
    );
    expect(headers).toEqual([
      'x-ratelimit-limit-requests', '60', 'x-ratelimit-remaining-requests', '12', 'x-ratelimit-reset-requests', '250ms',
      'x-ratelimit-limit-tokens', '10000', 'x-ratelimit-remaining-tokens', '0', 'x-ratelimit-reset-tokens', '1m1s',
    ]);
    expect(rateLimitHeaders([{ key: 'key:k1:tpm', limit: 5, remaining: 5, resetAtMs: now + 1_000 }], now)).toEqual(['x-ratelimit-limit-tokens', '5', 'x-ratelimit-remaining-tokens', '5', 'x-ratelimit-reset-tokens', '1s']);
    expect(rateLimitHeaders([], now)).toEqual([]);
  });
});
