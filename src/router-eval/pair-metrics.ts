/**
 * Strong/weak routing metrics, following RouteLLM (Ong et al., arXiv 2406.18665).
 *
 * A router gives each row a score r = predicted(strong) − predicted(weak). Routing at a threshold t
 * sends a row to the strong model when r ≥ t. The thresholds are the quantiles of the scores at
 * 0, 0.1, …, 1 (10 quantile bins; linear interpolation between order statistics, numpy's default),
 * and the two ends are always added: all-weak (0% strong) and all-strong (100% strong). Each threshold
 * gives a point (x = fraction of rows sent to the strong model, y = mean score of the routed answers,
 * plus their mean cost). Because `r ≥ t` sends every tied row the same way, the selections are nested
 * and a fraction x determines one point; the curve joins the points with straight lines, and a straight
 * line between two nested selections is exactly the expected quality of breaking the ties at random.
 *
 * - `area`: the trapezoid area under the curve over x ∈ [0, 1].
 * - `apgr` (average performance gap recovered) = (area − weak_mean) / (strong_mean − weak_mean).
 *   The straight line from all-weak to all-strong (the random baseline's expected curve) has area
 *   (weak_mean + strong_mean) / 2, so random routing scores exactly 0.5; a curve that rose to
 *   strong_mean at once would score 1; an oracle exceeds 1 when the weak model is sometimes right where
 *   the strong one is wrong. Null when strong_mean ≤ weak_mean (there is no gap to recover).
 * - `cptX` (call-performance threshold) = the % of strong calls at which the curve first reaches
 *   weak_mean + X% · (strong_mean − weak_mean), interpolated linearly on the segment where it crosses.
 *   Null when there is no gap.
 * - `strong_pct_for_95` = the % of strong calls at which the curve first reaches 0.95 · strong_mean
 *   (0 when the weak model already does); null if the curve never reaches it (possible only with
 *   negative scores: the all-strong end reaches strong_mean).
 * - `cost_ratio_for_95` = the mean cost at that point (interpolated on the same segment by the same
 *   fraction) / the mean cost of always calling the strong model. Null without costs.
 *
 * Percentages (`cpt50`, `cpt80`, `strong_pct_for_95`, a point's `strong_pct`) are reported on 0–100;
 * `apgr` and `cost_ratio_for_95` as fractions. Scores may be 0/1 or graded (0–1): nothing assumes binary.
 *
 * Baselines on the same rows: `random` (its expected curve: the straight line from all-weak to
 * all-strong), `oracle` (r = score(strong) − score(weak), the recorded outcomes; its curve uses every
 * distinct threshold, not 10 bins, so it is the exact upper bound of any router's curve: at every x no
 * selection of that size does better, and the optimal curve is concave so chords stay below it), and
 * the points always-strong and always-weak.
 */

/** One row's recorded outcome for the pair. Costs are null when the dataset gives none. */
export interface PairOutcome {
  strong: number;
  weak: number;
  strongCost: number | null;
  weakCost: number | null;
}

export interface CurvePoint {
  /** % of rows sent to the strong model (0–100). */
  strong_pct: number;
  /** Mean score of the routed answers. */
  score: number;
  /** Mean cost per row of the routed calls; null without costs. */
  cost: number | null;
}

export interface CurveMetrics {
  /** Trapezoid area under the curve (x: fraction of strong calls in [0, 1], y: mean score). */
  area: number;
  apgr: number | null;
  cpt50: number | null;
  cpt80: number | null;
  strong_pct_for_95: number | null;
  cost_ratio_for_95: number | null;
  curve: CurvePoint[];
}

/** A single operating point (always-strong, always-weak, the oracle's best point). */
export interface PointMetrics {
  strong_pct: number;
  score: number;
  cost: number | null;
  /** cost / always-strong cost; null without costs. */
  cost_ratio: number | null;
  /** Performance gap recovered: (score − weak_mean) / (strong_mean − weak_mean); null without a gap. */
  pgr: number | null;
}

export interface PairReport {
  n: number;
  strong_mean: number;
  weak_mean: number;
  /** Mean cost per call of always-strong / always-weak (null without costs). */
  strong_cost: number | null;
  weak_cost: number | null;
  router: CurveMetrics;
  random: CurveMetrics;
  oracle: CurveMetrics;
  oracle_point: PointMetrics;
  always_strong: PointMetrics;
  always_weak: PointMetrics;
  /** Why some metrics are null (e.g. the strong model is not better on these rows). */
  note?: string;
}

/** True when an apgr is above random routing's 0.5 by more than rounding (a router that ties every row gets 0.5 up to float error). */
export function aboveRandom(apgr: number): boolean {
  return apgr > 0.5 + 1e-9;
}

