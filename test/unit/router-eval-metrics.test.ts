import { describe, expect, it } from 'vitest';
import { aboveRandom, pairReport, quantile, quantileThresholds, routerCurve, type PairOutcome } from '../../src/router-eval/pair-metrics.js';
import { seededUniform } from '../../src/router-eval/eval-routers.js';

const rows = (s: number[], w: number[], strongCost = 1, weakCost = 0.1): PairOutcome[] => s.map((v, i) => ({ strong: v, weak: w[i], strongCost, weakCost }));

describe('pair metrics (RouteLLM protocol) on hand-computed cases', () => {
  it('quantiles interpolate linearly between order statistics (numpy default)', () => {
    expect(quantile([0.1, 0.3, 0.5, 0.7, 0.9], 0.1)).toBeCloseTo(0.18, 12);
    expect(quantile([0.1, 0.3, 0.5, 0.7, 0.9], 0.5)).toBeCloseTo(0.5, 12);
    expect(quantile([0, 0, 1, 1], 0.5)).toBeCloseTo(0.5, 12);
    expect(quantileThresholds([0.9, 0.1, 0.5, 0.3, 0.7])).toHaveLength(11);
  });

  it('five 0/1 rows: curve, area, apgr, cpt50, cpt80, strong_pct_for_95, cost ratio, and every baseline', () => {
    // row:     1    2    3    4    5
    // strong:  1    1    0    1    0     strong_mean 0.6, cost 1 per row
    // weak:    0    1    0    0    1     weak_mean 0.4, cost 0.1 per row; gap 0.2
    // router:  0.9  0.7  0.5  0.3  0.1
    // Thresholds (quantiles at 0, .1, … 1 of the scores): 0.1, 0.18, 0.26, 0.34, 0.42, 0.5, 0.58, 0.66, 0.74, 0.82, 0.9
    // → rows with score ≥ t: 5, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1; with the ends 0 and 5: k = 0…5.
    // Sending the top k by score to strong (gains s − w in that order: +1, 0, 0, +1, −1), weak sum 2:
    //   k: 0    1    2    3    4    5
    //   y: 0.4  0.6  0.6  0.6  0.8  0.6       x = k / 5
    // area = 0.2 · (0.5 + 0.6 + 0.6 + 0.7 + 0.7) = 0.62; apgr = (0.62 − 0.4) / 0.2 = 1.1
    // cpt50: target 0.5, on (0, 0.4)–(0.2, 0.6): x = 0.1 → 10%; cpt80: target 0.56 → x = 0.16 → 16%
    // 95% of strong: target 0.57 → x = 0.17 → 17%; cost there 0.1 + 0.17 · 0.9 = 0.253, / strong cost 1 → 0.253
    const outcomes = rows([1, 1, 0, 1, 0], [0, 1, 0, 0, 1]);
    const r = pairReport(outcomes, [0.9, 0.7, 0.5, 0.3, 0.1]);
    expect(r.n).toBe(5);
    expect(r.strong_mean).toBeCloseTo(0.6, 12);
    expect(r.weak_mean).toBeCloseTo(0.4, 12);
    expect(r.router.curve.map((p) => [p.strong_pct, p.score])).toEqual(
      [[0, 0.4], [20, 0.6], [40, 0.6], [60, 0.6], [80, 0.8], [100, 0.6]].map(([x, y]) => [expect.closeTo(x, 9), expect.closeTo(y, 12)]),
    );
    expect(r.router.area).toBeCloseTo(0.62, 12);
    expect(r.router.apgr).toBeCloseTo(1.1, 12);
    expect(r.router.cpt50).toBeCloseTo(10, 9);
    expect(r.router.cpt80).toBeCloseTo(16, 9);
    expect(r.router.strong_pct_for_95).toBeCloseTo(17, 9);
    expect(r.router.cost_ratio_for_95).toBeCloseTo(0.253, 12);

    // random: the straight line (0, 0.4)–(1, 0.6): apgr 0.5, cpt50 50%, cpt80 80%,
    // 95%: 0.4 + 0.2x = 0.57 → 85%, cost 0.1 + 0.85 · 0.9 = 0.865
    expect(r.random.apgr).toBeCloseTo(0.5, 12);
    expect(r.random.cpt50).toBeCloseTo(50, 9);
    expect(r.random.cpt80).toBeCloseTo(80, 9);
    expect(r.random.strong_pct_for_95).toBeCloseTo(85, 9);
    expect(r.random.cost_ratio_for_95).toBeCloseTo(0.865, 12);

    // oracle: scores s − w = 1, 0, 0, 1, −1; every distinct threshold: k = 0, 2 (rows 1, 4), 4 (+ rows 2, 3), 5
    //   points (0, 0.4), (0.4, 0.8), (0.8, 0.8), (1, 0.6); area 0.24 + 0.32 + 0.14 = 0.70; apgr (0.7 − 0.4) / 0.2 = 1.5
    //   cpt50: target 0.5 on (0, 0.4)–(0.4, 0.8): x = 0.1 → 10%
    expect(r.oracle.area).toBeCloseTo(0.7, 12);
    expect(r.oracle.apgr).toBeCloseTo(1.5, 12);
    expect(r.oracle.cpt50).toBeCloseTo(10, 9);
    expect(r.oracle.apgr!).toBeGreaterThanOrEqual(r.router.apgr!);
    // the oracle's point: strong on rows 1 and 4 (40%), score 0.8, cost (2 · 1 + 3 · 0.1) / 5 = 0.46, pgr 2
    expect(r.oracle_point).toEqual({ strong_pct: 40, score: expect.closeTo(0.8, 12), cost: expect.closeTo(0.46, 12), cost_ratio: expect.closeTo(0.46, 12), pgr: expect.closeTo(2, 12) });
    expect(r.always_strong).toEqual({ strong_pct: 100, score: expect.closeTo(0.6, 12), cost: expect.closeTo(1, 12), cost_ratio: expect.closeTo(1, 12), pgr: expect.closeTo(1, 12) });
    expect(r.always_weak).toEqual({ strong_pct: 0, score: expect.closeTo(0.4, 12), cost: expect.closeTo(0.1, 12), cost_ratio: expect.closeTo(0.1, 12), pgr: 0 });
    expect(r.note).toBeUndefined();
  });

  it('graded scores and tied router scores: ties move together, the line between them is random tie-breaking', () => {
    // strong: 0.9 0.5 0.8 0.2 (mean 0.6); weak: 0.3 0.5 0.6 0.4 (mean 0.45); gap 0.15
    // router: 1 1 0 0 → thresholds 0,0,0,0,0,0.5,0.8,1,1,1,1 → k = 4, 2 (and the ends 0, 4): points
    //   (0, 0.45), (0.5, (1.8 + 0.6 + 0) / 4 = 0.6), (1, 0.6)
    // area = 0.5 · 0.525 + 0.5 · 0.6 = 0.5625; apgr = (0.5625 − 0.45) / 0.15 = 0.75
    // cpt50: target 0.525 → x = 0.5 · 0.075 / 0.15 = 0.25 → 25%; cpt80: target 0.57 → 0.4 → 40%
    // 95% of strong: 0.57 → 40%
    const r = pairReport(rows([0.9, 0.5, 0.8, 0.2], [0.3, 0.5, 0.6, 0.4], 2, 1), [1, 1, 0, 0]);
    expect(r.router.curve.map((p) => p.strong_pct)).toEqual([0, 50, 100]);
    expect(r.router.area).toBeCloseTo(0.5625, 12);
    expect(r.router.apgr).toBeCloseTo(0.75, 12);
    expect(r.router.cpt50).toBeCloseTo(25, 9);
    expect(r.router.cpt80).toBeCloseTo(40, 9);
    expect(r.router.strong_pct_for_95).toBeCloseTo(40, 9);
    // cost at 40%: 1 + 0.4 · (2 − 1) = 1.4, / 2 → 0.7
    expect(r.router.cost_ratio_for_95).toBeCloseTo(0.7, 12);
  });

  it('a router that ties every row is the random line (apgr 0.5)', () => {
    const r = pairReport(rows([1, 0, 1, 1, 0, 1], [0, 0, 1, 0, 1, 0]), [3, 3, 3, 3, 3, 3]);
    expect(r.router.curve.map((p) => p.strong_pct)).toEqual([0, 100]);
    expect(r.router.apgr).toBeCloseTo(0.5, 12);
    expect(aboveRandom(r.router.apgr!)).toBe(false);
  });

  it('no quality gap: apgr and cpt are null with a note; strong_pct_for_95 is 0 when the weak model already reaches it', () => {
    const r = pairReport(rows([0, 1, 0], [1, 1, 0]), [0.2, 0.5, 0.9]);
    expect(r.router.apgr).toBeNull();
    expect(r.router.cpt50).toBeNull();
    expect(r.router.cpt80).toBeNull();
    expect(r.router.strong_pct_for_95).toBe(0);
    expect(r.always_weak.pgr).toBeNull();
    expect(r.note).toMatch(/not above the weak model/);
  });

  it('strong_pct_for_95 is null when the curve never reaches 95% of the strong mean (negative scores)', () => {
    // strong −1, weak −2: 0.95 · (−1) = −0.95 is above every point of the curve
    const r = pairReport(rows([-1, -1], [-2, -2]), [1, 0]);
    expect(r.router.strong_pct_for_95).toBeNull();
    expect(r.router.cost_ratio_for_95).toBeNull();
    expect(r.router.apgr).toBeCloseTo(0.5, 12);
  });

  it('without costs the cost metrics are null and the rest is unchanged', () => {
    const outcomes = [1, 1, 0, 1, 0].map((s, i) => ({ strong: s, weak: [0, 1, 0, 0, 1][i], strongCost: null, weakCost: null }));
    const r = pairReport(outcomes, [0.9, 0.7, 0.5, 0.3, 0.1]);
    expect(r.router.apgr).toBeCloseTo(1.1, 12);
    expect(r.router.cost_ratio_for_95).toBeNull();
    expect(r.strong_cost).toBeNull();
    expect(r.router.curve.every((p) => p.cost === null)).toBe(true);
  });

  it('the curve has at most 12 points (11 quantile thresholds plus the all-weak end) and runs from 0% to 100%', () => {
    const n = 500;
    const outcomes = rows(
      Array.from({ length: n }, (_, i) => (seededUniform(1, `s${i}`) < 0.7 ? 1 : 0)),
      Array.from({ length: n }, (_, i) => (seededUniform(1, `w${i}`) < 0.5 ? 1 : 0)),
    );
    const curve = routerCurve(outcomes, Array.from({ length: n }, (_, i) => seededUniform(2, `r${i}`)));
    expect(curve.length).toBeLessThanOrEqual(12);
    expect(curve[0].strong_pct).toBe(0);
    expect(curve.at(-1)!.strong_pct).toBe(100);
    for (let i = 1; i < curve.length; i += 1) expect(curve[i].strong_pct).toBeGreaterThan(curve[i - 1].strong_pct);
  });
});

