import { isPairReport, type EvalReport, type TaskReport } from './evaluate.js';
import type { ModelsReport } from './frontier.js';
import { aboveRandom, type CurveMetrics, type PairReport, type PointMetrics } from './pair-metrics.js';

/** The human-readable report of `switchyard eval`: a header, a table per task and overall, the --loto folds. */

function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => `${indent}${r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]) : cell)).join('  ')}`.trimEnd());
}

const pct = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)}%`);
const num = (v: number | null, digits = 3) => (v === null ? '-' : v.toFixed(digits));
const usd = (v: number | null) => (v === null ? 'n/a' : `$${v === 0 ? '0' : v.toPrecision(3)}`);
const count = (v: number) => v.toLocaleString('en-US');

function curveRow(name: string, m: CurveMetrics): string[] {
  return [name, num(m.apgr), pct(m.cpt50), pct(m.cpt80), m.strong_pct_for_95 === null ? 'never' : pct(m.strong_pct_for_95), num(m.cost_ratio_for_95, 2), ''];
}

function pointRow(name: string, p: PointMetrics, strongMean: number): string[] {
  const reaches = p.score >= 0.95 * strongMean - 1e-12;
  return [name, '-', '-', '-', reaches ? pct(p.strong_pct) : 'never', reaches ? num(p.cost_ratio, 2) : '-', `score ${num(p.score)} with ${pct(p.strong_pct)} strong calls, cost ${num(p.cost_ratio, 2)}`];
}

function pairBlock(title: string, r: PairReport, router: string): string[] {
  const lines = [`${title}  n=${count(r.n)}  strong ${num(r.strong_mean)} at ${usd(r.strong_cost)}/call, weak ${num(r.weak_mean)} at ${usd(r.weak_cost)}/call`];
  lines.push(
    ...table(
      ['ROUTER', 'APGR', 'CPT50', 'CPT80', 'STRONG%@95', 'COST@95', ''],
      [
        curveRow(router, r.router),
        curveRow('random', r.random),
        curveRow('oracle', r.oracle),
        pointRow('oracle point', r.oracle_point, r.strong_mean),
        pointRow('always-strong', r.always_strong, r.strong_mean),
        pointRow('always-weak', r.always_weak, r.strong_mean),
      ],
    ),
  );
  if (r.note) lines.push(`  note: ${r.note}`);
  return lines;
}

function modelsBlock(title: string, r: ModelsReport, router: string): string[] {
  const lines = [`${title}  n=${count(r.n)}  cost axis ${usd(r.cost_axis.lo)}–${usd(r.cost_axis.hi)} per call; best single model ${r.best_model}`];
  const row = (name: string, m: ModelsReport['router']) => [name, num(m.area), num(m.top.score), usd(m.top.cost), num(m.cost_ratio_for_95_best, 2)];
  lines.push(...table(['ROUTING', 'AREA', 'TOP SCORE', 'TOP COST', 'COST@95%BEST'], [row(router, r.router), row('oracle', r.oracle), row('single models', r.singles)]));
  lines.push(...table(['MODEL', 'SCORE', 'COST/CALL'], r.models.map((m) => [m.model, num(m.score), usd(m.cost)]), '    '));
  return lines;
}

function block(title: string, r: TaskReport, router: string): string[] {
  return isPairReport(r) ? pairBlock(title, r, router) : modelsBlock(title, r, router);
}

export function formatEvalReport(report: EvalReport, dataName: string, resolved: string[] = []): string {
  const lines: string[] = [];
  const what = report.mode === 'pair' ? `strong ${report.strong}, weak ${report.weak}` : `models ${report.models.join(', ')}`;
  lines.push(`Router ${report.router} on ${dataName}: ${what}`);
  for (const r of resolved) lines.push(`  ${r}`);
  const rows = report.rows;
  const dropped = [
    rows.bad_lines ? `${count(rows.bad_lines)} bad line${rows.bad_lines === 1 ? '' : 's'}` : '',
    ...Object.entries(rows.excluded).map(([flag, n]) => `${count(n)} excluded by ${flag}`),
    rows.other_tasks ? `${count(rows.other_tasks)} of other tasks` : '',
    rows.missing_model ? `${count(rows.missing_model)} lacking a model` : '',
  ].filter(Boolean);
  lines.push(
    `Rows: ${count(rows.lines)} read, ${count(rows.evaluated)} evaluated (${report.split === 'all' ? 'every split' : `${report.split} split`}), ${count(rows.fit)} train rows to fit${dropped.length ? `; dropped: ${dropped.join(', ')}` : ''}`,
  );
  lines.push(`Costs: ${Object.entries(report.cost_basis).map(([basis, n]) => `${basis} (${count(n)})`).join(', ')}`);
  for (const note of report.notes) lines.push(`Note: ${note}`);
  lines.push('');
  for (const [task, r] of Object.entries(report.tasks)) {
    lines.push(...block(task, r, report.router), '');
  }
  lines.push(...block('OVERALL', report.overall, report.router), '');
  if (report.loto) {
    const l = report.loto;
    lines.push(`Leave-one-task-out: fit on the other tasks' train rows, scored on the held-out task's ${l.split === 'all' ? 'rows of every split' : `${l.split} rows`}`);
    if (report.mode === 'pair') {
      const folds = Object.entries(l.folds).map(([task, f]) => {
        const r = f.report as PairReport;
        return [task, count(r.n), count(f.fit_rows), num(r.router.apgr), num(r.oracle.apgr), pct(r.router.cpt50), pct(r.router.cpt80), r.router.strong_pct_for_95 === null ? 'never' : pct(r.router.strong_pct_for_95), num(r.router.cost_ratio_for_95, 2), r.router.apgr === null ? 'n/a' : aboveRandom(r.router.apgr) ? 'yes' : 'no'];
      });
      lines.push(...table(['HELD-OUT', 'N', 'FIT', 'APGR', 'ORACLE', 'CPT50', 'CPT80', 'STRONG%@95', 'COST@95', '>RANDOM'], folds));
      lines.push(`  APGR above random (0.5) on ${l.beats_baseline} of ${l.compared} held-out tasks`);
    } else {
      const folds = Object.entries(l.folds).map(([task, f]) => {
        const r = f.report as ModelsReport;
        return [task, count(r.n), count(f.fit_rows), num(r.router.area), num(r.oracle.area), num(r.singles.area), num(r.router.cost_ratio_for_95_best, 2), r.router.area > r.singles.area + 1e-9 ? 'yes' : 'no'];
      });
      lines.push(...table(['HELD-OUT', 'N', 'FIT', 'AREA', 'ORACLE', 'SINGLES', 'COST@95%BEST', '>SINGLES'], folds));
      lines.push(`  frontier area above the single models' on ${l.beats_baseline} of ${l.compared} held-out tasks`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
