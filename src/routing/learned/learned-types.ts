/**
 * The learned router's shared shapes. A prompt is mapped to something model-independent (its task
 * family, a difficulty, a cluster for online learning); each catalog model carries a quality profile
 * over the same axes (shipped defaults for well-known models, overridable in config, refined online
 * by feedback). A predicted quality is a function of the two, so the predictor serves models it was
 * never trained on: a new model needs only a profile.
 */

export const TASK_FAMILIES = ['reasoning', 'planning', 'code-completion', 'code-generation', 'chat'] as const;
/**
 * - reasoning: math, logic, science/knowledge questions that need thought (GSM8K, MATH, GPQA, ARC, MMLU …)
 * - planning: agentic work with tools, multi-step plans
 * - code-completion: continue or fill in code
 * - code-generation: write code from a description (MBPP, HumanEval)
 * - chat: simple chat, extraction, short factual answers, rewriting
 */
export type TaskFamily = (typeof TASK_FAMILIES)[number];

/** What the router knows about a prompt, independent of any model. */
export interface PromptProfile {
  /** The most likely family. */
  readonly task: TaskFamily;
  /** Probability of each family (sums to 1). */
  readonly taskProbs: Readonly<Record<TaskFamily, number>>;
  /** 0 = easy (every model gets it right) … 1 = hard (none does). */
  readonly difficulty: number;
  /** A small cluster id (0 … clusters−1) of the prompt representation, for per-cluster online estimates. */
  readonly cluster: number;
  /**
   * The training benchmark (canonical dataset task) the prompt most resembles, its family and the
   * recognizer's confidence (benchmarks.ts). Absent when the weights have no recognizer.
   */
  readonly benchmark?: { readonly task: string; readonly family: TaskFamily; readonly confidence: number };
}

/** Maps prompt text to its profile. Bounded cost: reads at most a fixed prefix/suffix of the text. */
export interface PromptAnalyzer {
  /** Version of the trained artifact it runs (recorded in decision receipts). */
  readonly version: string;
  analyze(text: string, hints?: { tools?: boolean }): PromptProfile;
}

/**
 * A model's expected quality (0…1 score) per task family on a prompt of average difficulty, and how
 * steeply it falls with difficulty. Declared per catalog model (config `quality`), shipped for
 * well-known models, or fitted from a dataset's train split (eval).
 */
export interface QualityProfile {
  /** Expected score per task family at the mean difficulty; missing families use `overall`. */
  readonly byTask: Readonly<Partial<Record<TaskFamily, number>>>;
  readonly overall: number;
  /** Logit change per unit of difficulty above the mean (≥ 0; default 4: harder prompts lower every model). */
  readonly difficultySlope?: number;
  /**
   * The difficulty at which each byTask level holds (a profile fitted from data knows it: the mean
   * predicted difficulty of its rows of that family); otherwise the weights file's reference is used.
   */
  readonly reference?: Readonly<Partial<Record<TaskFamily, number>>>;
  /**
   * Levels on specific training benchmarks (canonical dataset task → mean score and the mean predicted
   * difficulty of its rows), fitted from routing datasets only. Used for a prompt confidently recognised
   * as that benchmark (quality.ts); a declared profile has none and is judged by family.
   */
  readonly byBenchmark?: Readonly<Record<string, { readonly level: number; readonly reference: number }>>;
  /** The slope used with byBenchmark levels (fitted with one intercept per benchmark). */
  readonly benchmarkSlope?: number;
}

/** Predicts a model's quality on a prompt: the only thing the learned strategies read about a model besides price, latency and health. */
export interface QualityPredictor {
  predict(profile: QualityProfile, prompt: PromptProfile): number;
}
