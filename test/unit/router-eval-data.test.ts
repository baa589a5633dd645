import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEvalRouter, createTaskPriorRouter, evalRouterNames, registerEvalRouter, UnknownRouterError } from '../../src/router-eval/eval-routers.js';
import type { EvalRouter, EvalRow } from '../../src/router-eval/eval-types.js';
import { evaluate, isPairReport, NoRowsError, RouterOutputError } from '../../src/router-eval/evaluate.js';
import { EvalDataError, isTruthy, loadEvalData, parseAliases, resolveModelName } from '../../src/router-eval/load-data.js';
import { dataPath } from '../helpers/fixtures.js';

function writeJsonl(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'swy-eval-'));
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const row = (id: string, task: string, split: string, models: Record<string, unknown>, flags: Record<string, unknown> = {}) =>
  JSON.stringify({ id, task, prompt: `prompt ${id}`, question: `question ${id}`, split, flags, models });

const m = (score: number, cost = 0.01) => ({ score, cost_usd: cost, in_tokens: null, out_tokens: 1, cost_is_estimate: false });

describe('loading a routing dataset', () => {
  it('reports bad lines with their numbers and keeps going; blank lines are not rows', async () => {
    const file = writeJsonl([
      row('1', 't', 'test', { a: m(1), b: m(0) }),
      '{not json',
      '',
      JSON.stringify({ id: '3', task: 't', split: 'test' }),
      row('4', 't', 'test', { a: { score: 'yes' }, b: m(0) }),
      '[1, 2]',
      row('7', 't', 'train', { a: m(0), b: m(1) }),
    ]);
    const data = await loadEvalData(file);
    expect(data.rows.map((r) => r.id)).toEqual(['1', '7']);
    expect(data.lines).toBe(6);
    expect(data.bad_lines).toEqual([
      { line: 2, error: expect.stringMatching(/^not JSON/) },
      { line: 4, error: 'no "models" object' },
      { line: 5, error: 'model "a" has no numeric score ("yes")' },
      { line: 6, error: 'not a JSON object' },
    ]);
    expect(data.rows[1].line).toBe(7);
    expect(data.rows[0].question).toBe('question 1');
  });

  it('--alias renames models; a collision with a model of the row is an error naming the line', async () => {
    const file = writeJsonl([row('1', 't', 'test', { 'org/big': m(1), small: m(0) })]);
    const data = await loadEvalData(file, { aliases: parseAliases(['org/big=big']) });
    expect(Object.keys(data.rows[0].models)).toEqual(['big', 'small']);
    expect(data.models).toEqual(['big', 'small']);
    await expect(loadEvalData(file, { aliases: parseAliases(['org/big=small']) })).rejects.toThrow(/line 1: --alias org\/big=small collides/);
    expect(() => parseAliases(['nope'])).toThrow(EvalDataError);
    expect(() => parseAliases(['a=c', 'b=c'])).toThrow(/same name/);
  });

  it('--exclude-flag drops rows whose flag is truthy (empty lists and null are false); the task filter', async () => {
    const file = writeJsonl([
      row('1', 'x', 'test', { a: m(1), b: m(0) }, { overlaps: [], dup_prompt_of: null }),
      row('2', 'x', 'test', { a: m(1), b: m(0) }, { overlaps: ['other'], dup_prompt_of: null }),
      row('3', 'x', 'test', { a: m(1), b: m(0) }, { overlaps: [], dup_prompt_of: 'x.1' }),
      row('4', 'y', 'test', { a: m(1), b: m(0) }, { overlaps: [], dup_prompt_of: null }),
    ]);
    const data = await loadEvalData(file, { excludeFlags: ['overlaps', 'dup_prompt_of'], tasks: ['x'] });
    expect(data.rows.map((r) => r.id)).toEqual(['1']);
    expect(data.excluded).toEqual({ overlaps: 1, dup_prompt_of: 1 });
    expect(data.other_tasks).toBe(1);
    expect([null, undefined, false, 0, '', [], {}].map(isTruthy)).toEqual([false, false, false, false, false, false, false]);
    expect([true, 1, 'a', [0], { a: 1 }].map(isTruthy)).toEqual([true, true, true, true, true]);
  });

  it('costs: recorded, price × tokens, or price × input tokens when the output count is missing', async () => {
    const file = writeJsonl([
      row('1', 't', 'test', {
        rec: m(1, 0.5),
        full: { score: 1, in_tokens: 1000, out_tokens: 500, price_in_per_m: 2, price_out_per_m: 8, cost_usd: null, cost_is_estimate: true },
        input: { score: 0.5, in_tokens: 1000, out_tokens: null, price_in_per_m: 0.2, price_out_per_m: 0.2, cost_usd: null, cost_is_estimate: true },
        none: { score: 0 },
      }),
    ]);
    const [r] = (await loadEvalData(file)).rows;
    expect(r.models.rec).toMatchObject({ cost: 0.5, cost_basis: 'recorded', cost_is_estimate: false });
    expect(r.models.full).toMatchObject({ cost: (2 * 1000 + 8 * 500) / 1e6, cost_basis: 'price-x-tokens', cost_is_estimate: true });
    expect(r.models.input).toMatchObject({ cost: (0.2 * 1000) / 1e6, cost_basis: 'price-x-input-tokens' });
    expect(r.models.none).toMatchObject({ cost: null, cost_basis: 'none' });
  });

  it('model names resolve exactly, else by the part after the last "/"', () => {
    const models = ['mistralai/mixtral-8x7b-chat', 'gpt-4', 'a/x', 'b/x'];
    expect(resolveModelName('gpt-4', models)).toEqual({ name: 'gpt-4' });
    expect(resolveModelName('mixtral-8x7b-chat', models)).toEqual({ name: 'mistralai/mixtral-8x7b-chat' });
    expect(resolveModelName('x', models)).toEqual({ error: expect.stringMatching(/ambiguous/) });
    expect(resolveModelName('nope', models)).toEqual({ error: expect.stringMatching(/not in the file/) });
  });
});

