import { compareCost, receiptOf, scoreEntries, type Scored } from './quality-cost.js';
import { entriesOf, finish, formatUsd } from './rank-support.js';
import type { Candidate, Ranking, RankingContext, Strategy } from './strategy.js';

/**
 * `task-tier`: classifies the prompt's task family and difficulty (the analyzer) and maps it to the
 * route's declared tiers (`taskTiers.tiers[family]`, preferred first; `taskTiers.hard` sends prompts
 * above a difficulty to a tier first). Candidates are grouped by their model's `tier` label in that
 * order; within a tier the cheapest comes first (then the declared tie-break); candidates of tiers the
 * mapping does not name follow, best predicted first. With no mapping for the family, all candidates
 * are ranked by predicted quality.
 */
export const taskTierStrategy: Strategy = {
  name: 'task-tier',
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking {
    const learned = context.learned;
    if (!learned) throw new Error('task-tier needs the learned router (RankingContext.learned)');
    const prompt = learned.prompt();
    const declared = context.route?.taskTiers;
    const wanted: string[] = [];
    if (declared?.hard && prompt.difficulty > declared.hard.above) wanted.push(declared.hard.tier);
    for (const tier of declared?.tiers[prompt.task] ?? []) if (!wanted.includes(tier)) wanted.push(tier);
    const entries = entriesOf(candidates, context);
    const scored = scoreEntries(entries, context);
    const rankOf = (s: Scored) => {
      const tier = s.entry.candidate.deployment.model.tier;
      const index = tier === undefined ? -1 : wanted.indexOf(tier);
      return index < 0 ? wanted.length : index;
    };
    const sortedScored = [...scored].sort((a, b) => {
      const ta = rankOf(a);
      const tb = rankOf(b);
      if (ta !== tb) return ta - tb;
      // Inside a wanted tier: cheapest first. Outside every wanted tier: best predicted first.
      return ta < wanted.length ? compareCost(a, b) : b.quality - a.quality || compareCost(a, b);
    });
    const notes: Record<string, string> = {};
    const receiptNotes = new Map<string, string>();
    for (const s of scored) {
      const tier = s.entry.candidate.deployment.model.tier ?? 'no tier';
      const r = rankOf(s);
      const note = r < wanted.length ? `tier ${tier} (preference ${r + 1})` : `tier ${tier} (not mapped for ${prompt.task})`;
      receiptNotes.set(s.entry.key, note);
      notes[s.entry.key] = `${note}; q=${s.quality.toFixed(3)} ${s.cost === undefined ? 'cost unknown' : `${formatUsd(s.cost)} est.`}`;
    }
    const ranking = finish(
      'task-tier',
      sortedScored.map((s) => s.entry),
      notes,
      context,
      (first) => `${prompt.task} (difficulty ${prompt.difficulty.toFixed(2)}) → ${wanted.length ? `tiers ${wanted.join(' > ')}` : 'no tier mapped'}; ${first.key} (tier ${first.candidate.deployment.model.tier ?? 'none'})`,
    );
    return {
      ...ranking,
      receipt: receiptOf('task-tier', { tiers: declared?.tiers ?? {}, hard: declared?.hard ?? null, wanted }, scored, ranking, context, undefined, receiptNotes),
    };
  },
};