/** Below this the strong and weak means are taken as equal (no gap to recover). */
const GAP_EPSILON = 1e-12;
/** Slack when comparing a curve's mean with a target computed from other sums. */
const REACH_EPSILON = 1e-12;

/** The q-quantile (0…1) of sorted values, linearly interpolated between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The thresholds RouteLLM evaluates at: the quantiles of the scores at 0, 1/bins, …, 1. */
export function quantileThresholds(scores: readonly number[], bins = 10): number[] {
  const sorted = [...scores].sort((a, b) => a - b);
  const thresholds: number[] = [];
  for (let j = 0; j <= bins; j += 1) thresholds.push(quantile(sorted, j / bins));
  return thresholds;
}

/**
 * Rows ordered by router score, highest first, with prefix sums: selecting the first k rows for the
 * strong model is the selection of any threshold t with exactly k scores ≥ t.
 */
class Selections {
  readonly n: number;
  private readonly sortedScores: number[];
  private readonly gain: Float64Array; // prefix sums of strong − weak in score order
  private readonly extra: Float64Array | null; // prefix sums of strongCost − weakCost
  private readonly weakSum: number;
  private readonly weakCostSum: number | null;

  constructor(outcomes: readonly PairOutcome[], scores: readonly number[]) {
    if (outcomes.length !== scores.length) throw new Error('one router score per row is required');
    this.n = outcomes.length;
    const order = outcomes.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
    this.sortedScores = order.map((i) => scores[i]);
    this.gain = new Float64Array(this.n + 1);
    const costs = outcomes.every((o) => o.strongCost !== null && o.weakCost !== null);
    this.extra = costs ? new Float64Array(this.n + 1) : null;
    let weakSum = 0;
    let weakCostSum = 0;
    for (let k = 0; k < this.n; k += 1) {
      const o = outcomes[order[k]];
      this.gain[k + 1] = this.gain[k] + (o.strong - o.weak);
      if (this.extra) this.extra[k + 1] = this.extra[k] + (o.strongCost! - o.weakCost!);
    }
    for (const o of outcomes) {
      weakSum += o.weak;
      if (costs) weakCostSum += o.weakCost!;
    }
    this.weakSum = weakSum;
    this.weakCostSum = costs ? weakCostSum : null;
  }

