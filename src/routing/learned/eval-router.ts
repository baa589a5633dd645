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
 *
 * `difficultyOracle: r` (the eval's `difficulty-oracle` and `difficulty-oracle@r` routers) is a ceiling
 * check, not a router: the prompt's difficulty is replaced by the row's recorded difficulty among the
 * models *not* being evaluated (1 − their mean score), blurred with seeded noise so that it correlates
 * about r with the exact value inside each task (r = 1: exact). It answers "what would this router
 * reach with a difficulty estimate that good?" — everything else (family, benchmark, profiles fitted
 * against the same difficulty) is the learned router's.
 */
import { canonicalTask, type RoutingRow, rowText } from './dataset.js';
import { fnv1a32, fmix32 } from '../hash32.js';
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
  /** Ceiling check: use the recorded difficulty (other models' outcomes), at this correlation (0–1]. */
  readonly difficultyOracle?: number;
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
  const oracle = options.difficultyOracle === undefined ? undefined : new DifficultyOracle(options.difficultyOracle, seed);

  /** Fits the models' profiles on the train rows against the difficulty the router will see. */
  const fitProfiles = () => {
    fitted.clear();
    const predicted = new Map<RoutingRow, number>();
    const difficulty = (row: RoutingRow) => {
      let d = predicted.get(row);
      if (d === undefined) predicted.set(row, (d = oracle ? oracle.difficulty(row as LearnedEvalRow) : router.analyzer.analyze(rowText(row)).difficulty));
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
    name: oracle ? oracle.name : 'learned',
    analyzerSource: () => (retrained ? 'retrained' : 'shipped'),
    fit(train, models) {
      trainRows = train;
      fitTasks = new Set(train.map((r) => canonicalTask(r.task)));
      fitModels = [...models];
      oracle?.fit(train, models);
      if (mode === 'retrain' && train.length > 0) retrain();
      else fitProfiles();
    },
    score(row, models) {
      const task = canonicalTask(row.task);
      if (mode === 'auto' && !retrained && trainRows.length > 0 && !fitTasks.has(task) && router.trainedTasks.has(task)) retrain();
      const analyzed = router.analyzer.analyze(row.question ?? row.prompt);
      const prompt = oracle ? { ...analyzed, difficulty: oracle.difficulty(row) } : analyzed;
      const out: Record<string, number> = {};
      for (const model of models) {
        const profile = fitted.get(model) ?? resolveQualityProfile(model, model).profile;
        out[model] = router.predictor.predict(profile, prompt);
      }
      return out;
    },
  };
}

/**
 * The recorded difficulty of a row among the models not being evaluated, optionally blurred: within a
 * task (train rows' mean μ and spread σ of that difficulty; all train rows for a task they lack), the
 * standardised value z becomes r·z + √(1 − r²)·ε with ε a standard normal drawn from (seed, row id), so
 * its correlation with the exact value is about r. Clamped to [0, 1].
 */
export class DifficultyOracle {
  readonly name: string;
  private evaluated = new Set<string>();
  private readonly stats = new Map<string, { mean: number; sd: number }>();
  private overall = { mean: 0.5, sd: 0.25 };

  constructor(
    private readonly correlation: number,
    private readonly seed: number,
  ) {
    if (!(correlation > 0 && correlation <= 1)) throw new RangeError(`difficulty-oracle: the correlation must be in (0, 1], got ${correlation}`);
    this.name = correlation === 1 ? 'difficulty-oracle' : `difficulty-oracle@${correlation}`;
  }

  fit(train: readonly LearnedEvalRow[], models: readonly string[]): void {
    this.evaluated = new Set(models);
    const byTask = new Map<string, number[]>();
    const all: number[] = [];
    for (const row of train) {
      const d = this.exact(row);
      if (d === undefined) continue;
      const task = canonicalTask(row.task);
      let list = byTask.get(task);
      if (!list) byTask.set(task, (list = []));
      list.push(d);
      all.push(d);
    }
    if (all.length === 0) throw new Error('difficulty-oracle: no train row has a model outside the evaluated ones, so there is no recorded difficulty to read');
    this.stats.clear();
    for (const [task, list] of byTask) if (list.length >= 2) this.stats.set(task, meanSd(list));
    this.overall = meanSd(all);
  }

  difficulty(row: LearnedEvalRow): number {
    const exact = this.exact(row);
    if (exact === undefined) throw new Error(`difficulty-oracle: row ${row.id ?? '(no id)'} has no model outside the evaluated ones`);
    if (this.correlation === 1) return exact;
    const { mean, sd } = this.stats.get(canonicalTask(row.task)) ?? this.overall;
    const z = sd > 0 ? (exact - mean) / sd : 0;
    const noisy = this.correlation * z + Math.sqrt(1 - this.correlation * this.correlation) * this.normal(row.id ?? row.prompt);
    return Math.min(1, Math.max(0, mean + (sd > 0 ? sd : 0.25) * noisy));
  }

  /** 1 − the mean score of the row's models outside the evaluated set, or undefined when it has none. */
  private exact(row: LearnedEvalRow): number | undefined {
    let sum = 0;
    let n = 0;
    for (const [model, outcome] of Object.entries(row.models)) {
      if (this.evaluated.has(model)) continue;
      sum += outcome.score;
      n += 1;
    }
    return n === 0 ? undefined : 1 - sum / n;
  }

  /** A standard normal determined by the seed and the key (Box–Muller on two hashed uniforms). */
  private normal(key: string): number {
    const u1 = (fmix32(fnv1a32(key, this.seed)) + 0.5) / 4294967296;
    const u2 = (fmix32(fnv1a32(key, this.seed ^ 0x9e3779b9)) + 0.5) / 4294967296;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) * (b - mean), 0) / Math.max(1, values.length - 1);
  return { mean, sd: Math.sqrt(variance) };
}
