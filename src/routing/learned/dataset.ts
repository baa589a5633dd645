/**
 * Routing datasets (the schema of ../shared/data/routing): one prompt per row with the recorded score
 * of several models. What the learned router reads from a row: the text a router sees (`question`,
 * else `prompt`), the task family its dataset task maps to, and its model-independent difficulty.
 */
import { readFileSync } from 'node:fs';
import type { TaskFamily } from './learned-types.js';

export interface RoutingRowModel {
  readonly score: number;
  readonly cost_usd?: number | null;
  readonly in_tokens?: number | null;
  readonly out_tokens?: number | null;
  readonly price_in_per_m?: number;
  readonly price_out_per_m?: number;
}

export interface RoutingRow {
  readonly id?: string;
  readonly task?: string;
  readonly prompt: string;
  readonly question?: string | null;
  readonly split?: string;
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly models: Readonly<Record<string, RoutingRowModel>>;
}

/**
 * Dataset task → family. Documented choices:
 * - multiple-choice knowledge and commonsense questions (ARC, MMLU, GPQA, CommonsenseQA, OpenBookQA,
 *   Winogrande) and math/logic (GSM8K, MATH, MGSM, logic grids) → reasoning: they need thought, and
 *   strong and weak models differ on them the way they do on reasoning benchmarks;
 * - MBPP, HumanEval → code-generation (HumanEval prompts end inside a function, so at run time the
 *   completion rule reads them as code-completion, whose profile falls back to code-generation);
 * - short factual answers (NaturalQuestions, TriviaQA) and constrained writing (CommonGen) → chat.
 * There is no planning or code-completion data: those two come from rules (see analyzer.ts).
 */
export const DATASET_TASK_FAMILY: Readonly<Record<string, TaskFamily>> = {
  'arc-challenge': 'reasoning',
  arc_challenge: 'reasoning',
  winogrande: 'reasoning',
  gsm8k: 'reasoning',
  math: 'reasoning',
  gpqa: 'reasoning',
  mmlu: 'reasoning',
  commonsense_qa: 'reasoning',
  openbook_qa: 'reasoning',
  'agentverse-logicgrid': 'reasoning',
  'agentverse-mgsm': 'reasoning',
  mbpp: 'code-generation',
  human_eval: 'code-generation',
  humaneval: 'code-generation',
  natural_qa: 'chat',
  trivia_qa: 'chat',
  commongen: 'chat',
};

/** Dataset task names that are the same benchmark under another spelling (for leave-one-task-out). */
const TASK_ALIASES: Readonly<Record<string, string>> = { arc_challenge: 'arc-challenge', humaneval: 'human_eval' };

/** The canonical name of a dataset task (`arc_challenge` and `arc-challenge` are one task). */
export function canonicalTask(task: string | undefined): string {
  const t = (task ?? '').toLowerCase();
  return TASK_ALIASES[t] ?? t;
}

/** The family of a row's dataset task, or undefined for a task the mapping does not know. */
export function rowFamily(row: RoutingRow): TaskFamily | undefined {
  return DATASET_TASK_FAMILY[(row.task ?? '').toLowerCase()];
}

/** What a router looks at: the question when the dataset separates it from a few-shot preamble. */
export function rowText(row: RoutingRow): string {
  return row.question ?? row.prompt;
}

/** 1 − the mean score over every model of the row: the fraction of models that failed it. */
export function rowDifficulty(row: RoutingRow): number {
  const scores = Object.values(row.models).map((m) => m.score);
  if (scores.length === 0) return 0.5;
  return 1 - scores.reduce((a, b) => a + b, 0) / scores.length;
}

/** Reads a routing dataset (JSON lines). */
export function readRoutingRows(path: string): RoutingRow[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RoutingRow);
}

/** Lower-cased alphanumerics of a prompt: equal keys mean the same question. */
export function textKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}
