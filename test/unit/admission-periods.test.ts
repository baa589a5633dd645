import { describe, expect, it } from 'vitest';
import { formatDuration, periodOf } from '../../src/tenancy/admission.js';

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
