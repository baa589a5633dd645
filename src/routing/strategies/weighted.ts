import { type Entry, entriesOf, finish, sortEntries } from './rank-support.js';
import type { Candidate, Ranking, RankingContext, Strategy } from './strategy.js';
import { hash32 } from '../hash32.js';

/** A usable weight: finite and positive, else 0 (a zero-weight candidate is a fallback only). */
function weightOf(candidate: Candidate): number {
  const w = candidate.weight;
  return Number.isFinite(w) && w > 0 ? w : 0;
}

/**
 * `weighted`: the first candidate is drawn in proportion to the weights, deterministically per
 * request id (hash of the id → a point in [0, 1) → the candidate whose share covers it), among the
 * available candidates with a positive weight (all available ones count equally if none has weight;
 * all candidates if none is available). The rest follow by descending weight, ties in declared order.
 */
export const weightedStrategy: Strategy = {
  name: 'weighted',
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking {
    const entries = entriesOf(candidates, context);
    if (entries.length === 0) return { ordered: [], reason: 'weighted: no candidates', scores: {} };
    const anyAvailable = entries.some((entry) => entry.available);
    const pool = entries.filter((entry) => !anyAvailable || entry.available);
    let total = 0;
    for (const entry of pool) total += weightOf(entry.candidate);
    const share = (entry: Entry): number => (total > 0 ? weightOf(entry.candidate) : 1);
    const poolTotal = total > 0 ? total : pool.length;

    const point = (hash32(context.requestId) / 2 ** 32) * poolTotal;
    let picked = pool[pool.length - 1];
    let cumulative = 0;
    for (const entry of pool) {
      const w = share(entry);
      if (w <= 0) continue;
      cumulative += w;
      if (point < cumulative) {
        picked = entry;
        break;
      }
    }

    const notes: Record<string, string> = {};
    let declaredTotal = 0;
    for (const entry of entries) declaredTotal += weightOf(entry.candidate);
    for (const entry of entries) {
      const w = weightOf(entry.candidate);
      notes[entry.key] = `weight ${w}${declaredTotal > 0 ? ` (${Math.round((w / declaredTotal) * 1000) / 10}%)` : ''}${entry === picked ? ', picked' : ''}`;
    }
    const rest = sortEntries(
      entries.filter((entry) => entry !== picked),
      (a, b) => weightOf(b.candidate) - weightOf(a.candidate),
    );
    const sorted = [picked, ...rest];
    const weights = entries.map((entry) => weightOf(entry.candidate)).join(':');
    return finish('weighted', sorted, notes, context, (first) =>
      first === picked
        ? `picked ${first.key} (weight ${weightOf(first.candidate)} of ${weights}) for request ${context.requestId}; rest by weight`
        : `${first.key} first by weight (weights ${weights})`,
    );
  },
};
