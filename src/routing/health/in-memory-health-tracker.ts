import { type GatewayError, headerValue } from '../../spec/errors.js';
import type { AttemptOutcome, BreakerOptions, BreakerState, Clock, DeploymentHealth, HealthTracker, HealthTransition, HealthTransitionListener } from './health-tracker.js';
import { WindowedCounters } from './windowed-counters.js';

/**
 * Breaker and cooldown defaults:
 * - `consecutiveFailures: 5` — open the breaker after 5 failures in a row;
 * - `errorRate: 0.5`, `minRequests: 10`, `windowMs: 30_000` — …or when, within the last 30 s
 *   (kept in 10 buckets of 3 s), at least 10 attempts ended and half or more of them failed;
 * - `openMs: 30_000` — an open breaker rejects attempts for 30 s, then lets one half-open probe through;
 * - `defaultCooldownMs: 5_000` — a 429 / overload without retry-after cools the deployment down for 5 s;
 * - `maxCooldownMs: 60_000` — the longest cooldown honoured from retry-after or a rate-limit reset header.
 */
export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  consecutiveFailures: 5,
  errorRate: 0.5,
  minRequests: 10,
  windowMs: 30_000,
  openMs: 30_000,
  defaultCooldownMs: 5_000,
  maxCooldownMs: 60_000,
});

/** Smoothing factor of the latency and TTFT moving averages (weight of the newest sample). */
export const EWMA_ALPHA = 0.2;
/** How many recent TTFT samples the p95 estimate is computed from. */
export const TTFT_SAMPLES = 64;

/** How an ended attempt counts: against the deployment, for it, or not at all. */
export type OutcomeClass = 'success' | 'failure' | 'neutral';

/**
 * Error codes that say something about the request's or the gateway's situation rather than the
 * deployment's: the client went away, the gateway abandoned the attempt (hedge lost, attempt cut),
 * the request's own total deadline ran out, or the gateway is draining.
 */
const NEUTRAL_CODES: ReadonlySet<string> = new Set([
  'SWY_ERR_CLIENT_CLOSED',
  'SWY_ERR_ATTEMPT_CANCELLED',
  'SWY_ERR_REQUEST_DEADLINE',
  'SWY_ERR_SHUTTING_DOWN',
]);

/** Kinds that describe a problem with the request itself (the caller can fix it), whoever reported it. */
const REQUEST_KINDS: ReadonlySet<string> = new Set(['invalid_request', 'not_found', 'request_too_large']);

/**
 * Classifies an ended attempt for the breaker:
 * - success: `ok`;
 * - neutral: cancellations and gateway-state codes (see NEUTRAL_CODES), anything of origin `client`,
 *   and request problems (invalid_request, not_found, request_too_large) even when the upstream
 *   reported them — the next deployment would reject the same request;
 * - failure: everything else — 5xx, timeouts, connection errors, overload, 429, quota exhaustion of our
 *   account, and 401/403 from the upstream (our credentials are wrong: a deployment problem).
 * A failed outcome without an error is neutral: every real failure in the gateway carries a typed
 * error, and the one path that reports none today is a hedge loser cancelled before its error was set.
 */
export function classifyOutcome(outcome: AttemptOutcome): OutcomeClass {
  if (outcome.ok) return 'success';
  const error = outcome.error;
  if (!error) return 'neutral';
  if (NEUTRAL_CODES.has(error.code)) return 'neutral';
  if (error.origin === 'client') return 'neutral';
  if (REQUEST_KINDS.has(error.kind)) return 'neutral';
  return 'failure';
}

