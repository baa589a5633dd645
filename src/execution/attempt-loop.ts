import type { HealthTracker } from '../routing/health/health-tracker.js';
import type { RetryBudget } from '../routing/health/retry-budget.js';
import type { Plan, PlanStep } from '../routing/plan-request.js';
import { GatewayError } from '../spec/errors.js';
import type { Attempt } from './attempt.js';
import { cancelReason, cancellationError } from './cancellation.js';
import { dispositionOf } from './failover.js';

export interface AttemptLoopDeps {
  health: HealthTracker;
  retryBudget: RetryBudget;
  /** [0, 1) — injectable for tests of the jitter. */
  random?: () => number;
  /** The health tracker's clock (ms), to tell how long a cooldown has left. */
  now?: () => number;
}

export interface AttemptLoopInput {
  plan: Plan;
  /** The request's signal (client disconnect, shutdown, deadline). */
  signal: AbortSignal;
  /** performance.now() by which everything must be done. */
  deadlineAt: number;
  /** Creates (does not prime) an attempt at a step; attempts are numbered from 1. `cancellable` when it may race a hedge. */
  start(step: PlanStep, number: number, cancellable: boolean): Attempt;
}

export interface AttemptLoopResult {
  winner: Attempt;
  attempts: Attempt[];
  /** Deployments of the plan skipped as unavailable (breaker open, cooling down) before the winner. */
  skipped: string[];
}

/** The loop failed: every attempt made (for metering), and the error to show the client. */
export class AttemptsFailed extends Error {
  constructor(
    readonly error: GatewayError,
    readonly attempts: Attempt[],
  ) {
    super(error.message);
  }
}

/**
 * Walks the plan: each step's deployment is tried (skipped while its breaker is open or it cools down),
 * retried on retryable failures with exponential backoff and full jitter inside the request deadline,
 * then the next step. Every attempt after the first needs the retry budget. With a hedge policy, when
 * no content has arrived after the hedge delay the next step starts too; the first to produce content
 * wins and the other is cancelled. A caller's own 4xx stops the loop at once.
 */
export function runAttemptLoop(deps: AttemptLoopDeps, input: AttemptLoopInput): Promise<AttemptLoopResult> {
  return new AttemptLoop(deps, input).run();
}

/**
 * The loop's state. The common case — the first step available, no hedge, and its first attempt
 * answers — is a promise chain with no suspended frame (one promise for a complete answer); only
 * after a failure does the loop go on in `walk`, an async function, from where it stopped.
 */
class AttemptLoop {
  readonly attempts: Attempt[] = [];
  private readonly failures: GatewayError[] = [];
  private readonly skipped: string[] = [];
  private readonly steps: readonly PlanStep[];
  private readonly random: () => number;

  constructor(
    private readonly deps: AttemptLoopDeps,
    private readonly input: AttemptLoopInput,
  ) {
    this.steps = input.plan.steps;
    this.random = deps.random ?? Math.random;
  }