describe('baselines on any data', () => {
  // 30 generated data sets: binary and graded scores, random router scores
  const datasets = Array.from({ length: 30 }, (_, d) => {
    const n = 5 + Math.floor(seededUniform(d, 'n') * 200);
    const graded = d % 2 === 1;
    // graded: strong √u (mean 2/3), weak u² (mean 1/3), rounded to 0.01; binary: P(1) 0.75 and 0.45
    const draw = (key: string, p: number, power: number) => (graded ? Math.round(seededUniform(d, key) ** power * 100) / 100 : seededUniform(d, key) < p ? 1 : 0);
    const outcomes = Array.from({ length: n }, (_, i) => ({ strong: draw(`s${i}`, 0.75, 0.5), weak: draw(`w${i}`, 0.45, 2), strongCost: 3, weakCost: 1 }));
    const scores = Array.from({ length: n }, (_, i) => seededUniform(d, `r${i}`));
    return { d, outcomes, scores };
  });

  it('random apgr is exactly 0.5 and the oracle is at least the router, on every data set with a gap', () => {
    let withGap = 0;
    for (const { outcomes, scores } of datasets) {
      const r = pairReport(outcomes, scores);
      if (r.router.apgr === null) continue;
      withGap += 1;
      expect(r.random.apgr).toBeCloseTo(0.5, 12);
      expect(r.oracle.apgr!).toBeGreaterThanOrEqual(r.router.apgr - 1e-12);
      expect(r.oracle.area).toBeGreaterThanOrEqual(r.router.area - 1e-12);
      // the oracle reaches every target no later than the router
      expect(r.oracle.cpt50!).toBeLessThanOrEqual(r.router.cpt50! + 1e-9);
      expect(r.oracle.strong_pct_for_95!).toBeLessThanOrEqual(r.router.strong_pct_for_95! + 1e-9);
    }
    expect(withGap).toBeGreaterThan(20);
  });

  it('the oracle scored as a router (with 10 bins) never beats the exact oracle curve', () => {
    for (const { outcomes } of datasets) {
      const oracleScores = outcomes.map((o) => o.strong - o.weak);
      const r = pairReport(outcomes, oracleScores);
      expect(r.oracle.area).toBeGreaterThanOrEqual(r.router.area - 1e-12);
    }
  });
});
