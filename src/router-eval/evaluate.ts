import type { CostBasis, EvalRouter, EvalRow } from './eval-types.js';
import { modelsReport, type ModelsReport, type ModelsRow } from './frontier.js';
import type { LoadResult } from './load-data.js';
import { aboveRandom, pairReport, type PairOutcome, type PairReport } from './pair-metrics.js';

/**
 * Replays a loaded routing dataset through a router and measures it (pair-metrics.ts for a strong/weak
 * pair, frontier.ts for many models), overall and per task, optionally leave-one-task-out.
 *
 * Rows: a row is usable when every evaluated model has an outcome in it (others are counted as
 * `missing_model`). The router is fitted on the usable rows of the train split and scores the usable
 * rows of the evaluated split (`test` by default; `all` includes the train rows, in-sample). With
 * --loto, for each task T a fresh router is fitted on the train rows of every other task and scores the
 * rows of T — from every split unless a split was given explicitly, since none of T was seen in fitting.
 *
 * Decision costs (many models): the router weighs a cost known before the call: price_in × in_tokens
 * + price_out × (the model's mean out_tokens on the fit rows, 0 when unknown) when the row has the
 * model's prices and its input tokens; otherwise the model's mean realized cost on the fit rows (the
 * evaluated rows when there are none). The realized cost of a row is never shown to the router.
 */

export type SplitChoice = 'test' | 'train' | 'all';

export interface EvalSpec {
  data: LoadResult;
  /** Builds a fresh router (one per evaluation and per --loto fold). */
  createRouter: () => Promise<EvalRouter>;
  /** A strong/weak pair… */
  pair?: { strong: string; weak: string };
  /** …or many models (exactly one of the two). */
  models?: string[];
  split: SplitChoice;
  /** True when --split was given (with --loto the held-out task's rows then come from that split only). */
  splitExplicit?: boolean;
  loto?: boolean;
  /** Threshold bins for pair curves (RouteLLM: 10). */
  bins?: number;
  /** Rows scored so far of the total (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

export type TaskReport = PairReport | ModelsReport;

export interface EvalReport {
  router: string;
  mode: 'pair' | 'models';
  split: SplitChoice;
  strong?: string;
  weak?: string;
  models: string[];
  rows: {
    lines: number;
    bad_lines: number;
    excluded: Record<string, number>;
    other_tasks: number;
    missing_model: number;
    evaluated: number;
    fit: number;
  };
  /** How the realized costs of the evaluated outcomes were obtained (see CostBasis). */
  cost_basis: Partial<Record<CostBasis, number>>;
  notes: string[];
  overall: TaskReport;
  tasks: Record<string, TaskReport>;
  loto?: {
    /** Which rows of the held-out task were scored: a split name or `all`. */
    split: SplitChoice;
    folds: Record<string, { fit_rows: number; report: TaskReport }>;
    /** Pair: folds whose apgr is above random's 0.5; many models: folds whose area is above the single models'. */
    beats_baseline: number;
    /** Folds with a defined comparison (a pair fold without a quality gap has none). */
    compared: number;
  };
}

export class RouterOutputError extends Error {}

/** The models' mean realized cost and mean output tokens on some rows (for decision costs). */
function costPriors(rows: readonly EvalRow[], models: readonly string[]) {
  return models.map((m) => {
    let cost = 0;
    let costN = 0;
    let out = 0;
    let outN = 0;
    for (const row of rows) {
      const o = row.models[m];
      if (!o) continue;
      if (o.cost !== null) {
        cost += o.cost;
        costN += 1;
      }
      if (o.out_tokens !== null) {
        out += o.out_tokens;
        outN += 1;
      }
    }
    return { meanCost: costN > 0 ? cost / costN : null, meanOut: outN > 0 ? out / outN : 0 };
  });
}

function decisionCost(row: EvalRow, model: string, prior: { meanCost: number | null; meanOut: number }): number | null {
  const o = row.models[model];
  if (o.price_in_per_m !== null && o.in_tokens !== null) return (o.price_in_per_m * o.in_tokens + (o.price_out_per_m ?? 0) * prior.meanOut) / 1e6;
  return prior.meanCost;
}

function groupByTask<T extends { row: EvalRow }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => (a.row.task < b.row.task ? -1 : a.row.task > b.row.task ? 1 : 0))) {
    const list = groups.get(item.row.task);
    if (list) list.push(item);
    else groups.set(item.row.task, [item]);
  }
  return groups;
}

interface Scored {
  row: EvalRow;
  /** The router's prediction per model, in the order of the model list. */
  pred: number[];
  /** Many models only: what the frontier needs. */
  modelsRow?: ModelsRow;
}