/** Mutable per-deployment state. Allocated once per deployment key; the hot path allocates nothing. */
class State {
  breaker: BreakerState = 'closed';
  /** While open: when the half-open probe may go. */
  openUntil = 0;
  /** While half-open: a probe was handed out by tryAcquire and has not ended, and when. */
  probeInFlight = false;
  probeAcquiredAt = 0;
  consecutiveFailures = 0;
  /** First counter: attempts that counted (success or failure); second: failures. */
  readonly window: WindowedCounters;
  /** 0 when not cooling down (an expired cooldown is reset to 0 on the next check). */
  cooldownUntil = 0;
  /** What started the current cooldown: the upstream's rate limit or its overload. */
  cooldownKind: 'rate_limit' | 'overloaded' = 'rate_limit';
  inFlight = 0;
  latencyMs: number | undefined = undefined;
  ttftMs: number | undefined = undefined;
  readonly ttftRing = new Float64Array(TTFT_SAMPLES);
  ttftCount = 0;
  ttftNext = 0;
  /** Cached p95 (recomputed on read after new samples). */
  ttftP95: number | undefined = undefined;
  ttftP95Dirty = false;
  remainingRequests: number | undefined = undefined;
  remainingTokens: number | undefined = undefined;
  remainingReadAt: number | undefined = undefined;

  constructor(
    readonly key: string,
    windowMs: number,
  ) {
    this.window = new WindowedCounters(windowMs, 10);
  }
}

const FRESH: DeploymentHealth = Object.freeze({ breaker: 'closed', inFlight: 0, consecutiveFailures: 0, errorRate: 0 });

/**
 * The in-process HealthTracker: a Map of per-deployment state (keys come from the configuration, so
 * the set is small and bounded), bucketed error-rate windows and a 64-sample TTFT ring per deployment.
 *
 * Breaker: closed → open after `consecutiveFailures` failures in a row, or when the window holds at
 * least `minRequests` counted attempts with a failure ratio ≥ `errorRate`. After `openMs` it is
 * half-open: `tryAcquire` hands out exactly one probe at a time; the next counted outcome decides —
 * success closes it (counters reset), failure opens it again for `openMs`. Without an attempt
 * identity, the first counted outcome in half-open state is taken as the probe's; a neutral outcome
 * (cancellation, caller error) frees the probe slot. A probe that never reports back frees its slot
 * after `openMs`, so a lost `ended` call cannot wedge a deployment.
 *
 * Cooldown: a counted rate_limit / overloaded failure sets `cooldownUntil = now + clamp(retryAfterMs
 * ?? defaultCooldownMs, 0, maxCooldownMs)` (the later of that and any cooldown already running), as
 * does a rate-limit header reporting zero remaining requests (or tokens) with a known reset time.
 *
 * Sharing (see SharedHealthTracker): `onTransition` reports this tracker's own breaker openings,
 * probe-closes and cooldown starts/extensions; `applyRemote` applies such a decision taken elsewhere
 * without reporting it again. Counters, latencies and in-flight counts are never touched from outside.
 */
export class InMemoryHealthTracker implements HealthTracker {
  readonly options: Readonly<BreakerOptions>;
  private readonly states = new Map<string, State>();
  private readonly sortScratch = new Float64Array(TTFT_SAMPLES);
  private listener: HealthTransitionListener | undefined;

  constructor(options: Partial<BreakerOptions> = {}, private readonly clock: Clock = Date.now) {
    const merged: BreakerOptions = { ...DEFAULT_BREAKER_OPTIONS };
    for (const name of Object.keys(DEFAULT_BREAKER_OPTIONS) as Array<keyof BreakerOptions>) {
      const value = options[name];
      if (value !== undefined) merged[name] = value;
    }
    validate(merged);
    this.options = Object.freeze(merged);
  }

  get(key: string): DeploymentHealth {
    const state = this.states.get(key);
    return state ? this.view(state, this.clock()) : FRESH;
  }

  isAvailable(key: string): boolean {
    return this.admit(key, false);
  }

  tryAcquire(key: string): boolean {
    return this.admit(key, true);
  }

  /**
   * Whether an attempt may go to the deployment now; with `reserve`, a half-open breaker's single
   * probe slot is taken (an open breaker whose period has passed becomes half-open).
   */
  private admit(key: string, reserve: boolean): boolean {
    const state = this.states.get(key);
    if (!state) return true;
    if (state.breaker === 'closed' && state.cooldownUntil === 0) return true; // the common case: no clock read
    const now = this.clock();
    if (this.coolingDown(state, now)) return false;
    if (state.breaker === 'closed') return true;
    if (state.breaker === 'open' && now < state.openUntil) return false;
    if (state.breaker === 'half-open' && this.probeBusy(state, now)) return false;
    if (reserve) {
      state.breaker = 'half-open';
      state.probeInFlight = true;
      state.probeAcquiredAt = now;
    }
    return true;
  }