  /** How many rows a threshold sends to the strong model (scores ≥ t). */
  countAtLeast(t: number): number {
    // sortedScores is descending: find the first index whose score is < t
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sortedScores[mid] >= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every k at which the selection changes: 0 and the end of each group of tied scores. */
  allCounts(): number[] {
    const counts = [0];
    for (let k = 1; k <= this.n; k += 1) if (k === this.n || this.sortedScores[k] !== this.sortedScores[k - 1]) counts.push(k);
    return counts;
  }

  point(k: number): CurvePoint {
    return {
      strong_pct: (100 * k) / this.n,
      score: (this.weakSum + this.gain[k]) / this.n,
      cost: this.extra && this.weakCostSum !== null ? (this.weakCostSum + this.extra[k]) / this.n : null,
    };
  }
}

function means(outcomes: readonly PairOutcome[]) {
  const n = outcomes.length;
  let s = 0;
  let w = 0;
  let sc = 0;
  let wc = 0;
  let costs = true;
  for (const o of outcomes) {
    s += o.strong;
    w += o.weak;
    if (o.strongCost === null || o.weakCost === null) costs = false;
    else {
      sc += o.strongCost;
      wc += o.weakCost;
    }
  }
  return { strong: s / n, weak: w / n, strongCost: costs ? sc / n : null, weakCost: costs ? wc / n : null };
}

/** Where a curve (sorted by strong_pct) first reaches `target`: the % of strong calls and the cost there. */
export function firstReach(curve: readonly CurvePoint[], target: number): { strong_pct: number; cost: number | null } | null {
  for (let i = 0; i < curve.length; i += 1) {
    const p = curve[i];
    if (p.score < target - REACH_EPSILON) continue;
    if (i === 0) return { strong_pct: p.strong_pct, cost: p.cost };
    const a = curve[i - 1]; // a.score < target ≤ p.score (within the slack): interpolate on this segment
    const f = Math.min(1, Math.max(0, (target - a.score) / (p.score - a.score)));
    return {
      strong_pct: a.strong_pct + f * (p.strong_pct - a.strong_pct),
      cost: a.cost !== null && p.cost !== null ? a.cost + f * (p.cost - a.cost) : null,
    };
  }
  return null;
}

/** Trapezoid area under a curve, x as a fraction (strong_pct / 100). */
export function trapezoidArea(curve: readonly CurvePoint[]): number {
  let area = 0;
  for (let i = 1; i < curve.length; i += 1) {
    const a = curve[i - 1];
    const b = curve[i];
    area += ((b.strong_pct - a.strong_pct) / 100) * ((a.score + b.score) / 2);
  }
  return area;
}

/** The metrics of a curve that runs from all-weak (0%) to all-strong (100%). */
export function curveMetrics(curve: CurvePoint[], strongMean: number, weakMean: number, strongCost: number | null): CurveMetrics {
  const area = trapezoidArea(curve);
  const gap = strongMean - weakMean;
  const hasGap = gap > GAP_EPSILON;
  const cpt = (x: number) => (hasGap ? (firstReach(curve, weakMean + x * gap)?.strong_pct ?? null) : null);
  const at95 = firstReach(curve, 0.95 * strongMean);
  return {
    area,
    apgr: hasGap ? (area - weakMean) / gap : null,
    cpt50: cpt(0.5),
    cpt80: cpt(0.8),
    strong_pct_for_95: at95 ? at95.strong_pct : null,
    cost_ratio_for_95: at95 && at95.cost !== null && strongCost !== null && strongCost > 0 ? at95.cost / strongCost : null,
    curve,
  };
}

/** The curve of a router at RouteLLM's thresholds (10 quantile bins) plus the all-weak and all-strong ends. */
export function routerCurve(outcomes: readonly PairOutcome[], scores: readonly number[], bins = 10): CurvePoint[] {
  const sel = new Selections(outcomes, scores);
  const counts = new Set<number>([0, sel.n]);
  for (const t of quantileThresholds(scores, bins)) counts.add(sel.countAtLeast(t));
  return [...counts].sort((a, b) => a - b).map((k) => sel.point(k));
}

/** The curve at every distinct threshold (used for the oracle: the exact upper bound). */
export function exactCurve(outcomes: readonly PairOutcome[], scores: readonly number[]): CurvePoint[] {
  const sel = new Selections(outcomes, scores);
  return sel.allCounts().map((k) => sel.point(k));
}

function point(strongPct: number, score: number, cost: number | null, m: ReturnType<typeof means>): PointMetrics {
  const gap = m.strong - m.weak;
  return {
    strong_pct: strongPct,
    score,
    cost,
    cost_ratio: cost !== null && m.strongCost !== null && m.strongCost > 0 ? cost / m.strongCost : null,
    pgr: gap > GAP_EPSILON ? (score - m.weak) / gap : null,
  };
}

/** Router metrics and every baseline on the same rows. `scores[i]` = predicted(strong) − predicted(weak) for row i. */
export function pairReport(outcomes: readonly PairOutcome[], scores: readonly number[], bins = 10): PairReport {
  if (outcomes.length === 0) throw new Error('no rows to evaluate');
  const m = means(outcomes);
  const metrics = (curve: CurvePoint[]) => curveMetrics(curve, m.strong, m.weak, m.strongCost);
  const randomCurve: CurvePoint[] = [
    { strong_pct: 0, score: m.weak, cost: m.weakCost },
    { strong_pct: 100, score: m.strong, cost: m.strongCost },
  ];
  const oracleScores = outcomes.map((o) => o.strong - o.weak);
  const oracleCurve = exactCurve(outcomes, oracleScores);
  // the oracle's best point: strong exactly where it scores higher than weak
  let better = 0;
  let bestSum = 0;
  let bestCost = 0;
  for (const o of outcomes) {
    const strong = o.strong > o.weak;
    if (strong) better += 1;
    bestSum += strong ? o.strong : o.weak;
    if (m.strongCost !== null) bestCost += strong ? o.strongCost! : o.weakCost!;
  }
  const n = outcomes.length;
  const report: PairReport = {
    n: outcomes.length,
    strong_mean: m.strong,
    weak_mean: m.weak,
    strong_cost: m.strongCost,
    weak_cost: m.weakCost,
    router: metrics(routerCurve(outcomes, scores, bins)),
    random: metrics(randomCurve),
    oracle: metrics(oracleCurve),
    oracle_point: point((100 * better) / n, bestSum / n, m.strongCost !== null ? bestCost / n : null, m),
    always_strong: point(100, m.strong, m.strongCost, m),
    always_weak: point(0, m.weak, m.weakCost, m),
  };
  if (!(m.strong - m.weak > GAP_EPSILON)) {
    report.note = `the strong model's mean score (${m.strong.toFixed(4)}) is not above the weak model's (${m.weak.toFixed(4)}) on these rows: apgr and cpt are undefined`;
  }
  return report;
}
