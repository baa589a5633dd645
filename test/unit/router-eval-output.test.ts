import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../../src/router-eval/evaluate.js';
import { modelsReport } from '../../src/router-eval/frontier.js';
import { pairReport } from '../../src/router-eval/pair-metrics.js';
import { ProgressBar } from '../../src/router-eval/progress-bar.js';
import { evalChartSvg, niceTicks } from '../../src/router-eval/svg-chart.js';

describe('progress bar', () => {
  it('draws nothing when the stream is not a terminal', () => {
    const written: string[] = [];
    const bar = new ProgressBar({ isTTY: false, write: (t) => written.push(t) });
    bar.update('reading', 5, 10);
    bar.done();
    expect(written).toEqual([]);
  });

  it('on a terminal: redraws at most once per interval (and at the end), then erases itself', () => {
    const written: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ isTTY: true, columns: 80, write: (t) => written.push(t) }, 100, () => now);
    bar.update('routing', 1, 10);
    now = 50;
    bar.update('routing', 2, 10); // throttled
    now = 150;
    bar.update('routing', 3, 10);
    now = 160;
    bar.update('routing', 10, 10); // the end is always drawn
    bar.done();
    expect(written).toHaveLength(4);
    expect(written[0]).toMatch(/^\rrouting \[#*\.*\] {2}10%\u001b\[K$/);
    expect(written[2]).toMatch(/100%/);
    expect(written[3]).toBe('\r\u001b[K');
  });
});

describe('SVG chart', () => {
  const base = { split: 'test' as const, notes: [], tasks: {}, cost_basis: {}, rows: { lines: 4, bad_lines: 0, excluded: {}, other_tasks: 0, missing_model: 0, evaluated: 4, fit: 0 } };

  it('pair: a self-contained SVG with the router, random and oracle curves', () => {
    const overall = pairReport(
      [1, 1, 0, 1].map((s, i) => ({ strong: s, weak: [0, 1, 0, 0][i], strongCost: 1, weakCost: 0.1 })),
      [0.9, 0.5, 0.4, 0.1],
    );
    const report: EvalReport = { ...base, router: 'task-prior', mode: 'pair', strong: 'big<1>', weak: 'small', models: ['big<1>', 'small'], overall };
    const svg = evalChartSvg(report, 'data.jsonl');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="760" height="480"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).toContain('big&lt;1&gt;'); // names are escaped
    expect(svg).not.toMatch(/<script|href=|url\(/);
  });

  it('many models: the frontiers and a labelled point per model', () => {
    const overall = modelsReport(['A', 'B'], [
      { pred: [1, 0], decisionCost: [1, 2], score: [1, 0], cost: [1, 2] },
      { pred: [0, 1], decisionCost: [1, 2], score: [0, 1], cost: [1, 2] },
    ]);
    const report: EvalReport = { ...base, router: 'random', mode: 'models', models: ['A', 'B'], overall };
    const svg = evalChartSvg(report, 'data.jsonl');
    expect(svg).toContain('>A</text>');
    expect(svg).toContain('>B</text>');
    expect(svg).toContain('quality–cost frontier over 2 models');
  });

  it('ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.74, 0.92)).toEqual([0.75, 0.8, 0.85, 0.9]);
  });
});