  run(): Promise<AttemptLoopResult> {
    const step = this.steps[0];
    if (step === undefined || step.hedge || !this.deps.health.tryAcquire(step.deployment.key)) return this.walk(0, 0, step !== undefined && !step.hedge);
    try {
      if (this.input.signal.aborted) this.fail(cancellationError(cancelReason(this.input.signal) ?? 'client-closed'));
      const attempt = this.launch(step, false);
      return attempt.prime().then(
        () => this.won(attempt),
        (error: unknown) => {
          // 'next' and 'retry' go on in the loop (a 'stop' throws from failedWith).
          const retry = this.failedWith(attempt, error) === 'next' ? undefined : 1;
          return retry === undefined ? this.walk(1, 0, false) : this.walk(0, retry, false);
        },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The loop from step `from`, attempt `fromRetry` of it (0: the step's availability is checked first;
   * `skipFirstCheck`: run() already found it unavailable, so it is counted as skipped without asking again).
   */
  private async walk(from: number, fromRetry: number, skipFirstCheck: boolean): Promise<AttemptLoopResult> {
    const { deps, input, steps, attempts, failures } = this;
    for (let index = from; index < steps.length; index++) {
      const step = steps[index];
      const firstRetry = index === from ? fromRetry : 0;
      if (firstRetry === 0) {
        if ((index === from && skipFirstCheck) || !deps.health.tryAcquire(step.deployment.key)) {
          this.skipped.push(step.deployment.key);
          continue;
        }
      }
      for (let retry = firstRetry; retry <= step.retries.attempts; retry++) {
        if (input.signal.aborted) this.fail(cancellationError(cancelReason(input.signal) ?? 'client-closed'));
        // A retry goes back to the deployment only if its breaker still lets it (a failed half-open probe reopens it).
        if (retry > 0 && !deps.health.tryAcquire(step.deployment.key)) break;
        if (retry > 0) {
          const waitMs = backoffMs(step, retry, failures[failures.length - 1], this.random);
          if (performance.now() + waitMs >= input.deadlineAt) this.fail(aggregate(failures, attempts, 'the request deadline leaves no time for another attempt'));
          await sleep(waitMs, input.signal);
          if (input.signal.aborted) this.fail(cancellationError(cancelReason(input.signal) ?? 'client-closed'));
        }
        if (!this.admit()) this.fail(aggregate(failures, attempts, 'the retry budget is spent (an outage must not multiply load)'));
        const hedgeStep = step.hedge ? nextAvailable(steps, index + 1, deps.health) : undefined;
        const attempt = this.launch(step, hedgeStep !== undefined);
        try {
          if (step.hedge && hedgeStep) {
            const outcome = await primeWithHedge(attempt, step, hedgeStep.step, deps, this.launcher, this.admitter, this.failer);
            if (outcome.usedHedgeStep) index = hedgeStep.index;
            return this.won(outcome.winner);
          }
          await attempt.prime();
          return this.won(attempt);
        } catch (error) {
          if (this.failedWith(attempt, error) === 'next') break;
        }
      }
    }
    if (attempts.length === 0) this.fail(noHealthyCandidate(input.plan, deps));
    return this.fail(aggregate(failures, attempts, this.skipped.length > 0 ? `skipped as unhealthy: ${this.skipped.join(', ')}` : undefined));
  }

  private won(winner: Attempt): AttemptLoopResult {
    observeHeaders(this.deps.health, winner);
    return { winner, attempts: this.attempts, skipped: this.skipped };
  }

  /** Records an attempt's failure; throws when the loop must stop, else says whether to retry the step or go to the next. */
  private failedWith(attempt: Attempt, error: unknown): 'retry' | 'next' {
    const typed = GatewayError.is(error) ? error : attempt.error!;
    if (!this.failures.includes(typed)) this.failed(attempt, typed);
    const disposition = dispositionOf(typed);
    if (disposition === 'stop') this.fail(this.attempts.length === 1 || typed.origin === 'client' ? typed : aggregate(this.failures, this.attempts));
    return disposition === 'next' ? 'next' : 'retry';
  }

  private fail(error: GatewayError): never {
    throw new AttemptsFailed(error, this.attempts);
  }

  private admit(): boolean {
    return this.attempts.length === 0 || this.deps.retryBudget.tryRetry();
  }

  private launch(step: PlanStep, cancellable: boolean): Attempt {
    const attempt = this.input.start(step, this.attempts.length + 1, cancellable);
    this.attempts.push(attempt);
    this.deps.health.started(step.deployment.key);
    return attempt;
  }

  private failed(attempt: Attempt, error: GatewayError): void {
    this.deps.health.ended(attempt.deployment.key, { ok: false, error });
    this.failures.push(error);
  }

  // For primeWithHedge (only hedged steps pay for these closures).
  private get launcher(): (step: PlanStep, cancellable: boolean) => Attempt {
    return (step, cancellable) => this.launch(step, cancellable);
  }

  private get admitter(): () => boolean {
    return () => this.admit();
  }

  private get failer(): (attempt: Attempt, error: GatewayError) => void {
    return (attempt, error) => this.failed(attempt, error);
  }
}

/**
 * Primes `first`; if it has produced no content after the hedge delay, launches `second` (the next
 * step) too. The first to be ready wins; the other is cancelled as a lost hedge. Fails only when both
 * failed (with the last failure).
 */
async function primeWithHedge(
  first: Attempt,
  step: PlanStep,
  nextStep: PlanStep,
  deps: AttemptLoopDeps,
  launch: (step: PlanStep, cancellable: boolean) => Attempt,
  admit: () => boolean,
  failed: (attempt: Attempt, error: GatewayError) => void,
): Promise<{ winner: Attempt; usedHedgeStep: boolean }> {
  const delay = hedgeDelayMs(step, deps.health);
  const firstDone = first.prime().then(
    () => ({ attempt: first, ok: true as const }),
    (error: unknown) => ({ attempt: first, ok: false as const, error }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'hedge'>((resolve) => {
    timer = setTimeout(() => resolve('hedge'), delay);
  });
  const early = await Promise.race([firstDone, timedOut]);
  clearTimeout(timer);
  if (early !== 'hedge') {
    if (early.ok) return { winner: first, usedHedgeStep: false };
    throw early.error;
  }
  if (!admit() || !deps.health.tryAcquire(nextStep.deployment.key)) {
    const settled = await firstDone;
    if (settled.ok) return { winner: first, usedHedgeStep: false };
    throw settled.error;
  }
  const second = launch(nextStep, true);
  const secondDone = second.prime().then(
    () => ({ attempt: second, ok: true as const }),
    (error: unknown) => ({ attempt: second, ok: false as const, error }),
  );
  const pending = new Set([firstDone, secondDone]);
  let lastError: unknown;
  while (pending.size > 0) {
    const settled = await Promise.race(pending);
    pending.delete(settled.attempt === first ? firstDone : secondDone);
    if (settled.ok) {
      const loser = settled.attempt === first ? second : first;
      if (loser.state === 'opening') {
        loser.cancel('hedge-lost');
        // A lost hedge says nothing about the loser's health: the tracker counts this cancellation as neither.
        deps.health.ended(loser.deployment.key, { ok: false, error: cancellationError('hedge-lost', loser.deployment.model.provider) });
      }
      return { winner: settled.attempt, usedHedgeStep: true };
    }
    lastError = settled.error;
    // The first attempt's failure is recorded by the loop when the whole hedge fails; record the other here.
    if (pending.size > 0 && GatewayError.is(settled.error)) failed(settled.attempt, settled.error);
  }
  throw lastError;
}

/**
 * Nothing could be attempted. When every candidate is cooling down after the upstream's own rate
 * limits, the client gets a 429 with the shortest remaining cooldown as retry-after (the upstream
 * asked for that pause); when an upstream is overloaded or breakers are open, a 503 (529 for Anthropic
 * clients) with the same retry-after.
 */
function noHealthyCandidate(plan: Plan, deps: AttemptLoopDeps): GatewayError {
  const now = (deps.now ?? Date.now)();
  let soonest = Infinity;
  let allCooling = true;
  let overloaded = false;
  for (const step of plan.steps) {
    const health = deps.health.get(step.deployment.key);
    if (health.breaker === 'closed' && health.cooldownUntil !== undefined && health.cooldownUntil > now) {
      soonest = Math.min(soonest, health.cooldownUntil - now);
      if (health.cooldownKind === 'overloaded') overloaded = true;
    } else allCooling = false;
  }
  const keys = plan.steps.map((s) => s.deployment.key).join(', ');
  if (allCooling && Number.isFinite(soonest) && !overloaded) {
    return new GatewayError({
      code: 'SWY_ERR_ALL_CANDIDATES_RATE_LIMITED',
      kind: 'rate_limit',
      origin: 'gateway',
      message: `Every candidate of '${plan.requested}' is cooling down after its upstream's rate limit: ${keys}. Retry after ${Math.ceil(soonest / 1000)} s.`,
      retryable: true,
      retryAfterMs: Math.ceil(soonest),
    });
  }
  return new GatewayError({
    code: 'SWY_ERR_NO_HEALTHY_CANDIDATE',
    kind: 'overloaded',
    status: 503,
    origin: 'gateway',
    message: `Every candidate of '${plan.requested}' is unavailable (circuit open or cooling down): ${keys}.`,
    retryable: true,
    retryAfterMs: Number.isFinite(soonest) ? Math.ceil(soonest) : 1000,
  });
}

/** Rate-limit headers of the accepted answer (remaining requests/tokens, resets) feed the `headroom` strategy. */
function observeHeaders(health: HealthTracker, attempt: Attempt): void {
  const headers = attempt.source?.head.headers;
  if (headers) for (const _ in headers) return health.observeHeaders(attempt.deployment.key, headers);
}

function nextAvailable(steps: readonly PlanStep[], from: number, health: HealthTracker): { step: PlanStep; index: number } | undefined {
  for (let i = from; i < steps.length; i++) if (health.isAvailable(steps[i].deployment.key)) return { step: steps[i], index: i };
  return undefined;
}

function hedgeDelayMs(step: PlanStep, health: HealthTracker): number {
  const hedge = step.hedge!;
  if (hedge.adaptive) {
    const p95 = health.get(step.deployment.key).ttftP95Ms;
    if (p95 !== undefined) return Math.max(20, Math.min(hedge.delayMs * 4, Math.round(p95)));
  }
  return hedge.delayMs;
}

/** Full jitter: uniform in [0, min(max, base × 2^(retry−1))], at least the upstream's retry-after when it sent one. */
function backoffMs(step: PlanStep, retry: number, last: GatewayError | undefined, random: () => number): number {
  const ceiling = Math.min(step.retries.maxBackoffMs, step.retries.backoffMs * 2 ** (retry - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, Math.min(last?.retryAfterMs ?? 0, step.retries.maxBackoffMs));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * One failure is returned as it is (the client sees the upstream's own error, as without routing).
 * Several become SWY_ERR_ALL_ATTEMPTS_FAILED with the last failure's kind, status and retry-after and
 * every attempt listed: "1) openai/gpt-4.1: 503 …; 2) anthropic/claude: 429 …".
 */
function aggregate(failures: readonly GatewayError[], attempts: readonly Attempt[], note?: string): GatewayError {
  const last = failures[failures.length - 1];
  if (!last) {
    return new GatewayError({ code: 'SWY_ERR_NO_HEALTHY_CANDIDATE', kind: 'overloaded', status: 503, origin: 'gateway', message: note ?? 'No attempt could be made.', retryable: true, retryAfterMs: 1000 });
  }
  if (failures.length === 1 && !note) return last;
  const list = attempts
    .filter((a) => a.error)
    .map((a) => `${a.number}) ${a.deployment.key}: ${a.error!.code} ${a.error!.message.slice(0, 200)}`)
    .join('; ');
  return new GatewayError({
    code: 'SWY_ERR_ALL_ATTEMPTS_FAILED',
    kind: last.kind,
    status: last.status,
    origin: last.origin === 'client' ? 'client' : 'upstream',
    message: `All ${attempts.length} attempt(s) failed${note ? ` (${note})` : ''}: ${list}`,
    retryable: last.retryable,
    retryAfterMs: last.retryAfterMs,
    provider: last.provider,
    upstreamStatus: last.upstreamStatus,
    upstreamRequestId: last.upstreamRequestId,
  });
}