  started(key: string): void {
    this.stateOf(key).inFlight++;
  }

  ended(key: string, outcome: AttemptOutcome): void {
    const state = this.stateOf(key);
    if (state.inFlight > 0) state.inFlight--;
    const kind = classifyOutcome(outcome);
    if (kind === 'neutral') {
      if (state.breaker === 'half-open') state.probeInFlight = false;
      return;
    }
    const now = this.clock();
    if (kind === 'success') this.recordSuccess(state, outcome, now);
    else this.recordFailure(state, outcome.error, now);
  }

  observeHeaders(key: string, headers: Readonly<Record<string, string | string[] | undefined>>): void {
    // OpenAI: x-ratelimit-*; Anthropic: anthropic-ratelimit-*. Node and undici deliver lowercase names.
    const openaiRequests = intHeader(headers['x-ratelimit-remaining-requests']);
    const openaiTokens = intHeader(headers['x-ratelimit-remaining-tokens']);
    const anthropicRequests = intHeader(headers['anthropic-ratelimit-requests-remaining']);
    const anthropicTokens = minDefined(
      minDefined(intHeader(headers['anthropic-ratelimit-tokens-remaining']), intHeader(headers['anthropic-ratelimit-input-tokens-remaining'])),
      intHeader(headers['anthropic-ratelimit-output-tokens-remaining']),
    );
    const requests = openaiRequests ?? anthropicRequests;
    const tokens = openaiTokens ?? anthropicTokens;
    if (requests === undefined && tokens === undefined) return;

    const now = this.clock();
    const state = this.stateOf(key);
    // One response's headers are one snapshot: a value it does not carry is unknown, not the old one.
    state.remainingRequests = requests;
    state.remainingTokens = tokens;
    state.remainingReadAt = now;

    let resetAt: number | undefined;
    if (requests === 0) {
      resetAt = maxDefined(
        resetFromDuration(headers['x-ratelimit-reset-requests'], now),
        resetFromTimestamp(headers['anthropic-ratelimit-requests-reset']),
      );
    }
    if (tokens === 0) {
      const tokensReset = maxDefined(
        resetFromDuration(headers['x-ratelimit-reset-tokens'], now),
        maxDefined(
          resetFromTimestamp(headers['anthropic-ratelimit-tokens-reset']),
          maxDefined(
            resetFromTimestamp(headers['anthropic-ratelimit-input-tokens-reset']),
            resetFromTimestamp(headers['anthropic-ratelimit-output-tokens-reset']),
          ),
        ),
      );
      resetAt = maxDefined(resetAt, tokensReset);
    }
    if (resetAt !== undefined && resetAt > now) {
      this.coolDown(state, now, resetAt - now, 'rate_limit');
    }
  }

  /**
   * Calls `listener` synchronously on each of this tracker's own transitions: the breaker opened
   * (closed → open, or a failed half-open probe), a half-open probe closed it, a cooldown started or
   * was extended. Never for `applyRemote`. One listener: a later call replaces it, undefined removes
   * it. A listener that throws is ignored (the attempt's bookkeeping is done by then).
   */
  onTransition(listener: HealthTransitionListener | undefined): void {
    this.listener = listener;
  }

  /**
   * Applies a decision another replica took, without reporting it to the listener; returns whether
   * anything changed. Times are absolute (this tracker's clock) and capped at `now + openMs` (breaker)
   * or `now + maxCooldownMs` (cooldown), so a skewed clock or bogus event cannot park a deployment.
   * - open until T: unavailable until T (a later local opening wins; a half-open probe slot is
   *   dropped); after T the local half-open probe logic applies. An until already past is ignored.
   * - closed: a breaker that is not closed closes, with its consecutive-failure count and error
   *   window reset (cooldowns stay); a deployment never seen stays unseen.
   * - cooldown until T: cooling down until T unless a longer cooldown already runs.
   */
  applyRemote(key: string, transition: HealthTransition): boolean {
    const now = this.clock();
    if ('cooldownUntil' in transition) {
      const until = Math.min(transition.cooldownUntil, now + this.options.maxCooldownMs);
      if (!(until > now)) return false;
      const state = this.stateOf(key);
      if (until <= state.cooldownUntil) return false;
      state.cooldownUntil = until;
      state.cooldownKind = transition.kind;
      return true;
    }
    if (transition.breaker === 'open') {
      const until = Math.min(transition.until, now + this.options.openMs);
      if (!(until > now)) return false;
      const state = this.stateOf(key);
      if (state.breaker === 'open' && state.openUntil >= until) return false;
      state.breaker = 'open';
      state.openUntil = until;
      state.probeInFlight = false;
      return true;
    }
    const state = this.states.get(key);
    if (!state || state.breaker === 'closed') return false;
    state.breaker = 'closed';
    state.probeInFlight = false;
    state.consecutiveFailures = 0;
    state.window.reset();
    return true;
  }

