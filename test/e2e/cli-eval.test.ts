import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs the built CLI (npm test builds first), like cli-route-explain.test.ts. */
const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/**
 * A small generated dataset: tasks "math" (the strong model wins on hard prompts) and "chat" (equal),
 * three models named with an organisation prefix, train and test rows, one flagged row, one bad line.
 */
function writeDataset(dir: string): string {
  const lines: string[] = [];
  for (let i = 0; i < 60; i += 1) {
    const task = i % 2 === 0 ? 'math' : 'chat';
    const hard = i % 3 === 0;
    const score = { big: task === 'math' ? 1 : i % 5 === 0 ? 0 : 1, mid: hard ? 0 : 1, small: task === 'math' && hard ? 0 : (i % 4 === 0 ? 0 : 1) };
    lines.push(
      JSON.stringify({
        id: `r${i}`,
        task,
        prompt: `${task} prompt ${i}`,
        question: `${task} question ${i}`,
        split: i < 36 ? 'train' : 'test',
        flags: { overlaps: i === 40 ? ['elsewhere'] : [] },
        models: {
          'org/big': { score: score.big, cost_usd: 0.01, in_tokens: null, out_tokens: 3, cost_is_estimate: false },
          'org/mid': { score: score.mid, cost_usd: 0.004, in_tokens: null, out_tokens: 3, cost_is_estimate: false },
          'org/small': { score: score.small, cost_usd: 0.001, in_tokens: null, out_tokens: 3, cost_is_estimate: false },
        },
      }),
    );
    if (i === 10) lines.push('{"id": "broken"');
  }
  const file = join(dir, 'routing.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('switchyard eval', () => {
  it('--json for a pair: per task and overall with the baselines; aliases, name resolution, exclude-flag, bad lines', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-eval-'));
    const data = writeDataset(cwd);
    const svg = join(cwd, 'chart.svg');
    const { code, stdout, stderr } = await run(['eval', '--data', data, '--strong', 'big', '--weak', 'small', '--alias', 'org/big=big', '--exclude-flag', 'overlaps', '--json', '--svg', svg, '--loto'], cwd);
    expect(code).toBe(0);
    // the bad line is reported with its number (line 12: after rows 0…10) and skipped; no progress bar on a pipe
    expect(stderr).toBe(`switchyard eval: ${data}:12: skipped: not JSON: ${JSON.parse(stdout).bad_lines[0].error.replace(/^not JSON: /, '')}\n`);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ router: 'task-prior', mode: 'pair', split: 'test', strong: 'big', weak: 'org/small', models: ['big', 'org/small'] });
    expect(report.rows).toEqual({ lines: 61, bad_lines: 1, excluded: { overlaps: 1 }, other_tasks: 0, missing_model: 0, evaluated: 23, fit: 36 });
    expect(report.resolved).toEqual(['--weak small is org/small in the file']);
    expect(report.bad_lines).toEqual([{ line: 12, error: expect.stringMatching(/^not JSON/) }]);
    expect(Object.keys(report.tasks)).toEqual(['chat', 'math']);
    for (const r of [report.overall, report.tasks.chat, report.tasks.math]) {
      expect(Object.keys(r).sort()).toEqual(['always_strong', 'always_weak', 'n', 'oracle', 'oracle_point', 'random', 'router', 'strong_cost', 'strong_mean', 'weak_cost', 'weak_mean'].concat(r.note ? ['note'] : []).sort());
      expect(Object.keys(r.router).sort()).toEqual(['apgr', 'area', 'cost_ratio_for_95', 'cpt50', 'cpt80', 'curve', 'strong_pct_for_95']);
    }
    expect(report.tasks.math.n + report.tasks.chat.n).toBe(report.overall.n);
    expect(report.overall.random.apgr).toBeCloseTo(0.5, 9);
    expect(report.overall.oracle.apgr).toBeGreaterThanOrEqual(report.overall.router.apgr);
    expect(Object.keys(report.loto.folds)).toEqual(['chat', 'math']);
    expect(report.loto.split).toBe('all');
    const chart = readFileSync(svg, 'utf8');
    expect(chart.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(chart).not.toMatch(/<script|href=/);
  });

  it('prints tables without --json; --models gives the frontier', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-eval-'));
    const data = writeDataset(cwd);
    const table = await run(['eval', '--data', data, '--strong', 'big', '--weak', 'small'], cwd);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Router task-prior on routing\.jsonl: strong org\/big, weak org\/small$/m);
    expect(table.stdout).toMatch(/^OVERALL +n=24 /m);
    expect(table.stdout).toMatch(/^ {2}ROUTER +APGR +CPT50 +CPT80 +STRONG%@95 +COST@95$/m);
    expect(table.stdout).toMatch(/^ {2}random +0\.500 +50\.0% +80\.0% /m);
    for (const name of ['task-prior', 'oracle', 'always-strong', 'always-weak']) expect(table.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));

    const frontier = await run(['eval', '--data', data, '--models', 'big,mid,small', '--router', 'random', '--json'], cwd);
    expect(frontier.code).toBe(0);
    const report = JSON.parse(frontier.stdout);
    expect(report.mode).toBe('models');
    expect(report.models).toEqual(['org/big', 'org/mid', 'org/small']);
    expect(report.overall.models.map((m: { model: string }) => m.model)).toEqual(['org/big', 'org/mid', 'org/small']);
    expect(report.overall.cost_axis).toEqual({ lo: expect.closeTo(0.001, 12), hi: expect.closeTo(0.01, 12) });
    for (const k of ['router', 'oracle', 'singles']) expect(Object.keys(report.overall[k]).sort()).toEqual(['area', 'cost_for_95_best', 'cost_ratio_for_95_best', 'frontier', 'top']);
    expect(report.overall.oracle.area).toBeGreaterThanOrEqual(report.overall.router.area);
  });

  it('usage mistakes exit 2 with one line; an evaluation that cannot run exits 1', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-eval-'));
    const data = writeDataset(cwd);
    const trainOnly = join(cwd, 'train-only.jsonl');
    writeFileSync(trainOnly, readFileSync(data, 'utf8').split('\n').filter((line) => line.includes('"split":"train"')).join('\n'));
    const cases: [string[], number, RegExp][] = [
      [['eval', '--strong', 'big', '--weak', 'small'], 2, /--data <file\.jsonl> is required/],
      [['eval', '--data', data], 2, /name the models/],
      [['eval', '--data', data, '--strong', 'big'], 2, /--strong and --weak go together/],
      [['eval', '--data', data, '--strong', 'nope', '--weak', 'small'], 2, /model "nope" is not in the file/],
      [['eval', '--data', data, '--strong', 'big', '--weak', 'small', '--router', 'nope'], 2, /unknown router "nope"/],
      [['eval', '--data', data, '--strong', 'big', '--weak', 'small', '--split', 'dev'], 2, /--split must be test, train or all/],
      [['eval', '--data', join(cwd, 'missing.jsonl'), '--strong', 'big', '--weak', 'small'], 2, /cannot read --data/],
      [['eval', '--data', data, '--strong', 'big', '--weak', 'small', '--bogus'], 2, /unknown option '--bogus'/],
      [['eval', '--data', data, '--strong', 'big', '--weak', 'small', '--task', 'poetry'], 1, /no rows to evaluate in .*\(61 lines: 1 bad, 60 of other tasks\)/],
      [['eval', '--data', data, '--strong', 'big', '--weak', 'small', '--task', 'math', '--split', 'dev'], 2, /--split/],
      [['eval', '--data', trainOnly, '--strong', 'big', '--weak', 'small'], 1, /no usable rows in the test split/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args, cwd)));
    for (const [i, [args, code, message]] of cases.entries()) {
      const result = results[i];
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toMatch(message);
      // one error line (besides the warning about the file's bad line, once the file was read)
      expect(result.stderr.trim().split('\n').filter((line) => !/:12: skipped: not JSON/.test(line))).toHaveLength(1);
      expect(result.stdout).toBe('');
    }
    expect(existsSync(join(cwd, 'chart.svg'))).toBe(false);
  }, 90_000); // eleven CLI runs
});
