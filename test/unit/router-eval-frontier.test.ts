import { describe, expect, it } from 'vitest';
import { costToReach, lambdaSweep, modelsReport, normalisedArea, paretoFrontier, type ModelsRow } from '../../src/router-eval/frontier.js';

// Three models A (cost 1), B (cost 2), C (cost 4) on four rows:
//        A  B  C
//   r1   1  1  1
//   r2   0  1  1
//   r3   0  0  1
//   r4   0  0  0
// Single models: A (1, 0.25), B (2, 0.5), C (4, 0.75); cost axis [1, 4]; best single model C.
const SCORES = [
  [1, 1, 1],
  [0, 1, 1],
  [0, 0, 1],
  [0, 0, 0],
];
const COST = [1, 2, 4];
const toy = (pred: (row: number) => number[]): ModelsRow[] => SCORES.map((score, i) => ({ pred: pred(i), decisionCost: COST, score, cost: COST }));

describe('quality–cost frontier on a 3-model toy', () => {
  it('the oracle: exact λ sweep, Pareto frontier, normalised area and cost for 95% of the best model, by hand', () => {
    // λ = 0: the best score, ties to the cheaper: r1→A, r2→B, r3→C, r4→A: cost (1+2+4+1)/4 = 2, score 0.75
    // r3 leaves C for A at λ = (1 − 0) / (4 − 1) = 1/3 (before B at 1/2): cost 1.25, score 0.5
    // r2 leaves B for A at λ = 1: cost 1, score 0.25
    const r = modelsReport(['A', 'B', 'C'], toy((i) => SCORES[i]));
    expect(r.models).toEqual([
      { model: 'A', score: 0.25, cost: 1 },
      { model: 'B', score: 0.5, cost: 2 },
      { model: 'C', score: 0.75, cost: 4 },
    ]);
    expect(r.cost_axis).toEqual({ lo: 1, hi: 4 });
    expect(r.best_model).toBe('C');
    expect(r.oracle.frontier.map((p) => [p.cost, p.score, p.lambda])).toEqual([
      [1, 0.25, 1],
      [1.25, 0.5, expect.closeTo(1 / 3, 12)],
      [2, 0.75, 0],
    ]);
    // area over [1, 4]: 0.25 · (0.25 + 0.5) / 2 + 0.75 · (0.5 + 0.75) / 2 + 2 · 0.75 = 2.0625 → / 3 = 0.6875
    expect(r.oracle.area).toBeCloseTo(0.6875, 12);
    // 95% of C's 0.75 = 0.7125, on (1.25, 0.5)–(2, 0.75): f = 0.85 → cost 1.8875, / 4 = 0.471875
    expect(r.oracle.cost_for_95_best).toBeCloseTo(1.8875, 12);
    expect(r.oracle.cost_ratio_for_95_best).toBeCloseTo(0.471875, 12);
    expect(r.oracle.top).toEqual({ cost: 2, score: 0.75 });
    // single models joined: (1, 0.25)–(2, 0.5)–(4, 0.75): area (0.375 + 1.25) / 3 = 0.541666…
    // 95%: on (2, 0.5)–(4, 0.75), f = 0.85 → 3.7, / 4 = 0.925
    expect(r.singles.area).toBeCloseTo(1.625 / 3, 12);
    expect(r.singles.cost_ratio_for_95_best).toBeCloseTo(0.925, 12);
  });

  it('a router with the same prediction for every row traces the single models (its area is theirs)', () => {
    // predictions A 0.5, B 0.6, C 0.7 everywhere: C at λ = 0; B from λ = (0.7 − 0.6) / 2 = 0.05 (before A at 0.0667); A from 0.1
    const r = modelsReport(['A', 'B', 'C'], toy(() => [0.5, 0.6, 0.7]));
    expect(r.router.frontier.map((p) => [p.cost, p.score])).toEqual([
      [1, 0.25],
      [2, 0.5],
      [4, 0.75],
    ]);
    expect(r.router.frontier.map((p) => p.lambda)).toEqual([expect.closeTo(0.1, 12), expect.closeTo(0.05, 12), 0]);
    expect(r.router.area).toBeCloseTo(r.singles.area, 12);
    expect(r.oracle.area).toBeGreaterThan(r.router.area);
  });

  it('a router that predicts the outcomes reaches the oracle frontier', () => {
    const r = modelsReport(['A', 'B', 'C'], toy((i) => SCORES[i]));
    expect(r.router.area).toBeCloseTo(r.oracle.area, 12);
  });

  it('ties in prediction go to the lower decision cost', () => {
    const points = lambdaSweep([{ pred: [1, 1], decisionCost: [5, 1], score: [1, 0], cost: [5, 1] }]);
    expect(points).toEqual([{ cost: 1, score: 0, lambda: 0 }]);
  });

  it('Pareto: a dearer point that is not better is dropped', () => {
    const frontier = paretoFrontier([
      { cost: 2, score: 0.5, lambda: 0 },
      { cost: 1, score: 0.5, lambda: 1 },
      { cost: 3, score: 0.4, lambda: 0.5 },
      { cost: 4, score: 0.9, lambda: 0.1 },
    ]);
    expect(frontier.map((p) => p.cost)).toEqual([1, 4]);
  });

  it('a budget below the cheapest frontier point scores 0; above the dearest it keeps its score', () => {
    // one point (2, 0.5) on the axis [1, 3]: 0 on [1, 2), 0.5 on [2, 3] → 0.5 / 2
    expect(normalisedArea([{ cost: 2, score: 0.5, lambda: 0 }], 1, 3)).toBeCloseTo(0.25, 12);
    // equal costs: the frontier's score at that cost
    expect(normalisedArea([{ cost: 2, score: 0.5, lambda: 0 }], 2, 2)).toBe(0.5);
    expect(costToReach([{ cost: 2, score: 0.5, lambda: 0 }], 0.6)).toBeNull();
  });
});
