import { entriesOf, finish, formatCount, formatUsd, sortEntries } from './rank-support.js';
import type { Candidate, Ranking, RankingContext, Strategy } from './strategy.js';

/**
 * The estimated dollar cost of a request on a candidate: inputTokens × inputPerMTok + outputTokens ×
 * outputPerMTok (prices are per million tokens); undefined when the model has no pricing.
 */
export function estimateCost(candidate: Candidate, inputTokens: number, outputTokens: number): number | undefined {
  const pricing = candidate.deployment.model.pricing;
  if (!pricing) return undefined;
  return (inputTokens * pricing.inputPerMTok + outputTokens * pricing.outputPerMTok) / 1_000_000;
}

/**
 * `cheapest`: lowest estimated cost for this request's input and output tokens first; deployments
 * without pricing rank after every priced one (unknown cost); ties keep the declared order.
 */
export const cheapestStrategy: Strategy = {
  name: 'cheapest',
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking {
    const entries = entriesOf(candidates, context);
    const costs = new Map<string, number | undefined>();
    const notes: Record<string, string> = {};
    for (const entry of entries) {
      const cost = estimateCost(entry.candidate, context.inputTokens, context.outputTokens);
      costs.set(entry.key, cost);
      notes[entry.key] = cost === undefined ? 'no pricing (cost unknown, ranked last)' : `${formatUsd(cost)} est.`;
    }
    const sorted = sortEntries(entries, (a, b) => {
      const ca = costs.get(a.key);
      const cb = costs.get(b.key);
      if (ca === undefined || cb === undefined) return ca === undefined ? (cb === undefined ? 0 : 1) : -1;
      return ca - cb;
    });
    const tokens = `${formatCount(context.inputTokens)} in + ${formatCount(context.outputTokens)} out`;
    return finish('cheapest', sorted, notes, context, (first) => {
      const cost = costs.get(first.key);
      return cost === undefined ? `no available candidate has pricing; declared order for ${tokens}` : `${formatUsd(cost)} est. for ${tokens} on ${first.key}`;
    });
  },
};
