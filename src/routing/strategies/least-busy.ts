import { entriesOf, finish, sortEntries } from './rank-support.js';
import type { Candidate, Ranking, RankingContext, Strategy } from './strategy.js';

/** `least-busy`: fewest attempts in flight first; ties keep the declared order. */
export const leastBusyStrategy: Strategy = {
  name: 'least-busy',
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking {
    const entries = entriesOf(candidates, context);
    const notes: Record<string, string> = {};
    for (const entry of entries) notes[entry.key] = `${entry.health.inFlight} in flight`;
    const sorted = sortEntries(entries, (a, b) => a.health.inFlight - b.health.inFlight);
    return finish('least-busy', sorted, notes, context, (first) => `${first.health.inFlight} in flight, the fewest`);
  },
};