/** Runs one evaluation (a fit and a scoring pass) on `evalRows`, overall and per task. */
async function evaluateOnce(
  spec: EvalSpec,
  models: string[],
  fitRows: EvalRow[],
  evalRows: EvalRow[],
  tick: () => void,
): Promise<{ router: EvalRouter; overall: TaskReport; tasks: Record<string, TaskReport>; notes: string[] }> {
  const router = await spec.createRouter();
  router.fit?.(fitRows, [...models]);
  const notes: string[] = [];
  const scored: Scored[] = evalRows.map((row) => {
    const predicted = router.score(row, [...models]);
    const pred = models.map((m) => {
      const value = predicted?.[m];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RouterOutputError(`router "${router.name}" gave no finite prediction for model "${m}" on row ${row.id} (line ${row.line}): ${JSON.stringify(value)}`);
      }
      return value;
    });
    tick();
    return { row, pred };
  });
  const report = (items: Scored[]): TaskReport => {
    if (spec.pair) {
      const outcomes: PairOutcome[] = items.map(({ row }) => {
        const s = row.models[spec.pair!.strong];
        const w = row.models[spec.pair!.weak];
        return { strong: s.score, weak: w.score, strongCost: s.cost, weakCost: w.cost };
      });
      return pairReport(
        outcomes,
        items.map(({ pred }) => pred[0] - pred[1]),
        spec.bins ?? 10,
      );
    }
    return modelsReport(models, items.map((item) => item.modelsRow!));
  };
  let withRows = scored;
  if (!spec.pair) {
    const priors = costPriors(fitRows.length > 0 ? fitRows : evalRows, models);
    withRows = scored.map((item) => ({
      ...item,
      modelsRow: {
        pred: item.pred,
        decisionCost: models.map((m, i) => decisionCost(item.row, m, priors[i]) ?? 0),
        score: models.map((m) => item.row.models[m].score),
        cost: models.map((m) => item.row.models[m].cost ?? 0),
      },
    }));
  }
  const tasks: Record<string, TaskReport> = {};
  for (const [task, items] of groupByTask(withRows)) tasks[task] = report(items);
  return { router, overall: report(withRows), tasks, notes };
}

export function isPairReport(report: TaskReport): report is PairReport {
  return 'strong_mean' in report;
}

function beats(report: TaskReport): boolean | null {
  if (isPairReport(report)) return report.router.apgr === null ? null : aboveRandom(report.router.apgr);
  return report.router.area > report.singles.area + 1e-9;
}

/** The whole evaluation (see the module comment). Throws RouterOutputError on a bad prediction. */
export async function evaluate(spec: EvalSpec): Promise<EvalReport> {
  const models = spec.pair ? [spec.pair.strong, spec.pair.weak] : [...(spec.models ?? [])];
  if (models.length < 2) throw new Error('evaluate needs a strong/weak pair or at least two models');
  const usable: EvalRow[] = [];
  let missing = 0;
  for (const row of spec.data.rows) {
    if (models.every((m) => row.models[m] !== undefined)) usable.push(row);
    else missing += 1;
  }
  const inSplit = (row: EvalRow, split: SplitChoice) => split === 'all' || row.split === split;
  const fitRows = usable.filter((row) => row.split === 'train');
  const evalRows = usable.filter((row) => inSplit(row, spec.split));
  const lotoSplit: SplitChoice = spec.splitExplicit ? spec.split : 'all';
  const lotoTasks = spec.loto ? [...new Set(usable.filter((r) => inSplit(r, lotoSplit)).map((r) => r.task))].sort() : [];
  const total = evalRows.length + (spec.loto ? usable.filter((r) => inSplit(r, lotoSplit)).length : 0);
  let done = 0;
  const tick = () => {
    done += 1;
    if (spec.onProgress && (done % 64 === 0 || done === total)) spec.onProgress(done, total);
  };
  if (evalRows.length === 0) throw new NoRowsError(`no usable rows in the ${spec.split === 'all' ? 'file' : `${spec.split} split`} (${missing} rows lack one of ${models.join(', ')})`);

  const main = await evaluateOnce(spec, models, fitRows, evalRows, tick);
  const costBasis: Partial<Record<CostBasis, number>> = {};
  for (const row of evalRows) for (const m of models) costBasis[row.models[m].cost_basis] = (costBasis[row.models[m].cost_basis] ?? 0) + 1;
  const notes = [...main.notes];
  if (costBasis['price-x-input-tokens']) {
    notes.push('costs are price × input tokens only (the file has no output token counts): a lower bound on the real cost; cost ratios compare input prices');
  }
  if (costBasis.none) notes.push(`${costBasis.none} outcomes have no cost (no cost_usd, no price × tokens): cost metrics are null`);
  if (fitRows.length === 0 && main.router.fit) notes.push('no train rows: the router was fitted on nothing');
  if (spec.split !== 'test') notes.push(`evaluated on ${spec.split === 'all' ? 'every split' : 'the train split'}: train rows are in-sample for a fitted router`);

  const report: EvalReport = {
    router: main.router.name,
    mode: spec.pair ? 'pair' : 'models',
    split: spec.split,
    ...(spec.pair ? { strong: spec.pair.strong, weak: spec.pair.weak } : {}),
    models,
    rows: {
      lines: spec.data.lines,
      bad_lines: spec.data.bad_lines.length,
      excluded: spec.data.excluded,
      other_tasks: spec.data.other_tasks,
      missing_model: missing,
      evaluated: evalRows.length,
      fit: fitRows.length,
    },
    cost_basis: costBasis,
    notes,
    overall: main.overall,
    tasks: main.tasks,
  };

  if (spec.loto) {
    const folds: Record<string, { fit_rows: number; report: TaskReport }> = {};
    let beatsBaseline = 0;
    let compared = 0;
    for (const task of lotoTasks) {
      const foldFit = fitRows.filter((r) => r.task !== task);
      const foldEval = usable.filter((r) => r.task === task && inSplit(r, lotoSplit));
      const fold = await evaluateOnce(spec, models, foldFit, foldEval, tick);
      folds[task] = { fit_rows: foldFit.length, report: fold.overall };
      const b = beats(fold.overall);
      if (b !== null) {
        compared += 1;
        if (b) beatsBaseline += 1;
      }
    }
    report.loto = { split: lotoSplit, folds, beats_baseline: beatsBaseline, compared };
  }
  return report;
}

export class NoRowsError extends Error {}
