import { describe, expect, it } from 'vitest';
import {
  BENCHMARK_DIMS,
  benchmarkFits,
  benchmarkWeight,
  foldIndex,
  foldVector,
  recognizeBenchmark,
  trainBenchmarkRecognizer,
} from '../../src/routing/learned/benchmarks.js';
import type { RoutingRow } from '../../src/routing/learned/dataset.js';
import { extractFeatures, HASH_DIMS } from '../../src/routing/learned/features.js';
import { TASK_FAMILIES, type PromptProfile, type QualityProfile, type TaskFamily } from '../../src/routing/learned/learned-types.js';
import { logit, sigmoid } from '../../src/routing/learned/linear.js';
import { fitQualityProfile, predictQuality } from '../../src/routing/learned/quality.js';

const vec = (index: number[], value: number[]) => ({ index: Int32Array.from(index), value: Float32Array.from(value) });

describe('benchmark recognizer', () => {
  it('folds hashed indices mod 4,096 and moves the structural features after them, summing collisions', () => {
    expect(foldIndex(5000)).toBe(5000 - 4096);
    expect(foldIndex(HASH_DIMS + 3)).toBe(4096 + 3);
    const folded = foldVector(vec([1, 4097, HASH_DIMS], [0.5, 0.25, 1]));
    expect(Array.from(folded.index)).toEqual([1, 4096]);
    expect(Array.from(folded.value)).toEqual([0.75, 1]);
  });

  it('returns the likeliest class with its softmax probability', () => {
    const weights = new Float32Array(2 * BENCHMARK_DIMS);
    weights[1] = Math.log(3); // class 0, folded index 1
    const recognizer = { names: ['arc-challenge', 'gsm8k'], families: ['reasoning', 'reasoning'] as TaskFamily[], weights };
    const a = recognizeBenchmark(recognizer, vec([4097], [1]))!; // folds onto index 1: scores ln 3 and 0
    expect(a.task).toBe('arc-challenge');
    expect(a.confidence).toBeCloseTo(0.75, 6);
    weights[BENCHMARK_DIMS + 2] = Math.log(9);
    const b = recognizeBenchmark(recognizer, vec([1, 2], [1, 1]))!;
    expect(b.task).toBe('gsm8k');
    expect(b.confidence).toBeCloseTo(9 / 12, 6);
    expect(recognizeBenchmark({ names: [], families: [], weights: new Float32Array(0) }, vec([1], [1]))).toBeUndefined();
  });

  it('a benchmark counts from confidence 0.8, linearly to fully at 1, for a prompt of its family (code-completion takes code-generation)', () => {
    expect(benchmarkWeight(0.5)).toBe(0);
    expect(benchmarkWeight(0.8)).toBe(0);
    expect(benchmarkWeight(0.9)).toBeCloseTo(0.5, 12);
    expect(benchmarkWeight(1)).toBe(1);
    expect(benchmarkFits('reasoning', 'reasoning')).toBe(true);
    expect(benchmarkFits('code-generation', 'code-completion')).toBe(true);
    expect(benchmarkFits('code-completion', 'code-generation')).toBe(false);
    expect(benchmarkFits('reasoning', 'planning')).toBe(false);
    expect(benchmarkFits('chat', 'reasoning')).toBe(false);
  });

  it('learns to tell two kinds of prompts apart', () => {
    const examples = [];
    for (let i = 0; i < 20; i += 1) {
      examples.push({ vector: extractFeatures(`What is ${i} plus ${i + 7}?`).vector, task: 'gsm8k', family: 'reasoning' as const });
      examples.push({ vector: extractFeatures(`Write a function to sort list number ${i}.`).vector, task: 'mbpp', family: 'code-generation' as const });
    }
    const recognizer = trainBenchmarkRecognizer(examples, { epochs: 5, seed: 1 });
    expect(recognizer.names).toEqual(['gsm8k', 'mbpp']);
    expect(recognizer.families).toEqual(['reasoning', 'code-generation']);
    expect(recognizeBenchmark(recognizer, extractFeatures('What is 40 plus 2?').vector)).toMatchObject({ task: 'gsm8k', family: 'reasoning' });
    expect(recognizeBenchmark(recognizer, extractFeatures('Write a function to sort a list.').vector)).toMatchObject({ task: 'mbpp' });
  });
});

