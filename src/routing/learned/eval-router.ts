/**
 * The learned router as a `switchyard eval` router (src/router-eval: `--router learned`).
 *
 * - fit(train, models): fits each model's quality profile on the train rows (quality.ts) against the
 *   analyzer's predicted difficulty, with byBenchmark levels for the train rows' tasks, so the
 *   dataset's models are scored by what they did on the train split; a model without train rows falls
 *   back to resolveQualityProfile (shipped public-benchmark profile, else neutral).
 * - score(row, models): analyzes `row.question ?? row.prompt` and returns each model's predicted
 *   quality (predictQuality).
 *
 * The analyzer is the shipped one (router-weights.json) unless that would leak: when a scored row's
 * task is one the shipped weights were trained on but the fit() rows do not contain (a held-out task,
 * as with --loto), the analyzer is retrained in process on the fit() rows only (a second or two), so a
 * held-out task is never one the analyzer has seen. `analyzer: 'retrain'` always retrains,
 * `'shipped'` never does.
 */
import { canonicalTask, type RoutingRow, rowText } from './dataset.js';
import type { QualityProfile } from './learned-types.js';
import { learnedRouterFromArtifact, loadLearnedRouter, type LearnedRouter } from './load.js';
import { resolveQualityProfile } from './profiles.js';
import { fitQualityProfile } from './quality.js';
import { BENCHMARK_MIN_ROWS, DEFAULT_TRAIN_OPTIONS, trainRouter } from './train.js';

/** The row fields the learned router reads (a subset of the eval's EvalRow). */
export interface LearnedEvalRow extends RoutingRow {
  readonly task: string;
  readonly prompt: string;
  readonly question?: string | null;
}

/** Structurally the eval's EvalRouter. */
export interface LearnedEvalRouter {
  readonly name: string;
  fit(train: readonly LearnedEvalRow[], models: readonly string[]): void;
  score(row: LearnedEvalRow, models: readonly string[]): Record<string, number>;
  /** Which analyzer scored the rows so far ('shipped' or 'retrained'), for reports. */
  readonly analyzerSource: () => 'shipped' | 'retrained';
}

export interface LearnedEvalRouterOptions {
  readonly seed?: number;
  readonly analyzer?: 'auto' | 'shipped' | 'retrain';
}

export function createLearnedEvalRouter(options: LearnedEvalRouterOptions = {}): LearnedEvalRouter {
  const mode = options.analyzer ?? 'auto';
  const seed = options.seed ?? DEFAULT_TRAIN_OPTIONS.seed;
  let router: LearnedRouter = loadLearnedRouter();
  let retrained = false;
  let trainRows: readonly LearnedEvalRow[] = [];
  let fitTasks = new Set<string>();
  let fitModels: readonly string[] = [];
  const fitted = new Map<string, QualityProfile>();

  /** Fits the models' profiles on the train rows against the current analyzer's predicted difficulty. */
  const fitProfiles = () => {
    fitted.clear();
    const predicted = new Map<RoutingRow, number>();
    const difficulty = (row: RoutingRow) => {
      let d = predicted.get(row);
      if (d === undefined) predicted.set(row, (d = router.analyzer.analyze(rowText(row)).difficulty));
      return d;
    };
    for (const model of fitModels) {
      const profile = fitQualityProfile(trainRows, model, { difficulty, benchmarkMinRows: BENCHMARK_MIN_ROWS });
      if (profile) fitted.set(model, profile);
    }
  };
  const retrain = () => {
    const artifact = trainRouter([{ name: 'eval train', rows: trainRows }], { seed, trainSplitOnly: false, profiles: false, date: 'eval' });
    router = learnedRouterFromArtifact(artifact);
    retrained = true;
    fitProfiles();
  };

  return {
    name: 'learned',
    analyzerSource: () => (retrained ? 'retrained' : 'shipped'),
    fit(train, models) {
      trainRows = train;
      fitTasks = new Set(train.map((r) => canonicalTask(r.task)));
      fitModels = [...models];
      if (mode === 'retrain' && train.length > 0) retrain();
      else fitProfiles();
    },
    score(row, models) {
      const task = canonicalTask(row.task);
      if (mode === 'auto' && !retrained && trainRows.length > 0 && !fitTasks.has(task) && router.trainedTasks.has(task)) retrain();
      const prompt = router.analyzer.analyze(row.question ?? row.prompt);
      const out: Record<string, number> = {};
      for (const model of models) {
        const profile = fitted.get(model) ?? resolveQualityProfile(model, model).profile;
        out[model] = router.predictor.predict(profile, prompt);
      }
      return out;
    },
  };
}
