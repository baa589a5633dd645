import type { GatewayError } from '../../spec/errors.js';

/** Where a deployment's circuit breaker stands. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Everything the router knows about one deployment's recent behaviour (read-only view). */
export interface DeploymentHealth {
  readonly breaker: BreakerState;
  /** ms timestamp until which the deployment is cooling down after a 429 / overload (undefined: not cooling down). */
  readonly cooldownUntil?: number;
  /** Why it is cooling down: the upstream's rate limit, or its overload (529/503). */
  readonly cooldownKind?: 'rate_limit' | 'overloaded';
  /** Exponentially weighted moving averages of whole-call latency and time to first token, in ms. */
  readonly latencyMs?: number;
  readonly ttftMs?: number;
  /** An estimate of the 95th percentile of time to first token (ms), for hedging. */
  readonly ttftP95Ms?: number;
  readonly inFlight: number;
  readonly consecutiveFailures: number;
  /** Failures / attempts in the breaker's window. */
  readonly errorRate: number;
  /** Remaining quota read from upstream rate-limit headers, with when it was read. */
  readonly remainingRequests?: number;
  readonly remainingTokens?: number;
  readonly remainingReadAt?: number;
}

/** What an attempt reports when it ends. */
export interface AttemptOutcome {
  ok: boolean;
  /** Set on failure: the typed error (its kind, retryAfterMs and upstream status drive cooldowns and the breaker). */
  error?: GatewayError;
  /** Whole-call latency and time to first content, ms (on success; either may be missing). */
  latencyMs?: number;
  ttftMs?: number;
}

/**
 * Health per deployment: circuit breaker, cooldown on 429 honouring retry-after, EWMA latency and
 * TTFT, in-flight count, rate-limit headroom. Kept in-process (InMemoryHealthTracker); in a fleet a
 * SharedHealthTracker wraps it and shares breaker and cooldown transitions through Redis. All times
 * come from an injected clock, so tests never sleep.
 */
export interface HealthTracker {
  /** The current view of a deployment (a fresh deployment is closed, idle, with no measurements). */
  get(key: string): DeploymentHealth;
  /**
   * May an attempt go to this deployment now? False while its breaker is open or it is cooling down.
   * When the open period has passed, the breaker becomes half-open and exactly one probe is allowed
   * at a time (this call reserves it, so call it only when about to attempt).
   */
  tryAcquire(key: string): boolean;
  /** Like tryAcquire without reserving anything (for ranking and explain). */
  isAvailable(key: string): boolean;
  /** An attempt started (in-flight + 1). */
  started(key: string): void;
  /** An attempt ended (in-flight − 1) with its outcome. Caller-fixable 4xx errors do not count against health. */
  ended(key: string, outcome: AttemptOutcome): void;
  /** Reads x-ratelimit-remaining-* / anthropic-ratelimit-*-remaining / reset headers of a response. */
  observeHeaders(key: string, headers: Readonly<Record<string, string | string[] | undefined>>): void;
  /** All deployments with state, for the admin endpoint and metrics. */
  entries(): Array<[string, DeploymentHealth]>;
}

/** Breaker parameters (defaults in the implementation; documented in the README). */
export interface BreakerOptions {
  /** Open after this many consecutive failures. */
  consecutiveFailures: number;
  /** …or when at least `minRequests` attempts in `windowMs` failed at `errorRate` or more. */
  errorRate: number;
  minRequests: number;
  windowMs: number;
  /** How long the breaker stays open before a half-open probe. */
  openMs: number;
  /** Cooldown after a 429/overload without retry-after. */
  defaultCooldownMs: number;
  /** Longest cooldown honoured from retry-after / reset headers. */
  maxCooldownMs: number;
}

export type Clock = () => number;

/**
 * A breaker or cooldown decision about one deployment, as a tracker reports its own (to a listener)
 * and applies one made elsewhere (another replica). Times are absolute epoch milliseconds.
 * - `{breaker: 'open', until}`: the breaker opened; no attempt before `until`, then a half-open probe;
 * - `{breaker: 'closed'}`: a half-open probe succeeded and closed the breaker;
 * - `{cooldownUntil, kind}`: a 429 / overload (or a rate-limit header at zero) started or extended a cooldown.
 */
export type HealthTransition =
  | { readonly breaker: 'open'; readonly until: number }
  | { readonly breaker: 'closed' }
  | { readonly cooldownUntil: number; readonly kind: 'rate_limit' | 'overloaded' };

export type HealthTransitionListener = (key: string, transition: HealthTransition) => void;