describe('evaluate', () => {
  // two tasks; on "math" the strong model wins, on "chat" both are equal; train and test rows
  const lines = [
    ...Array.from({ length: 10 }, (_, i) => row(`m${i}`, 'math', i < 6 ? 'train' : 'test', { big: m(1, 0.1), small: m(i % 3 === 0 ? 1 : 0, 0.01), mid: m(i % 2, 0.05) })),
    ...Array.from({ length: 10 }, (_, i) => row(`c${i}`, 'chat', i < 6 ? 'train' : 'test', { big: m(i % 2, 0.1), small: m(i % 2, 0.01), mid: m(1, 0.05) })),
    row('lonely', 'chat', 'test', { big: m(1) }),
  ];

  it('fits on train rows only, scores the test split, reports per task and overall; rows lacking a model are counted', async () => {
    const data = await loadEvalData(writeJsonl(lines));
    const seen = { fit: [] as string[], scored: [] as string[] };
    const spy: EvalRouter = {
      name: 'spy',
      fit: (train: EvalRow[]) => seen.fit.push(...train.map((r) => r.id)),
      score: (r: EvalRow, models: string[]) => {
        seen.scored.push(r.id);
        return Object.fromEntries(models.map((name) => [name, r.task === 'math' && name === 'big' ? 1 : 0]));
      },
    };
    const report = await evaluate({ data, createRouter: async () => spy, pair: { strong: 'big', weak: 'small' }, split: 'test' });
    expect(seen.fit.sort()).toEqual([...['m0', 'm1', 'm2', 'm3', 'm4', 'm5'], ...['c0', 'c1', 'c2', 'c3', 'c4', 'c5']].sort());
    expect(seen.scored).toHaveLength(8);
    expect(report.rows).toMatchObject({ evaluated: 8, fit: 12, missing_model: 1 });
    expect(Object.keys(report.tasks)).toEqual(['chat', 'math']);
    expect(report.tasks.math.n + report.tasks.chat.n).toBe(report.overall.n);
    expect(report.cost_basis).toEqual({ recorded: 16 });
    const overall = report.overall;
    if (!isPairReport(overall)) throw new Error('pair expected');
    // the router sends math (where strong wins) first: above random
    expect(overall.router.apgr!).toBeGreaterThan(0.5);
  });

  it('--loto fits each fold on the other tasks only and scores the held-out task from every split', async () => {
    const data = await loadEvalData(writeJsonl(lines));
    const fits: string[][] = [];
    const report = await evaluate({
      data,
      createRouter: async () => {
        const inner = createTaskPriorRouter();
        return { name: 'task-prior', score: inner.score, fit: (train, models) => (fits.push([...new Set(train.map((r) => r.task))]), inner.fit!(train, models)) };
      },
      pair: { strong: 'big', weak: 'small' },
      split: 'test',
      loto: true,
    });
    expect(fits).toEqual([['math', 'chat'], ['math'], ['chat']]);
    expect(report.loto!.split).toBe('all');
    expect(Object.keys(report.loto!.folds)).toEqual(['chat', 'math']);
    expect(report.loto!.folds.math).toMatchObject({ fit_rows: 6, report: { n: 10 } });
    // task-prior knows nothing about an unseen task: every held-out row ties, apgr 0.5
    const fold = report.loto!.folds.math.report;
    if (!isPairReport(fold)) throw new Error('pair expected');
    expect(fold.router.apgr).toBeCloseTo(0.5, 12);
  });

  it('many models: the frontier per task and overall; the router never sees the realized cost', async () => {
    const data = await loadEvalData(writeJsonl(lines));
    const router = await createEvalRouter('task-prior', { seed: 1 });
    const report = await evaluate({ data, createRouter: async () => router, models: ['big', 'mid', 'small'], split: 'test' });
    expect(report.mode).toBe('models');
    const overall = report.overall;
    if (isPairReport(overall)) throw new Error('models expected');
    expect(overall.models.map((s) => s.model)).toEqual(['big', 'mid', 'small']);
    expect(overall.oracle.area).toBeGreaterThanOrEqual(overall.router.area - 1e-12);
    expect(Number.isFinite(overall.router.area)).toBe(true);
  });

  it('a router predicting a non-number is an error naming the row; no usable rows is an error', async () => {
    const data = await loadEvalData(writeJsonl(lines));
    const bad: EvalRouter = { name: 'bad', score: () => ({ big: 1 }) };
    await expect(evaluate({ data, createRouter: async () => bad, pair: { strong: 'big', weak: 'small' }, split: 'test' })).rejects.toThrow(RouterOutputError);
    const none = await loadEvalData(writeJsonl([row('1', 't', 'train', { big: m(1), small: m(0) })]));
    await expect(evaluate({ data: none, createRouter: () => createEvalRouter('random', { seed: 1 }), pair: { strong: 'big', weak: 'small' }, split: 'test' })).rejects.toThrow(NoRowsError);
  });
});

