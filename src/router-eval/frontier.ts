/**
 * The quality–cost frontier of a router over many models.
 *
 * For a price of quality λ ≥ 0 the router sends each row to argmax_m (predicted_m − λ · decision_cost_m)
 * (ties: the lower decision cost, then the model listed first). Sweeping λ from 0 (the best predicted
 * model everywhere) to ∞ (the cheapest everywhere) gives a family of routings; each is a point
 * (mean realized cost per row, mean recorded score). The sweep is exact: for each row the winner
 * changes only where two of its lines p − λ·c cross, so every such crossing is visited and every
 * distinct routing of the family is a point (no λ grid to tune).
 *
 * The frontier is the upper-left (Pareto) set of those points: sorted by cost, each keeps only if its
 * score is above every cheaper point's. Between two frontier points the curve is a straight line
 * (mixing the two routings at random achieves it). F(x), the best score for a budget x per row, is
 * that line; above the dearest frontier point it stays at its score (a larger budget need not be spent);
 * below the cheapest frontier point it is 0 (the budget buys nothing the router would choose).
 *
 * `area` is F's mean over the cost axis [lo, hi] = [the cheapest single model's mean cost, the dearest
 * single model's mean cost] on the same rows: ∫_lo^hi F(x) dx / (hi − lo), a mean score on the
 * scale of the scores (it is F(hi) when all models cost the same). Reported beside it, on the same
 * axis: the oracle (predicted = the recorded score, decision cost = the realized cost) and `singles`
 * (the Pareto frontier of the single models' own points joined by straight lines: random mixing of
 * single models, the many-model analogue of the random baseline).
 *
 * `cost_ratio_for_95_best`: the lowest cost on the frontier (interpolated) whose score is at least
 * 95% of the best single model's mean score, divided by that model's mean cost; null if never reached.
 */

/** One row of a many-model evaluation; arrays are indexed like the model list. */
export interface ModelsRow {
  /** The router's predicted quality per model. */
  pred: readonly number[];
  /** The cost the router may weigh (known before the call; see evaluate.ts). */
  decisionCost: readonly number[];
  /** Recorded outcome per model. */
  score: readonly number[];
  /** Realized cost per model. */
  cost: readonly number[];
}

export interface FrontierPoint {
  /** Mean realized cost per row. */
  cost: number;
  /** Mean recorded score. */
  score: number;
  /** The smallest λ that gives this routing. */
  lambda: number;
}

export interface FrontierMetrics {
  /** Mean of F over the cost axis [lo, hi] (see above). */
  area: number;
  /** The routing that ignores cost (λ = 0). */
  top: { cost: number; score: number };
  cost_for_95_best: number | null;
  cost_ratio_for_95_best: number | null;
  /** The Pareto frontier, cheapest first. */
  frontier: FrontierPoint[];
}

export interface SingleModelPoint {
  model: string;
  score: number;
  cost: number;
}

export interface ModelsReport {
  n: number;
  models: SingleModelPoint[];
  /** The normalisation of `area`: [cheapest single model's mean cost, dearest's]. */
  cost_axis: { lo: number; hi: number };
  /** The single model with the highest mean score (ties: the cheaper). */
  best_model: string;
  router: FrontierMetrics;
  oracle: FrontierMetrics;
  singles: FrontierMetrics;
}

const EPS = 1e-12;

/** Every distinct routing of the λ family for these rows (see the module comment). */
export function lambdaSweep(rows: readonly { pred: readonly number[]; decisionCost: readonly number[]; score: readonly number[]; cost: readonly number[] }[]): FrontierPoint[] {
  const n = rows.length;
  if (n === 0) return [];
  let scoreSum = 0;
  let costSum = 0;
  const events: { lambda: number; row: number; from: number; to: number }[] = [];
  for (let i = 0; i < n; i += 1) {
    const { pred: p, decisionCost: d } = rows[i];
    let cur = 0;
    for (let m = 1; m < p.length; m += 1) if (p[m] > p[cur] || (p[m] === p[cur] && d[m] < d[cur])) cur = m;
    scoreSum += rows[i].score[cur];
    costSum += rows[i].cost[cur];
    let lambda = 0;
    for (;;) {
      let next = -1;
      let nextLambda = Infinity;
      for (let m = 0; m < p.length; m += 1) {
        if (!(d[m] < d[cur])) continue;
        const crossing = Math.max(lambda, (p[cur] - p[m]) / (d[cur] - d[m]));
        if (crossing < nextLambda || (crossing === nextLambda && d[m] < d[next])) {
          next = m;
          nextLambda = crossing;
        }
      }
      if (next < 0) break;
      events.push({ lambda: nextLambda, row: i, from: cur, to: next });
      cur = next;
      lambda = nextLambda;
    }
  }
  events.sort((a, b) => a.lambda - b.lambda);
  const points: FrontierPoint[] = [{ cost: costSum / n, score: scoreSum / n, lambda: 0 }];
  for (let e = 0; e < events.length; ) {
    const lambda = events[e].lambda;
    for (; e < events.length && events[e].lambda === lambda; e += 1) {
      const { row, from, to } = events[e];
      scoreSum += rows[row].score[to] - rows[row].score[from];
      costSum += rows[row].cost[to] - rows[row].cost[from];
    }
    points.push({ cost: costSum / n, score: scoreSum / n, lambda });
  }
  return points;
}

