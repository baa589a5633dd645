/**
 * Shapes of the offline routing evaluation (`switchyard eval`): a row of a routing dataset (the schema
 * of shared/data/routing: one prompt with the recorded outcome of several models), and the router
 * interface the evaluator replays it through. A router only predicts quality; the evaluator turns the
 * predictions into decisions (a threshold on predicted(strong) − predicted(weak) for a pair, the
 * maximum of predicted − λ·cost for many models) and measures them against the recorded outcomes.
 */

/** How a row's realized cost for one model was obtained. */
export type CostBasis =
  /** `cost_usd` as recorded by the source (the real dollar cost of that call, or the source's own estimate). */
  | 'recorded'
  /** price_in × in_tokens + price_out × out_tokens (per million tokens). */
  | 'price-x-tokens'
  /** price_in × in_tokens only: the source has no output token count (a lower bound on the real cost). */
  | 'price-x-input-tokens'
  /** Nothing to compute a cost from: cost metrics are null. */
  | 'none';

/** One model's recorded outcome on one row. */
export interface EvalOutcome {
  /** Graded outcome: 0/1 for exact-answer tasks, 0…1 otherwise. */
  readonly score: number;
  /** Realized cost of the call in dollars (see `cost_basis`); null when it cannot be known. */
  readonly cost: number | null;
  readonly cost_basis: CostBasis;
  /** True when the source did not record the real cost (it is price × tokens, or the source's estimate). */
  readonly cost_is_estimate: boolean;
  readonly in_tokens: number | null;
  readonly out_tokens: number | null;
  readonly price_in_per_m: number | null;
  readonly price_out_per_m: number | null;
}

/** One prompt of a routing dataset, with every model's recorded outcome (model names after `--alias`). */
export interface EvalRow {
  readonly id: string;
  /** The dataset's task (e.g. `arc-challenge`, `gsm8k`): metrics are reported per task. */
  readonly task: string;
  readonly category: string | null;
  /** Exactly what the models saw. */
  readonly prompt: string;
  /** The part a router should look at (the final item of a few-shot prompt); the prompt when the source has none. */
  readonly question: string;
  readonly split: string;
  readonly flags: Readonly<Record<string, unknown>>;
  readonly models: Readonly<Record<string, EvalOutcome>>;
  /** 1-based line of the row in its file. */
  readonly line: number;
}

/**
 * A router under evaluation. `score` returns a predicted quality for every model asked (higher is
 * better; any scale, only differences and order matter for a pair, and `predicted − λ·cost` for many
 * models). It must not read `row.models` (the outcomes): only the prompt, question, task and flags a
 * live router could see — the `oracle` router is the one deliberate exception.
 */
export interface EvalRouter {
  readonly name: string;
  /** Per row: predicted quality for each of `models` (higher = better). */
  score(row: EvalRow, models: string[]): Record<string, number>;
  /** Optional: fit on train rows (e.g. model profiles). Called once per evaluation (per fold with --loto), before any `score`. */
  fit?(train: EvalRow[], models: string[]): void;
}

/** Builds a fresh router (one per fold: a fitted router is never reused across folds). */
/** `seed` is --seed when given (the random router defaults to 1; a trained router keeps its own default). */
export type EvalRouterFactory = (options: { seed?: number }) => EvalRouter | Promise<EvalRouter>;