  entries(): Array<[string, DeploymentHealth]> {
    const now = this.clock();
    const out: Array<[string, DeploymentHealth]> = [];
    for (const [key, state] of this.states) out.push([key, this.view(state, now)]);
    return out;
  }

  private recordSuccess(state: State, outcome: AttemptOutcome, now: number): void {
    if (outcome.latencyMs !== undefined && Number.isFinite(outcome.latencyMs) && outcome.latencyMs >= 0) {
      state.latencyMs = state.latencyMs === undefined ? outcome.latencyMs : state.latencyMs + EWMA_ALPHA * (outcome.latencyMs - state.latencyMs);
    }
    const ttft = outcome.ttftMs;
    if (ttft !== undefined && Number.isFinite(ttft) && ttft >= 0) {
      state.ttftMs = state.ttftMs === undefined ? ttft : state.ttftMs + EWMA_ALPHA * (ttft - state.ttftMs);
      state.ttftRing[state.ttftNext] = ttft;
      state.ttftNext = (state.ttftNext + 1) % TTFT_SAMPLES;
      if (state.ttftCount < TTFT_SAMPLES) state.ttftCount++;
      state.ttftP95Dirty = true;
    }
    state.consecutiveFailures = 0;
    if (state.breaker === 'closed') {
      state.window.addFirst(now);
      return;
    }
    if (state.breaker === 'half-open') {
      // The probe (or the first attempt to answer since) succeeded: close and start afresh.
      state.breaker = 'closed';
      state.probeInFlight = false;
      state.window.reset();
      state.window.addFirst(now);
      this.emit(state, { breaker: 'closed' });
    }
    // Open: a straggler from before the breaker opened; the breaker waits for its probe.
  }

  private recordFailure(state: State, error: GatewayError | undefined, now: number): void {
    if (error && (error.kind === 'rate_limit' || error.kind === 'overloaded')) {
      this.coolDown(state, now, error.retryAfterMs ?? this.options.defaultCooldownMs, error.kind === 'overloaded' ? 'overloaded' : 'rate_limit');
    }
    state.consecutiveFailures++;
    state.window.addFirst(now);
    state.window.addSecond(now);
    switch (state.breaker) {
      case 'half-open':
        this.open(state, now);
        return;
      case 'open':
        return;
      case 'closed': {
        if (state.consecutiveFailures >= this.options.consecutiveFailures) {
          this.open(state, now);
          return;
        }
        const attempts = state.window.firstIn(now);
        if (attempts >= this.options.minRequests && state.window.secondIn(now) >= this.options.errorRate * attempts) this.open(state, now);
      }
    }
  }

  private open(state: State, now: number): void {
    state.breaker = 'open';
    state.openUntil = now + this.options.openMs;
    state.probeInFlight = false;
    this.emit(state, { breaker: 'open', until: state.openUntil });
  }

  private coolDown(state: State, now: number, forMs: number, kind: 'rate_limit' | 'overloaded'): void {
    const ms = Math.min(Math.max(Number.isFinite(forMs) ? forMs : this.options.defaultCooldownMs, 0), this.options.maxCooldownMs);
    const until = now + ms;
    if (until > state.cooldownUntil) {
      state.cooldownUntil = until;
      state.cooldownKind = kind;
      if (until > now) this.emit(state, { cooldownUntil: until, kind });
    }
  }

