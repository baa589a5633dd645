import { describe, expect, it } from 'vitest';
import { Attempt, type AttemptSource } from '../../src/execution/attempt.js';
import { AttemptsFailed, runAttemptLoop } from '../../src/execution/attempt-loop.js';
import { CancelController } from '../../src/execution/request-signal.js';
import type { ResolvedModel } from '../../src/config/resolve-config.js';
import { InMemoryHealthTracker } from '../../src/routing/health/in-memory-health-tracker.js';
import { RetryBudget } from '../../src/routing/health/retry-budget.js';
import type { Plan, PlanStep } from '../../src/routing/plan-request.js';
import { GatewayError } from '../../src/spec/errors.js';

/*
 * The attempt loop on its own, with attempts whose upstream answers are scripted: which deployments it
 * tries, in what order, how often, and what it reports. The first attempt of a request takes a path
 * without the loop's async frame (runAttemptLoop's common case); every case below starts there and some
 * go on in the loop, so both halves and the hand-over between them are covered.
 */

type Outcome = 'ok' | GatewayError;

const ANSWER: AttemptSource = { head: { headers: {}, warnings: [] }, body: '{}', usage: () => undefined, finished: () => true, deliveredChars: () => 0 };

function step(key: string, retries = 0): PlanStep {
  const model = { id: key, provider: 'p' } as unknown as ResolvedModel;
  return { deployment: { key, model }, retries: { attempts: retries, backoffMs: 1, maxBackoffMs: 1 }, via: 'test' };
}

const upstream503 = () => new GatewayError({ code: 'SWY_ERR_UPSTREAM_5XX', kind: 'upstream_error', origin: 'upstream', status: 503, message: 'unavailable', retryable: true });
const upstream429 = () => new GatewayError({ code: 'SWY_ERR_UPSTREAM_RATE_LIMIT', kind: 'rate_limit', origin: 'upstream', status: 429, message: 'slow down', retryable: true });
const caller400 = () => new GatewayError({ code: 'SWY_ERR_UPSTREAM_INVALID_REQUEST', kind: 'invalid_request', origin: 'client', status: 400, message: 'bad request', retryable: false });

/** Runs the loop over `steps`; each deployment answers with its scripted outcomes in turn. */
function loop(steps: PlanStep[], script: Record<string, Outcome[]>, options: { health?: InMemoryHealthTracker; budget?: RetryBudget; signal?: AbortSignal } = {}) {
  const tried: string[] = [];
  const health = options.health ?? new InMemoryHealthTracker();
  const signal = options.signal ?? new CancelController().signal;
  const plan = { requested: 'r', steps, reason: 'test' } as unknown as Plan;
  const promise = runAttemptLoop(
    { health, retryBudget: options.budget ?? new RetryBudget({ ratio: 10, floor: 100 }), random: () => 0 },
    {
      plan,
      signal,
      deadlineAt: performance.now() + 60_000,
      start: (planStep, number, cancellable) =>
        new Attempt(
          number,
          planStep.deployment,
          signal,
          () => {
            tried.push(planStep.deployment.key);
            const outcome = script[planStep.deployment.key]?.shift() ?? 'ok';
            return outcome === 'ok' ? Promise.resolve(ANSWER) : Promise.reject(outcome);
          },
          cancellable,
        ),
    },
  );
  return { promise, tried, health };
}

async function failure(promise: Promise<unknown>): Promise<AttemptsFailed> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttemptsFailed);
  return error as AttemptsFailed;
}

describe('runAttemptLoop', () => {
  it('the first attempt answering is the winner, with nothing else tried', async () => {
    const { promise, tried } = loop([step('a'), step('b')], {});
    const result = await promise;
    expect(tried).toEqual(['a']);
    expect(result.winner.deployment.key).toBe('a');
    expect(result.attempts).toHaveLength(1);
    expect(result.skipped).toEqual([]);
  });

  it('a retryable failure of the first attempt is retried on the same deployment (the loop takes over from retry 1)', async () => {
    const { promise, tried } = loop([step('a', 2), step('b')], { a: [upstream503(), upstream503()] });
    const result = await promise;
    expect(tried).toEqual(['a', 'a', 'a']);
    expect(result.winner.number).toBe(3);
    expect(result.attempts.map((a) => a.state)).toEqual(['failed', 'failed', 'ready']);
  });

  it('after the retries of a step, the next step; a 429 goes to the next step at once', async () => {
    const retried = loop([step('a', 1), step('b')], { a: [upstream503(), upstream503()] });
    expect((await retried.promise).winner.deployment.key).toBe('b');
    expect(retried.tried).toEqual(['a', 'a', 'b']);

    const limited = loop([step('a', 3), step('b')], { a: [upstream429()] });
    expect((await limited.promise).winner.deployment.key).toBe('b');
    expect(limited.tried).toEqual(['a', 'b']);
  });

  it("a caller's own 4xx stops the loop with that error, however many candidates are left", async () => {
    const { promise, tried } = loop([step('a', 2), step('b')], { a: [caller400()] });
    const failed = await failure(promise);
    expect(tried).toEqual(['a']);
    expect(failed.error.code).toBe('SWY_ERR_UPSTREAM_INVALID_REQUEST');
    expect(failed.attempts).toHaveLength(1);
  });

  it('a first deployment that is unavailable is skipped (asked once) and reported; the next one serves', async () => {
    const health = new InMemoryHealthTracker({ consecutiveFailures: 1, openMs: 60_000 });
    health.started('a');
    health.ended('a', { ok: false, error: upstream503() });
    expect(health.isAvailable('a')).toBe(false);
    const { promise, tried } = loop([step('a'), step('b')], {}, { health });
    const result = await promise;
    expect(tried).toEqual(['b']);
    expect(result.skipped).toEqual(['a']);
    expect(result.winner.number).toBe(1);
  });

  it('every attempt failing ends with one error listing them all, and every attempt for metering', async () => {
    const { promise, tried } = loop([step('a', 1), step('b')], { a: [upstream503(), upstream503()], b: [upstream503()] });
    const failed = await failure(promise);
    expect(tried).toEqual(['a', 'a', 'b']);
    expect(failed.error.code).toBe('SWY_ERR_ALL_ATTEMPTS_FAILED');
    expect(failed.error.message).toMatch(/1\) a: .*2\) a: .*3\) b: /);
    expect(failed.attempts).toHaveLength(3);
  });

  it('nothing is tried when the request is already cancelled, or when no step is available', async () => {
    const controller = new CancelController();
    controller.abort();
    const cancelled = loop([step('a')], {}, { signal: controller.signal });
    expect((await failure(cancelled.promise)).attempts).toHaveLength(0);
    expect(cancelled.tried).toEqual([]);

    const empty = loop([], {});
    expect((await failure(empty.promise)).error.code).toBe('SWY_ERR_NO_HEALTHY_CANDIDATE');
  });

  it('a spent retry budget stops the loop after the first attempt', async () => {
    const budget = new RetryBudget({ ratio: 0, floor: 0 });
    const { promise, tried } = loop([step('a', 3), step('b')], { a: [upstream503()] }, { budget });
    const failed = await failure(promise);
    expect(tried).toEqual(['a']);
    expect(failed.error.message).toMatch(/retry budget is spent/);
  });
});
