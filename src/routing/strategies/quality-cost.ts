import { estimateCost } from './cheapest.js';
import { entriesOf, finish, formatUsd, type Entry } from './rank-support.js';
import type { Candidate, DecisionReceipt, Ranking, RankingContext, Strategy } from './strategy.js';

/** The declared tie-break of the learned strategies: never a name, never a provider. */
export const LEARNED_TIE_BREAK = 'higher predicted quality, then lower estimated cost, then lower latency EWMA, then declared candidate order';

/**
 * `quality-cost`: predicts every candidate's quality on this prompt and chooses, among the available
 * ones, the cheapest predicted within a tolerance of the best: tolerance = 1 − quality knob (the route's
 * `qualityCost.quality`, narrowed per request by `x-switchyard-quality` within the route's min/max).
 * Knob 1 picks the best predicted; knob 0 the cheapest. The rest of the plan follows by predicted
 * quality (a failure moves to a better model, not a cheaper one), with the declared tie-break.
 * Unpriced candidates count as free only if every candidate is unpriced; otherwise they rank as the
 * dearest (cost unknown). Nothing about the provider is read.
 */
export const qualityCostStrategy: Strategy = {
  name: 'quality-cost',
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking {
    const learned = context.learned;
    if (!learned) throw new Error('quality-cost needs the learned router (RankingContext.learned)');
    const declared = context.route?.qualityCost ?? { quality: 0.5, min: 0, max: 1 };
    const knob = clamp(learned.requestedQuality ?? declared.quality, declared.min, declared.max);
    const tolerance = 1 - knob;
    const entries = entriesOf(candidates, context);
    const scored = scoreEntries(entries, context);
    const available = scored.filter((s) => s.entry.available);
    const pool = available.length > 0 ? available : scored;
    const best = Math.max(...pool.map((s) => s.quality));
    const eligible = new Set(pool.filter((s) => s.quality >= best - tolerance - 1e-12).map((s) => s.entry.key));
    // Chosen: the cheapest eligible (ties: the declared rule). Then everyone else by quality.
    const byQuality = [...scored].sort(compareQuality);
    const chosen = [...scored].filter((s) => eligible.has(s.entry.key)).sort(compareCost)[0];
    const sorted: Entry[] = [chosen.entry, ...byQuality.filter((s) => s !== chosen).map((s) => s.entry)];
    const notes: Record<string, string> = {};
    for (const s of scored) notes[s.entry.key] = `q=${s.quality.toFixed(3)} ${s.cost === undefined ? 'cost unknown' : `${formatUsd(s.cost)} est.`}${eligible.has(s.entry.key) ? ' (within tolerance)' : ''}`;
    const ranking = finish('quality-cost', sorted, notes, context, (first) => {
      const s = scored.find((x) => x.entry === first)!;
      return `${first.key} predicted ${s.quality.toFixed(3)} (best ${best.toFixed(3)}, tolerance ${tolerance.toFixed(2)} at quality ${knob.toFixed(2)}), cheapest within tolerance`;
    });
    const receipt = receiptOf('quality-cost', { quality: declared.quality, min: declared.min, max: declared.max }, scored, ranking, context, eligible);
    return { ...ranking, receipt: { ...receipt, applied: { quality: knob, tolerance: Math.round(tolerance * 1e6) / 1e6 } } };
  },
};

export interface Scored {
  readonly entry: Entry;
  readonly quality: number;
  /** USD for this request's estimated tokens; undefined when unpriced. */
  readonly cost: number | undefined;
  /** Cost used for comparisons: unpriced = +∞ unless every candidate is unpriced (then 0). */
  readonly costKey: number;
  readonly latency: number;
}

export function scoreEntries(entries: readonly Entry[], context: RankingContext): Scored[] {
  const learned = context.learned!;
  const costs = entries.map((e) => estimateCost(e.candidate, context.inputTokens, context.outputTokens));
  const anyPriced = costs.some((c) => c !== undefined);
  return entries.map((entry, i) => ({
    entry,
    quality: learned.predict(entry.candidate.deployment.model, context.route?.learning?.maxShift),
    cost: costs[i],
    costKey: costs[i] ?? (anyPriced ? Number.POSITIVE_INFINITY : 0),
    latency: entry.health.latencyMs ?? Number.POSITIVE_INFINITY,
  }));
}

/** Declared rule: higher quality, lower cost, lower latency, declared order. */
export function compareQuality(a: Scored, b: Scored): number {
  return b.quality - a.quality || a.costKey - b.costKey || compareLatency(a, b) || a.entry.index - b.entry.index;
}

/** Lower cost, then the declared quality rule. */
export function compareCost(a: Scored, b: Scored): number {
  return a.costKey - b.costKey || b.quality - a.quality || compareLatency(a, b) || a.entry.index - b.entry.index;
}

function compareLatency(a: Scored, b: Scored): number {
  if (a.latency === b.latency) return 0;
  return a.latency < b.latency ? -1 : 1;
}

export function receiptOf(
  strategy: DecisionReceipt['strategy'],
  policy: Record<string, unknown>,
  scored: readonly Scored[],
  ranking: Ranking,
  context: RankingContext,
  eligible?: ReadonlySet<string>,
  notes?: ReadonlyMap<string, string>,
): DecisionReceipt {
  const learned = context.learned!;
  const prompt = learned.prompt();
  return {
    strategy,
    policy: { strategy, route: context.route?.name ?? null, ...policy, analyzer: learned.version },
    candidates: scored.map((s) => {
      const model = s.entry.candidate.deployment.model;
      const note = notes?.get(s.entry.key) ?? (eligible ? (eligible.has(s.entry.key) ? 'within tolerance' : 'outside tolerance') : undefined);
      const online = learned.online?.(model, context.route?.learning?.maxShift);
      return {
        deployment: s.entry.key,
        model: model.id,
        provider: model.provider,
        quality: round(s.quality, 4),
        ...(s.cost !== undefined ? { cost_usd: round(s.cost, 9) } : {}),
        ...(Number.isFinite(s.latency) ? { latency_ms: Math.round(s.latency) } : {}),
        available: s.entry.available,
        ...(note ? { note } : {}),
        ...(online && online.n > 0 ? { online_shift: round(online.shift, 4), feedback_n: online.n } : {}),
      };
    }),
    tie_break: LEARNED_TIE_BREAK,
    choice: ranking.ordered[0]?.deployment.key ?? '',
    prompt: { task: prompt.task, difficulty: round(prompt.difficulty, 3), cluster: prompt.cluster, analyzer: learned.version },
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
