/**
 * Offline training of the learned router (`npm run train:router` runs it on the train splits of
 * ../shared/data/routing; the eval can run it on any train rows). Plain TypeScript, deterministic for
 * a given seed and input order:
 *
 * 1. features (features.ts) of every train prompt's `question ?? prompt`;
 * 2. task family: multinomial logistic regression (SGD) on the families the dataset tasks map to;
 * 3. difficulty: ridge regression of the soft target 1 − mean score of the row's models on the dense
 *    features of difficulty.ts (word rarity from a document-frequency table of the train prompts);
 * 4. clusters: k-means++ on the features' sketch;
 * 5. the benchmark recognizer: multinomial logistic regression on the canonical dataset task
 *    (benchmarks.ts, folded features);
 * 6. a quality profile per dataset model, fitted on its dataset's train rows (quality.ts) against the
 *    trained analyzer's predicted difficulty, with byBenchmark levels for its dataset's tasks.
 *
 * Rows whose question also appears in a test split (of any dataset given) are left out of training,
 * so a benchmark copied into two datasets cannot leak a test question.
 */
import { createHash } from 'node:crypto';
import { ARTIFACT_FORMAT, encodeArray, type FittedProfile, type RouterArtifact } from './artifact.js';
import { canonicalTask, type RoutingRow, rowDifficulty, rowFamily, rowText, textKey } from './dataset.js';
import {
  extractFeatures,
  FEATURE_DIMS,
  HASH_BITS,
  SKETCH_DIMS,
  STRUCT_FEATURES,
  WINDOW_HEAD,
  WINDOW_TAIL,
  type PromptFeatures,
} from './features.js';
import { TASK_FAMILIES, type TaskFamily } from './learned-types.js';
import { BENCHMARK_BITS, trainBenchmarkRecognizer } from './benchmarks.js';
import { buildRarityTable, DIFFICULTY_FEATURES, difficultyFeatures, fitRidge, predictDifficulty, RARITY_BITS } from './difficulty.js';
import { kMeans, trainSoftmax } from './linear.js';
import { fitQualityProfile } from './quality.js';

export interface TrainingDataset {
  /** Shown in profile sources (e.g. the file name). */
  readonly name: string;
  readonly rows: readonly RoutingRow[];
}

export interface TrainOptions {
  readonly seed?: number;
  readonly epochs?: number;
  readonly l2?: number;
  readonly clusters?: number;
  /** Ridge penalty of the difficulty regression (default DEFAULT_TRAIN_OPTIONS.difficultyLambda). */
  readonly difficultyLambda?: number;
  /** Date part of the version (default: today, UTC). */
  readonly date?: string;
  /** Dataset tasks left out entirely (leave-one-task-out); aliases such as arc_challenge/arc-challenge match. */
  readonly excludeTasks?: readonly string[];
  /** Use only rows whose split is 'train' (default true; rows without a split count as train). */
  readonly trainSplitOnly?: boolean;
  /** Fit dataset model profiles (default true). */
  readonly profiles?: boolean;
}

export const DEFAULT_TRAIN_OPTIONS = { seed: 7, epochs: 8, l2: 1e-4, clusters: 16, difficultyLambda: 1 } as const;
/** A dataset task gets a byBenchmark level in a model's fitted profile from this many rows. */
export const BENCHMARK_MIN_ROWS = 20;

interface Example {
  readonly row: RoutingRow;
  readonly task: string;
  readonly text: string;
  readonly features: PromptFeatures;
  readonly family: TaskFamily;
  readonly difficulty: number;
}

