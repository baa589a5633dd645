/**
 * Model quality: a QualityProfile (a model's expected score per task family on a prompt of the family's
 * average difficulty, and how fast it falls with difficulty) combined with a PromptProfile gives the
 * predicted score of that model on that prompt:
 *
 *   q = Σ_f taskProbs[f] · sigmoid( logit(level_f) − slope · (difficulty − reference_f) )
 *
 * where level_f is the profile's byTask[f] (a missing family falls back to a related one —
 * code-completion ↔ code-generation, planning → reasoning — then to `overall`), slope its
 * difficultySlope (default DEFAULT_SLOPE), and reference_f the profile's own reference for the family
 * (a fitted profile: the mean predicted difficulty of its rows) else the mean predicted difficulty of
 * the family's training prompts (from the weights file), so that byTask means "the score on a typical
 * prompt of the family", which is what a benchmark average is. Harder prompts always lower the
 * prediction.
 *
 * A profile fitted from routing datasets may also carry byBenchmark levels. When the prompt is
 * recognised as benchmark t (benchmarks.ts) of the prompt's own likeliest family (or code-generation
 * for a code-completion prompt), with weight α = benchmarkWeight(confidence) (0 below 0.8, 1 at
 * certainty):
 *
 *   q = α · sigmoid( logit(level_t) − benchmarkSlope · (difficulty − reference_t) ) + (1 − α) · q_family
 *
 * Slopes are fitted against the analyzer's *predicted* difficulty (what the router will see at run
 * time), so they are calibrated: a difficulty estimate that says little moves predictions little, and
 * the level differences between families and benchmarks keep their weight.
 */
import { benchmarkFits, benchmarkWeight } from './benchmarks.js';
import { canonicalTask, type RoutingRow, rowDifficulty, rowFamily } from './dataset.js';
import { TASK_FAMILIES, type PromptProfile, type QualityPredictor, type QualityProfile, type TaskFamily } from './learned-types.js';
import { logit, sigmoid } from './linear.js';

/** The slope used when a profile declares none (the types' documented default). */
export const DEFAULT_SLOPE = 4;
/** The reference difficulty of a family no weights file describes. */
export const DEFAULT_REFERENCE_DIFFICULTY = 0.35;

/** Mean training difficulty per family (the weights file's `difficulty.reference`). */
export type DifficultyReference = Readonly<Partial<Record<TaskFamily, number>>>;

const FALLBACK: Readonly<Record<TaskFamily, readonly TaskFamily[]>> = {
  reasoning: [],
  planning: ['reasoning'],
  'code-completion': ['code-generation'],
  'code-generation': ['code-completion'],
  chat: [],
};

/** The profile's level for a family: its own, a related family's, or `overall`. */
export function familyLevel(profile: QualityProfile, family: TaskFamily): number {
  const own = profile.byTask[family];
  if (own !== undefined) return own;
  for (const related of FALLBACK[family]) {
    const level = profile.byTask[related];
    if (level !== undefined) return level;
  }
  return profile.overall;
}

/** The predicted 0…1 score of a model with `profile` on a prompt with `prompt`'s profile. */
export function predictQuality(profile: QualityProfile, prompt: PromptProfile, reference: DifficultyReference = {}): number {
  const slope = Math.max(profile.difficultySlope ?? DEFAULT_SLOPE, 0);
  let q = 0;
  let mass = 0;
  for (const family of TASK_FAMILIES) {
    const p = prompt.taskProbs[family];
    if (!(p > 1e-6)) continue;
    const centre = profile.reference?.[family] ?? reference[family] ?? DEFAULT_REFERENCE_DIFFICULTY;
    q += p * sigmoid(logit(familyLevel(profile, family)) - slope * (prompt.difficulty - centre));
    mass += p;
  }
  const byFamily = mass > 0 ? q / mass : profile.overall;
  const benchmark = prompt.benchmark;
  const entry = benchmark && benchmarkFits(benchmark.family, prompt.task) ? profile.byBenchmark?.[benchmark.task] : undefined;
  if (!entry) return byFamily;
  const alpha = benchmarkWeight(benchmark!.confidence);
  if (alpha === 0) return byFamily;
  const benchmarkSlope = Math.max(profile.benchmarkSlope ?? slope, 0);
  const onBenchmark = sigmoid(logit(entry.level) - benchmarkSlope * (prompt.difficulty - entry.reference));
  return alpha * onBenchmark + (1 - alpha) * byFamily;
}

export function createQualityPredictor(reference: DifficultyReference = {}): QualityPredictor {
  return { predict: (profile, prompt) => predictQuality(profile, prompt, reference) };
}

