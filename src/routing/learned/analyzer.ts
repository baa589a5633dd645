/**
 * The prompt analyzer: text → PromptProfile (task family probabilities, difficulty, cluster), the
 * model-independent half of the learned router. It runs the weights of router-weights.json on the
 * representation of features.ts (task family, cluster, the training benchmark it resembles:
 * benchmarks.ts) and on the dense features of difficulty.ts (difficulty: a ridge regression), then
 * two documented rules for the families no dataset covers:
 *
 * - tools present (the request declares tools) → planning;
 * - code continuation (fill-in-the-middle tokens, "complete this function", or a prompt that ends
 *   inside code: an unclosed ``` fence, or code whose last line is indented or opens a block) →
 *   code-completion.
 *
 * A rule puts RULE_WEIGHT of the probability on its family and scales the learned probabilities into
 * the rest. Cost: two bounded feature passes (both read a fixed prefix and suffix) and a few
 * sparse dot products.
 */
import { decodeArray, type RouterArtifact } from './artifact.js';
import { BENCHMARK_BITS, BENCHMARK_DIMS, recognizeBenchmark, type BenchmarkRecognizer } from './benchmarks.js';
import { DIFFICULTY_FEATURES, difficultyFeatures, predictDifficulty, RARITY_BITS, type RarityTable } from './difficulty.js';
import {
  extractFeatures,
  FEATURE_DIMS,
  HASH_BITS,
  promptWindow,
  SKETCH_DIMS,
  STRUCT_FEATURES,
  WINDOW_HEAD,
  WINDOW_TAIL,
} from './features.js';
import { TASK_FAMILIES, type PromptAnalyzer, type PromptProfile, type TaskFamily } from './learned-types.js';
import { nearestCentroid, softmaxScores } from './linear.js';

/** Probability a rule gives its family. */
export const RULE_WEIGHT = 0.85;

/** The decoded weights an analyzer runs. */
export interface AnalyzerWeights {
  readonly version: string;
  readonly classes: readonly TaskFamily[];
  /** classes × FEATURE_DIMS */
  readonly taskWeights: Float32Array;
  /** Ridge coefficients of the difficulty regression (intercept first) and its word-rarity table (difficulty.ts). */
  readonly difficulty: { readonly coefficients: readonly number[]; readonly rarity: RarityTable };
  readonly clusters: number;
  /** clusters × SKETCH_DIMS */
  readonly centroids: Float32Array;
  /** Which training benchmark a prompt resembles (benchmarks.ts). */
  readonly benchmarks: BenchmarkRecognizer;
}

const FIM = /<\|?fim[_-]?(?:prefix|suffix|middle|begin|hole|end)\|?>|<(?:PRE|SUF|MID)>/i;
const COMPLETE_ASK =
  /\b(?:complete|finish|continue|fill in)\b[^.\n]{0,30}\b(?:function|code|snippet|method|class|implementation|program|line)\b/i;
const CODE_CONTEXT = /\bdef \w+\s*\(|\bfunction\b|\bclass \w+|#include|\bfn \w+\s*\(|\bfunc \w+\s*\(|=>|[{};]\s*$/m;

/** Whether the prompt asks to continue code (the code-completion rule). */
export function looksLikeCodeCompletion(text: string): boolean {
  const window = promptWindow(text);
  if (FIM.test(window) || COMPLETE_ASK.test(window)) return true;
  const fences = window.match(/```/g)?.length ?? 0;
  if (fences % 2 === 1 && window.length === text.length) return true; // ends inside a fenced block
  if (!CODE_CONTEXT.test(window)) return false;
  const lines = window.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (/^\s*```/.test(last)) return false;
  return /^(?:\s{2,}|\t)\S/.test(last) || /[:{(,=[]\s*$/.test(last) || /^\s*(?:"""|''')\s*$/.test(last);
}

function applyRule(probs: Record<TaskFamily, number>, family: TaskFamily): void {
  for (const f of TASK_FAMILIES) probs[f] *= 1 - RULE_WEIGHT;
  probs[family] += RULE_WEIGHT;
}

export function createPromptAnalyzer(weights: AnalyzerWeights): PromptAnalyzer {
  const { classes, taskWeights, difficulty: difficultyModel, clusters, centroids, benchmarks } = weights;
  if (
    taskWeights.length !== classes.length * FEATURE_DIMS ||
    difficultyModel.coefficients.length !== DIFFICULTY_FEATURES.length + 1 ||
    benchmarks.weights.length !== benchmarks.names.length * BENCHMARK_DIMS
  ) {
    throw new Error(`learned router weights do not fit the representation (${FEATURE_DIMS} features)`);
  }
  return {
    version: weights.version,
    analyze(text: string, hints?: { tools?: boolean }): PromptProfile {
      const features = extractFeatures(text, hints);
      const learned = softmaxScores(taskWeights, features.vector, classes.length, FEATURE_DIMS);
      const probs = Object.fromEntries(TASK_FAMILIES.map((f) => [f, 0])) as Record<TaskFamily, number>;
      classes.forEach((family, i) => (probs[family] += learned[i]));
      if (hints?.tools) applyRule(probs, 'planning');
      else if (looksLikeCodeCompletion(text)) applyRule(probs, 'code-completion');
      let task: TaskFamily = TASK_FAMILIES[0];
      for (const f of TASK_FAMILIES) if (probs[f] > probs[task]) task = f;
      const difficulty = predictDifficulty(difficultyModel.coefficients, difficultyFeatures(text, difficultyModel.rarity));
      const cluster = clusters > 0 ? nearestCentroid(features.sketch, centroids, clusters, SKETCH_DIMS) : 0;
      const benchmark = recognizeBenchmark(benchmarks, features.vector);
      return { task, taskProbs: Object.freeze(probs), difficulty, cluster, ...(benchmark ? { benchmark } : {}) };
    },
  };
}

/** Decodes an artifact's analyzer weights, checking they were trained on this representation. */
export function analyzerWeightsFromArtifact(artifact: RouterArtifact): AnalyzerWeights {
  const f = artifact.features;
  if (
    f.hashBits !== HASH_BITS ||
    f.sketchDims !== SKETCH_DIMS ||
    f.windowHead !== WINDOW_HEAD ||
    f.windowTail !== WINDOW_TAIL ||
    f.struct.join(',') !== STRUCT_FEATURES.join(',') ||
    artifact.difficulty.features.join(',') !== DIFFICULTY_FEATURES.join(',') ||
    artifact.difficulty.rarity.bits !== RARITY_BITS ||
    artifact.benchmarks.bits !== BENCHMARK_BITS
  ) {
    throw new Error(`learned router weights ${artifact.version} were trained on another representation: run npm run train:router`);
  }
  return {
    version: artifact.version,
    classes: artifact.task.classes,
    taskWeights: decodeArray(artifact.task.weights),
    difficulty: {
      coefficients: artifact.difficulty.coefficients,
      rarity: { docs: artifact.difficulty.rarity.docs, df: decodeArray(artifact.difficulty.rarity.df) },
    },
    clusters: artifact.clusters.k,
    centroids: decodeArray(artifact.clusters.centroids),
    benchmarks: { names: artifact.benchmarks.names, families: artifact.benchmarks.families, weights: decodeArray(artifact.benchmarks.weights) },
  };
}