/** Trains the analyzer and fits the dataset profiles; returns the artifact to write. */
export function trainRouter(datasets: readonly TrainingDataset[], options: TrainOptions = {}): RouterArtifact {
  const seed = options.seed ?? DEFAULT_TRAIN_OPTIONS.seed;
  const epochs = options.epochs ?? DEFAULT_TRAIN_OPTIONS.epochs;
  const l2 = options.l2 ?? DEFAULT_TRAIN_OPTIONS.l2;
  const k = options.clusters ?? DEFAULT_TRAIN_OPTIONS.clusters;
  const trainSplitOnly = options.trainSplitOnly ?? true;
  const excluded = new Set((options.excludeTasks ?? []).map(canonicalTask));

  const testKeys = new Set<string>();
  for (const { rows } of datasets) for (const row of rows) if (row.split === 'test') testKeys.add(textKey(rowText(row)));

  const examples: Example[] = [];
  const trainRowsByDataset = new Map<string, RoutingRow[]>();
  const perTask: Record<string, number> = {};
  let leaked = 0;
  for (const { name, rows } of datasets) {
    const kept: RoutingRow[] = [];
    for (const row of rows) {
      if (trainSplitOnly && row.split !== undefined && row.split !== 'train') continue;
      if (excluded.has(canonicalTask(row.task))) continue;
      const family = rowFamily(row);
      if (family === undefined || Object.keys(row.models).length === 0) continue;
      if (trainSplitOnly && testKeys.has(textKey(rowText(row)))) {
        leaked += 1;
        continue;
      }
      kept.push(row);
      perTask[`${name}:${row.task}`] = (perTask[`${name}:${row.task}`] ?? 0) + 1;
      examples.push({ row, task: canonicalTask(row.task), text: rowText(row), features: extractFeatures(rowText(row)), family, difficulty: rowDifficulty(row) });
    }
    trainRowsByDataset.set(name, kept);
  }
  if (examples.length === 0) throw new Error('no training rows (check the splits and the excluded tasks)');

  const classes = TASK_FAMILIES.filter((f) => examples.some((e) => e.family === f));
  const vectors = examples.map((e) => e.features.vector);
  const taskWeights = trainSoftmax(
    vectors,
    examples.map((e) => classes.indexOf(e.family)),
    classes.length,
    FEATURE_DIMS,
    { epochs, l2, seed },
  );
  const lambda = options.difficultyLambda ?? DEFAULT_TRAIN_OPTIONS.difficultyLambda;
  const rarity = buildRarityTable(examples.map((e) => e.text));
  const coefficients = fitRidge(
    examples.map((e) => difficultyFeatures(e.text, rarity)),
    examples.map((e) => e.difficulty),
    lambda,
  ).map((c) => Number(c.toPrecision(7)));
  const centroids = kMeans(
    examples.map((e) => e.features.sketch),
    k,
    SKETCH_DIMS,
    { seed: seed + 2 },
  );

  const recognizer = trainBenchmarkRecognizer(
    examples.map((e) => ({ vector: e.features.vector, task: e.task, family: e.family })),
    { epochs, l2, seed: seed + 3 },
  );

  // the analyzer's predicted difficulty of every training row: references and profile slopes are calibrated on it
  const predicted = new Map<RoutingRow, number>();
  for (const e of examples) predicted.set(e.row, predictDifficulty(coefficients, difficultyFeatures(e.text, rarity)));
  const reference: Partial<Record<TaskFamily, number>> = {};
  for (const family of classes) {
    const ds = examples.filter((e) => e.family === family).map((e) => predicted.get(e.row)!);
    reference[family] = round(ds.reduce((a, b) => a + b, 0) / ds.length);
  }
  const mean = round(examples.reduce((a, e) => a + predicted.get(e.row)!, 0) / examples.length);

  const profiles: Record<string, FittedProfile> = {};
  if (options.profiles ?? true) {
    for (const [name, rows] of trainRowsByDataset) {
      const models = [...new Set(rows.flatMap((r) => Object.keys(r.models)))].sort();
      for (const model of models) {
        const profile = fitQualityProfile(rows, model, { difficulty: (row) => predicted.get(row)!, benchmarkMinRows: BENCHMARK_MIN_ROWS });
        if (!profile) continue;
        const n = rows.filter((r) => r.models[model]).length;
        profiles[model] = { ...profile, source: `fitted on ${name} train split (${n} rows)`, rows: n };
      }
    }
  }

  const content = {
    format: ARTIFACT_FORMAT,
    features: { hashBits: HASH_BITS, sketchDims: SKETCH_DIMS, windowHead: WINDOW_HEAD, windowTail: WINDOW_TAIL, struct: [...STRUCT_FEATURES] },
    task: { classes, weights: encodeArray(taskWeights) },
    difficulty: {
      features: [...DIFFICULTY_FEATURES],
      coefficients,
      lambda,
      rarity: { bits: RARITY_BITS, docs: rarity.docs, df: encodeArray(rarity.df) },
      reference,
      mean,
    },
    clusters: { k, dims: SKETCH_DIMS, centroids: encodeArray(centroids) },
    benchmarks: { bits: BENCHMARK_BITS, names: recognizer.names, families: recognizer.families, weights: encodeArray(recognizer.weights) },
    profiles,
    training: {
      seed,
      epochs,
      l2,
      rows: examples.length,
      leftOutAsTestDuplicates: leaked,
      excludedTasks: [...excluded].sort(),
      perTask: Object.fromEntries(Object.entries(perTask).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
  const contentHash = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  const { format, ...rest } = content;
  return { format, version: `${date}.${contentHash.slice(0, 12)}`, contentHash, trainedAt: date, ...rest } as RouterArtifact;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