describe('router registry', () => {
  it('has task-prior, random and oracle; unknown names are an error listing them; others register by name', async () => {
    const names = evalRouterNames().map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['task-prior', 'random', 'oracle']));
    await expect(createEvalRouter('nope', { seed: 1 })).rejects.toThrow(UnknownRouterError);
    registerEvalRouter('constant-test', 'test', () => ({ name: 'constant-test', score: (_r, models) => Object.fromEntries(models.map((x) => [x, 0])) }));
    expect((await createEvalRouter('constant-test', { seed: 1 })).name).toBe('constant-test');
  });

  it('learned: the trained router (src/routing/learned/eval-router.ts) plugs in by name and scores rows', async () => {
    expect(evalRouterNames().map((r) => r.name)).toContain('learned');
    const router = await createEvalRouter('learned');
    expect(router.name).toBe('learned');
    const r = { id: 'x', task: 'gsm8k', prompt: 'What is 17 * 23? Think step by step.', question: 'What is 17 * 23?', split: 'test', flags: {}, models: {}, line: 1, category: null } as EvalRow;
    const scores = router.score(r, ['gpt-4-1106-preview', 'mistral-7b-chat']);
    expect(Object.values(scores).every(Number.isFinite)).toBe(true);
  });

  it('random is reproducible for a seed and independent of row order', async () => {
    const a = await createEvalRouter('random', { seed: 7 });
    const b = await createEvalRouter('random', { seed: 7 });
    const c = await createEvalRouter('random', { seed: 8 });
    const r = { id: 'row-1' } as EvalRow;
    expect(a.score(r, ['x', 'y'])).toEqual(b.score(r, ['x', 'y']));
    expect(a.score(r, ['x', 'y'])).not.toEqual(c.score(r, ['x', 'y']));
  });
});

describe('the real RouterBench file (read in place from shared/data)', () => {
  it('task-prior, gpt-4-1106-preview vs mixtral-8x7b-chat on the test split: sane, finite, below the oracle', async () => {
    const data = await loadEvalData(dataPath('routing/routerbench_subset.jsonl'));
    const strong = 'gpt-4-1106-preview';
    const weak = resolveModelName('mixtral-8x7b-chat', data.models);
    if (!('name' in weak)) throw new Error(weak.error);
    const report = await evaluate({ data, createRouter: () => createEvalRouter('task-prior', { seed: 1 }), pair: { strong, weak: weak.name }, split: 'test', loto: true });
    const overall = report.overall;
    if (!isPairReport(overall)) throw new Error('pair expected');
    expect(overall.n).toBe(report.rows.evaluated);
    expect(overall.n).toBeGreaterThan(900);
    expect(Object.values(report.tasks).reduce((sum, t) => sum + t.n, 0)).toBe(overall.n);
    for (const r of [overall, ...Object.values(report.tasks)]) {
      if (!isPairReport(r)) throw new Error('pair expected');
      for (const v of [r.router.apgr, r.router.cpt50, r.router.cpt80, r.router.strong_pct_for_95, r.router.cost_ratio_for_95, r.oracle.apgr]) expect(Number.isFinite(v)).toBe(true);
      expect(r.oracle.apgr!).toBeGreaterThanOrEqual(r.router.apgr!);
      expect(r.random.apgr).toBeCloseTo(0.5, 9);
      expect(r.strong_mean).toBeGreaterThan(r.weak_mean);
    }
    expect(Object.keys(report.loto!.folds).sort()).toEqual(['arc-challenge', 'mbpp', 'winogrande']);
  });
});