/** The upper-left (Pareto) frontier: cheapest first, each point strictly better than every cheaper one. */
export function paretoFrontier(points: readonly FrontierPoint[]): FrontierPoint[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.score - a.score || a.lambda - b.lambda);
  const frontier: FrontierPoint[] = [];
  for (const p of sorted) if (frontier.length === 0 || p.score > frontier[frontier.length - 1].score + EPS) frontier.push(p);
  return frontier;
}

/** F(x): the frontier's score for a budget x per row (see the module comment). */
export function frontierAt(frontier: readonly FrontierPoint[], x: number): number {
  if (frontier.length === 0 || x < frontier[0].cost) return 0;
  for (let j = 1; j < frontier.length; j += 1) {
    const a = frontier[j - 1];
    const b = frontier[j];
    if (x <= b.cost) return b.cost > a.cost ? a.score + ((x - a.cost) / (b.cost - a.cost)) * (b.score - a.score) : b.score;
  }
  return frontier[frontier.length - 1].score;
}

/** ∫_lo^hi F(x) dx / (hi − lo), exactly (F is piecewise linear with one jump at the cheapest point); F(hi) when hi ≤ lo. */
export function normalisedArea(frontier: readonly FrontierPoint[], lo: number, hi: number): number {
  if (!(hi - lo > EPS)) return frontierAt(frontier, hi);
  if (frontier.length === 0) return 0;
  const xs = [lo, hi, ...frontier.map((p) => p.cost).filter((c) => c > lo && c < hi)].sort((a, b) => a - b);
  const start = frontier[0].cost;
  let area = 0;
  for (let i = 1; i < xs.length; i += 1) {
    const a = xs[i - 1];
    const b = xs[i];
    if (b <= a || b <= start) continue; // F = 0 below the cheapest point (start is one of the xs when inside)
    area += ((b - a) * (frontierAt(frontier, a) + frontierAt(frontier, b))) / 2;
  }
  return area / (hi - lo);
}

/** The lowest cost on the frontier (interpolated) reaching `target`; null if never. */
export function costToReach(frontier: readonly FrontierPoint[], target: number): number | null {
  for (let j = 0; j < frontier.length; j += 1) {
    const p = frontier[j];
    if (p.score < target - EPS) continue;
    if (j === 0) return p.cost;
    const a = frontier[j - 1];
    const f = Math.min(1, Math.max(0, (target - a.score) / (p.score - a.score)));
    return a.cost + f * (p.cost - a.cost);
  }
  return null;
}

function metrics(points: readonly FrontierPoint[], lo: number, hi: number, best: SingleModelPoint): FrontierMetrics {
  const frontier = paretoFrontier(points);
  const top = points.reduce((a, b) => (b.lambda < a.lambda ? b : a));
  const cost95 = costToReach(frontier, 0.95 * best.score);
  return {
    area: normalisedArea(frontier, lo, hi),
    top: { cost: top.cost, score: top.score },
    cost_for_95_best: cost95,
    cost_ratio_for_95_best: cost95 !== null && best.cost > 0 ? cost95 / best.cost : null,
    frontier,
  };
}

/** The router's frontier, the oracle's and the single models', on the same rows and cost axis. */
export function modelsReport(models: readonly string[], rows: readonly ModelsRow[]): ModelsReport {
  const n = rows.length;
  if (n === 0) throw new Error('no rows to evaluate');
  const singles: SingleModelPoint[] = models.map((model, m) => {
    let score = 0;
    let cost = 0;
    for (const r of rows) {
      score += r.score[m];
      cost += r.cost[m];
    }
    return { model, score: score / n, cost: cost / n };
  });
  const lo = Math.min(...singles.map((s) => s.cost));
  const hi = Math.max(...singles.map((s) => s.cost));
  const best = singles.reduce((a, b) => (b.score > a.score || (b.score === a.score && b.cost < a.cost) ? b : a));
  const oracleRows = rows.map((r) => ({ pred: r.score, decisionCost: r.cost, score: r.score, cost: r.cost }));
  return {
    n,
    models: singles,
    cost_axis: { lo, hi },
    best_model: best.model,
    router: metrics(lambdaSweep(rows), lo, hi, best),
    oracle: metrics(lambdaSweep(oracleRows), lo, hi, best),
    singles: metrics(
      singles.map((s) => ({ cost: s.cost, score: s.score, lambda: s === best ? 0 : 1 })),
      lo,
      hi,
      best,
    ),
  };
}