  private emit(state: State, transition: HealthTransition): void {
    const listener = this.listener;
    if (listener === undefined) return;
    try {
      listener(state.key, transition);
    } catch {
      // A listener's failure must not reach the attempt that caused the transition.
    }
  }

  /** True while a cooldown runs; an expired one is cleared (back to 0) so the fast path applies again. */
  private coolingDown(state: State, now: number): boolean {
    if (state.cooldownUntil === 0) return false;
    if (state.cooldownUntil > now) return true;
    state.cooldownUntil = 0;
    return false;
  }

  private probeBusy(state: State, now: number): boolean {
    return state.probeInFlight && now - state.probeAcquiredAt < this.options.openMs;
  }

  private stateOf(key: string): State {
    let state = this.states.get(key);
    if (!state) {
      state = new State(key, this.options.windowMs);
      this.states.set(key, state);
    }
    return state;
  }

  private view(state: State, now: number): DeploymentHealth {
    let breaker = state.breaker;
    if (breaker === 'open' && now >= state.openUntil) breaker = 'half-open';
    const attempts = state.window.firstIn(now);
    return {
      breaker,
      cooldownUntil: state.cooldownUntil > now ? state.cooldownUntil : undefined,
      ...(state.cooldownUntil > now ? { cooldownKind: state.cooldownKind } : {}),
      latencyMs: state.latencyMs,
      ttftMs: state.ttftMs,
      ttftP95Ms: this.p95(state),
      inFlight: state.inFlight,
      consecutiveFailures: state.consecutiveFailures,
      errorRate: attempts > 0 ? state.window.secondIn(now) / attempts : 0,
      remainingRequests: state.remainingRequests,
      remainingTokens: state.remainingTokens,
      remainingReadAt: state.remainingReadAt,
    };
  }

  /** Nearest-rank 95th percentile of the last 64 TTFTs (sorted copy on read, cached until the next sample). */
  private p95(state: State): number | undefined {
    if (state.ttftCount === 0) return undefined;
    if (state.ttftP95Dirty) {
      const n = state.ttftCount;
      const sorted = this.sortScratch.subarray(0, n);
      sorted.set(state.ttftRing.subarray(0, n));
      sorted.sort();
      state.ttftP95 = sorted[Math.ceil(0.95 * n) - 1];
      state.ttftP95Dirty = false;
    }
    return state.ttftP95;
  }
}

function validate(options: BreakerOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.consecutiveFailures) || options.consecutiveFailures < 1) problems.push('consecutiveFailures must be an integer ≥ 1');
  if (!(options.errorRate > 0 && options.errorRate <= 1)) problems.push('errorRate must be in (0, 1]');
  if (!Number.isInteger(options.minRequests) || options.minRequests < 1) problems.push('minRequests must be an integer ≥ 1');
  for (const name of ['windowMs', 'openMs'] as const) {
    if (!(options[name] > 0) || !Number.isFinite(options[name])) problems.push(`${name} must be a positive number`);
  }
  for (const name of ['defaultCooldownMs', 'maxCooldownMs'] as const) {
    if (!(options[name] >= 0) || !Number.isFinite(options[name])) problems.push(`${name} must be a number ≥ 0`);
  }
  if (problems.length) throw new RangeError(`invalid breaker options: ${problems.join('; ')}`);
}

function intHeader(value: string | string[] | undefined): number | undefined {
  const text = headerValue(value);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

function resetFromDuration(value: string | string[] | undefined, now: number): number | undefined {
  const text = headerValue(value);
  if (text === undefined) return undefined;
  const ms = parseResetDuration(text);
  return ms === undefined ? undefined : now + ms;
}

function resetFromTimestamp(value: string | string[] | undefined): number | undefined {
  const text = headerValue(value);
  if (text === undefined || text.trim() === '') return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? at : undefined;
}

const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)/y;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/**
 * Parses OpenAI's rate-limit reset durations ("1s", "6m0s", "20ms", "1h2m3.5s"; a bare number is
 * seconds) into milliseconds; undefined when the text is not such a duration.
 */
export function parseResetDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  while (DURATION_PART.lastIndex < trimmed.length) {
    const match = DURATION_PART.exec(trimmed);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return total;
}
