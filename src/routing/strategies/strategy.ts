import type { Deployment } from '../deployment.js';
import type { HealthTracker } from '../health/health-tracker.js';
import type { ResolvedModel, ResolvedRoute } from '../../config/resolve-config.js';
import type { PromptProfile, QualityProfile } from '../learned/learned-types.js';

/** A candidate as a route declares it. */
export interface Candidate {
  readonly deployment: Deployment;
  /** For `weighted`: relative share (default 1). */
  readonly weight: number;
}

/** What a strategy may look at for one request. */
export interface RankingContext {
  /** The gateway request id (`weighted` is deterministic per request id). */
  readonly requestId: string;
  /** Estimated prompt tokens of this request, and the output tokens it may produce (for `cheapest`). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly health: HealthTracker;
  /** ms timestamp (injected clock). */
  readonly now: number;
  /** The route being ranked (its declared policy: knobs, tiers). */
  readonly route?: ResolvedRoute;
  /** What the learned strategies read: the prompt's profile (computed once, lazily) and each model's predicted quality. */
  readonly learned?: LearnedContext;
}

export interface LearnedContext {
  prompt(): PromptProfile;
  /** The model's quality profile: configured, shipped, learned online for this team, or neutral. */
  profile(model: ResolvedModel): QualityProfile;
  /**
   * Predicted quality (0–1) of the model on this prompt: the offline prediction plus this team's online
   * correction from feedback, bounded by ±maxShift (the route's `learning.maxShift`).
   */
  predict(model: ResolvedModel, maxShift?: number): number;
  /** The online correction applied to a model's prediction and how many feedbacks it rests on (0/0 without). */
  online?(model: ResolvedModel, maxShift?: number): { shift: number; n: number };
  /** The request's `x-switchyard-quality` (0–1), clamped later to the route's declared range. */
  readonly requestedQuality?: number;
  /** Version of the analyzer artifact (for receipts). */
  readonly version: string;
}

/**
 * What a decision was based on, recorded in the ledger for every routed request: the declared
 * policy (hashed), each candidate's score on every criterion, the tie-break rule and the choice.
 */
export interface DecisionReceipt {
  readonly strategy: StrategyName;
  /** The route's declared policy as ranked (strategy, knobs, tiers): its SHA-256 is `policy_hash` in the ledger. */
  readonly policy: Readonly<Record<string, unknown>>;
  readonly candidates: ReadonlyArray<{
    readonly deployment: string;
    readonly model: string;
    readonly provider: string;
    /** Predicted quality 0–1 (learned strategies), estimated cost in USD, EWMA latency ms, availability. */
    readonly quality?: number;
    readonly cost_usd?: number;
    readonly latency_ms?: number;
    readonly available: boolean;
    /** Why the strategy put it where it did (e.g. "within tolerance", "tier large"). */
    readonly note?: string;
    /** The team's feedback correction included in `quality`, and the number of feedbacks behind it. */
    readonly online_shift?: number;
    readonly feedback_n?: number;
  }>;
  readonly tie_break: string;
  /** What this request applied within the declared policy (e.g. the quality knob it sent). */
  readonly applied?: Readonly<Record<string, unknown>>;
  /** The first deployment of the plan. */
  readonly choice: string;
  readonly prompt?: { readonly task: string; readonly difficulty: number; readonly cluster: number; readonly analyzer: string };
}

/** An ordered plan and the reason, e.g. "cheapest: $0.0012 est. for 1,200 in + 256 out". */
export interface Ranking {
  readonly ordered: readonly Candidate[];
  /** One line a person can read: which strategy, and why the first candidate is first. */
  readonly reason: string;
  /** Per-candidate note (score, price, latency …) keyed by deployment key, for explain. */
  readonly scores?: Readonly<Record<string, string>>;
  /** Set by the strategies that score candidates on declared criteria (learned ones). */
  readonly receipt?: DecisionReceipt;
}

/**
 * A strategy orders the (already filtered, non-empty) candidates into a plan; the attempt loop walks
 * the plan in order. Strategies are pure functions of the candidates, the request's features and the
 * health snapshot: they never look at who the provider is.
 */
export interface Strategy {
  readonly name: StrategyName;
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking;
}

export type StrategyName = 'priority' | 'weighted' | 'cheapest' | 'fastest' | 'least-busy' | 'headroom' | 'task-tier' | 'quality-cost';

export const STRATEGY_NAMES: readonly StrategyName[] = ['priority', 'weighted', 'cheapest', 'fastest', 'least-busy', 'headroom', 'task-tier', 'quality-cost'];
