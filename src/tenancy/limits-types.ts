/**
 * Shared counters behind admission: rate-limit windows and budget reservations. Each has an
 * in-process implementation (single node) and a Redis one (a fleet: atomic Lua scripts, exact across
 * replicas). Implementations may answer synchronously (in-process, the hot path) or with a promise
 * (Redis); callers handle both without allocating a promise when the answer is synchronous.
 *
 * When the shared store cannot be reached, implementations throw `LimitsUnavailableError`; admission
 * turns it into a 503 in the caller's dialect (fail closed: no request with a budget or a limit is
 * served on counters that cannot be checked).
 */

export type MaybePromise<T> = T | Promise<T>;

/** Counters live in fixed one-minute windows aligned to the epoch minute. */
export const RATE_WINDOW_MS = 60_000;

export interface RateCheck {
  /** Counter name, e.g. `rl:key:<id>:rpm` or `rl:team:<id>:model:<name>:tpm` (the window is appended by the limiter). */
  key: string;
  /** Allowed per window. */
  limit: number;
  /** What this request adds (1 for requests, the token estimate for tokens). */
  cost: number;
}

export interface RateState {
  key: string;
  limit: number;
  /** Left in the current window after this request (0 when refused). */
  remaining: number;
  /** Epoch ms when the current window ends. */
  resetAtMs: number;
}

export interface RateDecision {
  /** True when every check fitted and every cost was added; false when nothing was added. */
  allowed: boolean;
  /** The check that refused (when !allowed). */
  refusedKey?: string;
  /** ms until the refusing window ends (when !allowed). */
  retryAfterMs: number;
  states: RateState[];
}

export interface RateLimiter {
  /** Atomically: if every check fits its current window (used + cost ≤ limit), add every cost; else add nothing. */
  consume(checks: readonly RateCheck[], nowMs: number): MaybePromise<RateDecision>;
  /** Corrects a counter in the window that began at `windowStartMs` (actual tokens − estimate; may be negative). */
  adjust(key: string, windowStartMs: number, delta: number): MaybePromise<void>;
  close(): Promise<void>;
}

export interface BudgetScope {
  /** Counter name including the period, e.g. `budget:team:<id>:month:2026-12` or `budget:key:<id>:total`. */
  key: string;
  limitNanos: number;
  /** Epoch ms when the period ends (Infinity for `total`): counters expire after it. */
  periodEndMs: number;
  /** Spend so far in this period from the ledger (nano-dollars), read when the counter does not exist yet. */
  seed(): Promise<bigint>;
}

export type ReserveDecision =
  | { ok: true }
  | {
      ok: false;
      /** The scope that would be exceeded. */
      key: string;
      limitNanos: number;
      spentNanos: number;
      reservedNanos: number;
    };

export interface BudgetStore {
  /**
   * Atomically across every scope: if spent + reserved + amount ≤ limit for each, reserve `amount`
   * under `reservationId` in each; else reserve nothing. A reservation not settled within `ttlMs`
   * expires (its replica died) and its amount is freed.
   */
  reserve(reservationId: string, scopes: readonly BudgetScope[], amountNanos: number, ttlMs: number, nowMs: number): MaybePromise<ReserveDecision>;
  /** Removes the reservation (if it has not expired) and adds the actual cost to spent, in every scope. */
  settle(reservationId: string, scopes: readonly BudgetScope[], actualNanos: number, nowMs: number): MaybePromise<void>;
  /** Spent and reserved now (for the admin view and alerts). */
  snapshot(scope: BudgetScope, nowMs: number): MaybePromise<{ spentNanos: number; reservedNanos: number }>;
  close(): Promise<void>;
}

/** A message every replica acts on: a key was revoked, or a team's policy changed (drop cached callers). */
export type TenancyEvent = { type: 'key-revoked'; keyHash: string } | { type: 'team-changed'; teamId: string } | { type: 'key-changed'; keyHash: string };

export interface TenancyBus {
  publish(event: TenancyEvent): Promise<void>;
  subscribe(handler: (event: TenancyEvent) => void): void;
  close(): Promise<void>;
}

export class LimitsUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LimitsUnavailableError';
  }
}
