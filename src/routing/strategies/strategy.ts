import type { Deployment } from '../deployment.js';
import type { HealthTracker } from '../health/health-tracker.js';

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
}

/** An ordered plan and the reason, e.g. "cheapest: $0.0012 est. for 1,200 in + 256 out". */
export interface Ranking {
  readonly ordered: readonly Candidate[];
  /** One line a person can read: which strategy, and why the first candidate is first. */
  readonly reason: string;
  /** Per-candidate note (score, price, latency …) keyed by deployment key, for explain. */
  readonly scores?: Readonly<Record<string, string>>;
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

export type StrategyName = 'priority' | 'weighted' | 'cheapest' | 'fastest' | 'least-busy' | 'headroom';

export const STRATEGY_NAMES: readonly StrategyName[] = ['priority', 'weighted', 'cheapest', 'fastest', 'least-busy', 'headroom'];
