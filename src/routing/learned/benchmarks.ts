/**
 * The benchmark recognizer: which training benchmark (dataset task: arc-challenge, gsm8k, mbpp …) a
 * prompt most resembles, and how confidently. Model-independent, like the rest of the prompt profile;
 * it lets a model whose profile was fitted on routing datasets use its level on that very benchmark
 * (quality.ts, `byBenchmark`) when a prompt is confidently recognised as one of its kind, instead of
 * the coarser task-family level. A prompt of a kind the data never had is spread over several
 * benchmarks, its confidence stays low, and the family profile decides.
 *
 * A multinomial logistic regression over the features of features.ts, with the hashed block folded
 * to 2^BENCHMARK_BITS dimensions (index mod 2^bits; the structural features follow), which keeps the
 * weights small: classes × (4,096 + STRUCT_DIMS).
 */
import { HASH_DIMS, STRUCT_DIMS, type SparseVector } from './features.js';
import type { TaskFamily } from './learned-types.js';
import { trainSoftmax, type SgdOptions } from './linear.js';

/** log2 of the folded hashed dimensions. */
export const BENCHMARK_BITS = 12;
export const BENCHMARK_DIMS = (1 << BENCHMARK_BITS) + STRUCT_DIMS;
/**
 * Confidence at which a benchmark's profile starts to count; it counts fully at 1 (see benchmarkWeight).
 * Chosen by cross-validation and leave-one-task-out on the train splits (0.5 … 0.9 tried): lower
 * gates gain on prompts of known benchmarks and lose on held-out ones.
 */
export const BENCHMARK_GATE = 0.8;

/** Where feature `index` of features.ts lands in the folded vector. */
export function foldIndex(index: number): number {
  return index >= HASH_DIMS ? (1 << BENCHMARK_BITS) + (index - HASH_DIMS) : index & ((1 << BENCHMARK_BITS) - 1);
}

/** The folded vector (colliding indices summed; sorted indices). */
export function foldVector(x: SparseVector): SparseVector {
  const sums = new Map<number, number>();
  for (let i = 0; i < x.index.length; i += 1) {
    const f = foldIndex(x.index[i]);
    sums.set(f, (sums.get(f) ?? 0) + x.value[i]);
  }
  const keys = [...sums.keys()].sort((a, b) => a - b);
  return { index: Int32Array.from(keys), value: Float32Array.from(keys, (k) => sums.get(k)!) };
}

export interface BenchmarkRecognizer {
  /** Canonical dataset task names, one per class. */
  readonly names: readonly string[];
  /** The family of each class. */
  readonly families: readonly TaskFamily[];
  /** classes × BENCHMARK_DIMS */
  readonly weights: ArrayLike<number>;
}

export interface RecognizedBenchmark {
  readonly task: string;
  readonly family: TaskFamily;
  /** The class probability (softmax). */
  readonly confidence: number;
}

/** The likeliest benchmark of a features.ts vector (folded on the fly, no allocation per feature). */
export function recognizeBenchmark(recognizer: BenchmarkRecognizer, x: SparseVector): RecognizedBenchmark | undefined {
  const k = recognizer.names.length;
  if (k === 0) return undefined;
  const z = new Float64Array(k);
  for (let c = 0; c < k; c += 1) {
    const offset = c * BENCHMARK_DIMS;
    let sum = 0;
    for (let i = 0; i < x.index.length; i += 1) sum += recognizer.weights[offset + foldIndex(x.index[i])] * x.value[i];
    z[c] = sum;
  }
  let best = 0;
  for (let c = 1; c < k; c += 1) if (z[c] > z[best]) best = c;
  let total = 0;
  for (let c = 0; c < k; c += 1) total += Math.exp(z[c] - z[best]);
  return { task: recognizer.names[best], family: recognizer.families[best], confidence: 1 / total };
}

/** How much a recognised benchmark's profile counts: 0 up to BENCHMARK_GATE, rising linearly to 1 at confidence 1. */
export function benchmarkWeight(confidence: number): number {
  return Math.min(Math.max((confidence - BENCHMARK_GATE) / (1 - BENCHMARK_GATE), 0), 1);
}

/**
 * Whether a benchmark of `family` describes a prompt of the likeliest family `promptFamily`: the same
 * family, or code-generation for a prompt the code-completion rule claimed (HumanEval prompts end
 * inside a function).
 */
export function benchmarkFits(family: TaskFamily, promptFamily: TaskFamily): boolean {
  return family === promptFamily || (family === 'code-generation' && promptFamily === 'code-completion');
}

/** Trains the recognizer on features.ts vectors labelled with their canonical dataset task. */
export function trainBenchmarkRecognizer(
  examples: readonly { readonly vector: SparseVector; readonly task: string; readonly family: TaskFamily }[],
  options: SgdOptions = {},
): BenchmarkRecognizer & { readonly weights: Float32Array } {
  const names = [...new Set(examples.map((e) => e.task))].sort();
  const families = names.map((name) => examples.find((e) => e.task === name)!.family);
  const weights = trainSoftmax(
    examples.map((e) => foldVector(e.vector)),
    examples.map((e) => names.indexOf(e.task)),
    names.length,
    BENCHMARK_DIMS,
    options,
  );
  return { names, families, weights };
}
