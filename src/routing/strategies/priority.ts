import { entriesOf, finish } from './rank-support.js';
import type { Candidate, Ranking, RankingContext, Strategy } from './strategy.js';

/** `priority`: the route's declared order (unavailable deployments move last, as in every strategy). */
export const priorityStrategy: Strategy = {
  name: 'priority',
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking {
    const entries = entriesOf(candidates, context);
    const notes: Record<string, string> = {};
    for (const entry of entries) notes[entry.key] = `declared #${entry.index + 1}`;
    return finish('priority', entries, notes, context, () => 'declared order');
  },
};
