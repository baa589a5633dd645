import type { DeploymentHealth } from '../health/health-tracker.js';
import { entriesOf, finish, formatMs, sortEntries } from './rank-support.js';
import type { Candidate, Ranking, RankingContext, Strategy } from './strategy.js';

/**
 * The speed score `fastest` ranks by: the EWMA time to first token, or — for a deployment measured only
 * on calls without a first-token time — its EWMA whole-call latency (an upper bound on its TTFT).
 */
export function speedOf(health: DeploymentHealth): { ms: number; basis: 'ttft' | 'latency' } | undefined {
  if (health.ttftMs !== undefined) return { ms: health.ttftMs, basis: 'ttft' };
  if (health.latencyMs !== undefined) return { ms: health.latencyMs, basis: 'latency' };
  return undefined;
}

/**
 * `fastest`: lowest EWMA TTFT (else EWMA latency) first. Unmeasured deployments rank after every
 * measured one (the known-fast path is preferred; an unmeasured one is tried as a fallback, and gets
 * measured then). Ties keep the declared order.
 */
export const fastestStrategy: Strategy = {
  name: 'fastest',
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking {
    const entries = entriesOf(candidates, context);
    const speeds = new Map<string, number | undefined>();
    const notes: Record<string, string> = {};
    for (const entry of entries) {
      const speed = speedOf(entry.health);
      speeds.set(entry.key, speed?.ms);
      notes[entry.key] = speed === undefined ? 'unmeasured (ranked after measured)' : `${speed.basis} ${formatMs(speed.ms)} (EWMA)`;
    }
    const sorted = sortEntries(entries, (a, b) => {
      const sa = speeds.get(a.key);
      const sb = speeds.get(b.key);
      if (sa === undefined || sb === undefined) return sa === undefined ? (sb === undefined ? 0 : 1) : -1;
      return sa - sb;
    });
    return finish('fastest', sorted, notes, context, (first) => {
      const speed = speedOf(first.health);
      return speed === undefined ? 'nothing measured yet; declared order' : `${first.key} ${speed.basis} ${formatMs(speed.ms)} (EWMA), the lowest`;
    });
  },
};