export interface FitOptions {
  /** Families with fewer rows than this get no byTask entry (default 5). */
  readonly minRows?: number;
  /** Upper bound of the fitted slope (default 12). */
  readonly maxSlope?: number;
  /**
   * A row's difficulty for the fit (default: its true difficulty, 1 − the mean score of its models).
   * Pass the analyzer's predicted difficulty to calibrate the slopes to what the router sees.
   */
  readonly difficulty?: (row: RoutingRow) => number;
  /** Also fit byBenchmark levels for dataset tasks with at least this many rows (default: none). */
  readonly benchmarkMinRows?: number;
}

interface Group {
  readonly x: number[];
  readonly y: number[];
}

/**
 * The logistic slope of score against difficulty shared by every group, with one intercept per group
 * and difficulty centred on the group's mean: coordinate-wise Newton steps on the log-likelihood
 * (a small ridge on every parameter keeps it finite). Returns the slope and each group's centre.
 */
function fitSharedSlope(groups: readonly Group[], maxSlope: number): number {
  const fits = groups.map((group) => {
    const mean = group.y.reduce((a, b) => a + b, 0) / group.y.length;
    const centre = group.x.reduce((a, b) => a + b, 0) / group.x.length;
    return { x: group.x.map((d) => d - centre), y: group.y, a: logit(mean) };
  });
  const ridge = 1e-3;
  let slope = DEFAULT_SLOPE;
  for (let iter = 0; iter < 100; iter += 1) {
    for (const fit of fits) {
      let g = -ridge * fit.a;
      let h = ridge;
      for (let i = 0; i < fit.x.length; i += 1) {
        const p = sigmoid(fit.a - slope * fit.x[i]);
        g += fit.y[i] - p;
        h += p * (1 - p);
      }
      fit.a += g / h;
    }
    let g = -ridge * slope;
    let h = ridge;
    for (const fit of fits) {
      for (let i = 0; i < fit.x.length; i += 1) {
        const p = sigmoid(fit.a - slope * fit.x[i]);
        g += (fit.y[i] - p) * -fit.x[i];
        h += p * (1 - p) * fit.x[i] * fit.x[i];
      }
    }
    const next = Math.min(Math.max(slope + g / h, 0), maxSlope);
    const done = Math.abs(next - slope) < 1e-6;
    slope = next;
    if (done && iter > 3) break;
  }
  return slope;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Fits a model's profile from dataset rows that scored it: byTask[f] = the model's mean score on the
 * rows of family f, reference[f] = their mean difficulty, overall = its mean score on all of them, and
 * the slope from a logistic fit of the score against the row's difficulty (options.difficulty, by
 * default 1 − the mean score of every model of the row) with one intercept per family. With
 * benchmarkMinRows, the same per dataset task: byBenchmark levels and references, and benchmarkSlope.
 * Rows without the model or with an unknown task are skipped. Returns undefined when no row scores the
 * model.
 */
export function fitQualityProfile(rows: readonly RoutingRow[], model: string, options: FitOptions = {}): QualityProfile | undefined {
  const { minRows = 5, maxSlope = 12, difficulty = rowDifficulty, benchmarkMinRows } = options;
  const families = new Map<TaskFamily, Group>();
  const benchmarks = new Map<string, Group>();
  let total = 0;
  let sum = 0;
  for (const row of rows) {
    const entry = row.models[model];
    const family = rowFamily(row);
    if (!entry || family === undefined || !Number.isFinite(entry.score)) continue;
    const d = difficulty(row);
    const group = families.get(family) ?? { x: [], y: [] };
    families.set(family, group);
    group.x.push(d);
    group.y.push(entry.score);
    if (benchmarkMinRows !== undefined) {
      const task = canonicalTask(row.task);
      const bench = benchmarks.get(task) ?? { x: [], y: [] };
      benchmarks.set(task, bench);
      bench.x.push(d);
      bench.y.push(entry.score);
    }
    total += 1;
    sum += entry.score;
  }
  if (total === 0) return undefined;
  const byTask: Partial<Record<TaskFamily, number>> = {};
  const reference: Partial<Record<TaskFamily, number>> = {};
  const groups: Group[] = [];
  for (const family of TASK_FAMILIES) {
    const group = families.get(family);
    if (!group) continue;
    if (group.y.length >= minRows) {
      byTask[family] = round(mean(group.y));
      reference[family] = round(mean(group.x));
    }
    groups.push(group);
  }
  const profile = { byTask, overall: round(sum / total), difficultySlope: round(fitSharedSlope(groups, maxSlope)), reference };
  if (benchmarkMinRows === undefined) return profile;
  const kept = [...benchmarks].filter(([, g]) => g.y.length >= Math.max(benchmarkMinRows, 1)).sort(([a], [b]) => a.localeCompare(b));
  if (kept.length === 0) return profile;
  const byBenchmark = Object.fromEntries(kept.map(([task, g]) => [task, { level: round(mean(g.y)), reference: round(mean(g.x)) }]));
  return { ...profile, byBenchmark, benchmarkSlope: round(fitSharedSlope(kept.map(([, g]) => g), maxSlope)) };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