function prompt(difficulty: number, benchmark?: PromptProfile['benchmark']): PromptProfile {
  const taskProbs = Object.fromEntries(TASK_FAMILIES.map((f) => [f, f === 'reasoning' ? 1 : 0])) as Record<TaskFamily, number>;
  return { task: 'reasoning', taskProbs, difficulty, cluster: 0, ...(benchmark ? { benchmark } : {}) };
}

describe('predictQuality with benchmark levels and a profile reference', () => {
  const profile: QualityProfile = {
    byTask: { reasoning: 0.5 },
    overall: 0.5,
    difficultySlope: 0,
    byBenchmark: { gsm8k: { level: 0.9, reference: 0.3 } },
    benchmarkSlope: 2,
  };

  it('blends the benchmark level in by the recognizer confidence, only for the prompt family', () => {
    expect(predictQuality(profile, prompt(0.3))).toBeCloseTo(0.5, 12);
    expect(predictQuality(profile, prompt(0.3, { task: 'gsm8k', family: 'reasoning', confidence: 1 }))).toBeCloseTo(0.9, 6);
    expect(predictQuality(profile, prompt(0.3, { task: 'gsm8k', family: 'reasoning', confidence: 0.9 }))).toBeCloseTo(0.7, 6);
    expect(predictQuality(profile, prompt(0.3, { task: 'gsm8k', family: 'reasoning', confidence: 0.75 }))).toBeCloseTo(0.5, 12);
    expect(predictQuality(profile, prompt(0.3, { task: 'gsm8k', family: 'chat', confidence: 1 }))).toBeCloseTo(0.5, 12);
    expect(predictQuality(profile, prompt(0.3, { task: 'math', family: 'reasoning', confidence: 1 }))).toBeCloseTo(0.5, 12);
    // with the benchmark's own slope and reference: logit falls by 2 × (0.8 − 0.3)
    expect(predictQuality(profile, prompt(0.8, { task: 'gsm8k', family: 'reasoning', confidence: 1 }))).toBeCloseTo(sigmoid(logit(0.9) - 1), 6);
  });

  it("a profile's own family reference replaces the weights file's", () => {
    const own: QualityProfile = { byTask: { reasoning: 0.8 }, overall: 0.8, difficultySlope: 4, reference: { reasoning: 0.5 } };
    expect(predictQuality(own, prompt(0.5), { reasoning: 0.2 })).toBeCloseTo(0.8, 6);
    const without: QualityProfile = { byTask: { reasoning: 0.8 }, overall: 0.8, difficultySlope: 4 };
    expect(predictQuality(without, prompt(0.5), { reasoning: 0.2 })).toBeCloseTo(sigmoid(logit(0.8) - 4 * 0.3), 6);
  });
});

describe('fitQualityProfile with a difficulty function and benchmark levels', () => {
  const rows: RoutingRow[] = [];
  // 20 gsm8k rows (the model gets 3 in 4 right) and 30 arc rows (1 in 3), 4 mbpp rows
  for (let i = 0; i < 20; i += 1) rows.push({ task: 'gsm8k', prompt: `g${i}`, models: { m: { score: i % 4 === 0 ? 0 : 1 } } });
  for (let i = 0; i < 30; i += 1) rows.push({ task: 'arc_challenge', prompt: `a${i}`, models: { m: { score: i % 3 === 0 ? 1 : 0 } } });
  for (let i = 0; i < 4; i += 1) rows.push({ task: 'mbpp', prompt: `c${i}`, models: { m: { score: 1 } } });
  const difficulty = (row: RoutingRow) => (row.task === 'gsm8k' ? 0.2 : row.task === 'mbpp' ? 0.6 : 0.4);

  it('levels are mean scores, references the mean difficulty given, per family and per canonical benchmark with enough rows', () => {
    const profile = fitQualityProfile(rows, 'm', { difficulty, benchmarkMinRows: 20 })!;
    expect(profile.byTask.reasoning).toBeCloseTo((15 + 10) / 50, 4);
    expect(profile.reference?.reasoning).toBeCloseTo((20 * 0.2 + 30 * 0.4) / 50, 4);
    expect(profile.byTask['code-generation']).toBeUndefined(); // 4 rows < minRows 5
    expect(profile.byBenchmark).toEqual({ 'arc-challenge': { level: 0.3333, reference: 0.4 }, gsm8k: { level: 0.75, reference: 0.2 } });
    // a constant difficulty inside each benchmark says nothing about the score: the benchmark slope stays ≈ 0
    expect(profile.benchmarkSlope).toBeLessThan(0.01);
    expect(fitQualityProfile(rows, 'm', { difficulty })!.byBenchmark).toBeUndefined();
  });
});
