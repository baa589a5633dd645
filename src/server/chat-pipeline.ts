import type { ServerResponse } from 'node:http';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { DialectCodec, EncodeContext } from '../dialects/dialect.js';
import { openAIIncludeUsage } from '../dialects/openai-chat/read-openai-stream-options.js';
import { Attempt } from '../execution/attempt.js';
import { AttemptsFailed, runAttemptLoop, type AttemptLoopResult } from '../execution/attempt-loop.js';
import { openPassthrough, openTranslated } from '../execution/open-attempt.js';
import { PreparedRequest } from '../execution/prepared-request.js';
import type { CallContext, ProviderAdapter } from '../providers/provider.js';
import { capabilityFilter, type CandidateFilter } from '../routing/candidate-filters.js';
import type { HealthTracker } from '../routing/health/health-tracker.js';
import type { RetryBudget } from '../routing/health/retry-budget.js';
import { planRequest, type Plan, type PlanContext, type PlanStep } from '../routing/plan-request.js';
import type { Dialect } from '../spec/index.js';
import { GatewayError } from '../spec/index.js';
import { toGatewayError } from '../spec/errors.js';
import type { Caller } from '../tenancy/api-keys.js';
import { RateLimitRefusal, type Admission, type AdmissionTicket } from '../tenancy/admission.js';
import { worstCaseRequestNanos } from '../tenancy/worst-case-cost.js';
import type { RequestLogSink } from '../tenancy/request-log.js';
import { OwnCredentialsHealth } from '../routing/health/own-credentials-health.js';
import { learnedContext, parseQualityHeader, type LearnedRouter, type OnlineCorrection } from '../routing/learned/learned-context.js';
import { policyHash } from '../routing/learned/receipts.js';
import type { DecisionReceipt } from '../routing/strategies/strategy.js';
import { applyAffinity, conversationKey, InMemoryAffinityStore, type AffinityPolicy, type AffinityStore } from '../routing/learned/cache-affinity.js';
import { meteredUsage } from './attempt-billing.js';
import type { MeterBase, RequestMeter } from './request-meter.js';
import { writeCommitted, type WriteOutcome } from './response-writer.js';
import { EchoGuards } from './echo-guard.js';

export interface PipelineDeps {
  config: ResolvedConfig;
  providers: ReadonlyMap<string, ProviderAdapter>;
  meter: RequestMeter;
  health: HealthTracker;
  retryBudget: RetryBudget;
  /** ms clock for routing decisions (health, cooldowns); injectable for tests. */
  now?: () => number;
  /** Team keys' allow-lists, rate limits and budgets (absent: every caller is admitted as is). */
  admission?: Admission;
  /** Where the prompts of teams whose data policy logs them go (tenancy/request-log.ts). */
  requestLog?: RequestLogSink;
  /** The trained analyzer and model profiles for the task-tier and quality-cost strategies. */
  learned?: LearnedRouter;
  /** Teams' online corrections from feedback. */
  feedback?: OnlineCorrection;
  /** Which deployment holds each conversation's prompt cache (routes with `cacheAffinity`): shared through Redis in a fleet; default, this replica's map. */
  affinity?: AffinityStore;
}

/** Everything the pipeline needs from the HTTP layer for one request. */
export interface ChatCall {
  dialect: DialectCodec;
  body: unknown;
  caller: Caller;
  /** Client headers upstreams of the same family understand (anthropic-beta, anthropic-version). */
  forwardHeaders: Record<string, string>;
  res: ServerResponse;
  /** Aborted when the client goes away or the gateway shuts down; the reason is a Cancellation. */
  signal: AbortSignal;
  /** Gateway request id (x-switchyard-request-id), also on error responses. */
  requestId: string;
  /** Policy filters after the capability filter (the seam for team and key allow-lists). */
  filters?: readonly CandidateFilter[];
  /** `x-switchyard-quality` as sent (0 = cheapest … 1 = best; quality-cost routes clamp it to their range). */
  qualityHeader?: string | string[];
}

/** A failure on the way to execute (a shared store's answer, a refusal): the ticket is settled (at most once) before it propagates. */
function settledTicketThrow(run: PlannedRun, error: unknown): never {
  run.ticket?.settle(run.totals.costNanos, run.totals.tokens);
  throw error;
}

/** A rate-limit refusal carries OpenAI's x-ratelimit-* headers onto the error response. */
function refusedWithHeaders(call: ChatCall, error: unknown): unknown {
  if (error instanceof RateLimitRefusal) for (let i = 0; i < error.headers.length; i += 2) call.res.setHeader(error.headers[i], error.headers[i + 1]);
  return error;
}

/**
 * The request path, in stages with one home each:
 *   prepare (body checks, features; decode only when a translated attempt needs it)
 *   → plan (src/routing: the route's candidates filtered and ranked, then fallbacks)
 *   → execute (src/execution: the attempt loop — retries, fallback, hedging — up to a committed attempt)
 *   → write (one response writer for passthrough and translation)
 *   → settle (in a `finally`: one ledger row for the request plus one per other billed attempt).
 * Errors thrown before anything is written are rendered by the caller in the client's dialect; after
 * commit they go in-stream.
 */
export class ChatPipeline {
  private readonly now: () => number;
  /** Conversations' prompt caches: which deployment holds each (routes with `cacheAffinity`). */
  private readonly affinity: AffinityStore;

  /** The credentials of each call's upstream, kept out of what it answers (echo-guard.ts). */
  private readonly echoGuards: EchoGuards;

  constructor(private readonly deps: PipelineDeps) {
    this.echoGuards = new EchoGuards(deps.config.providers);
    this.now = deps.now ?? Date.now;
    this.affinity = deps.affinity ?? new InMemoryAffinityStore();
  }

  /** Not itself async: without prompt logging the request's promise is the pipeline's own, with no wrapper around it. */
  handle(call: ChatCall): Promise<void> {
    const startedAt = performance.now();
    try {
      const body = requireObject(call.body);
      // The team's data policy: its prompts are logged with the final status (a reference is kept; serialised off the request path).
      const log = call.caller.tenant?.team.policy.dataPolicy.logPrompts === true ? this.deps.requestLog : undefined;
      if (!log) return this.run(call, body, startedAt);
      return this.runLogged(call, body, startedAt, log);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async runLogged(call: ChatCall, body: Record<string, unknown>, startedAt: number, log: RequestLogSink): Promise<void> {
    let status = 200;
    try {
      await this.run(call, body, startedAt);
    } catch (error) {
      status = call.dialect.encodeError(toGatewayError(error)).status;
      throw error;
    } finally {
      log.record({ requestId: call.requestId, caller: call.caller, body, status });
    }
  }

  /**
   * prepare and admit; throws synchronously what it refuses before any await (handle() turns that into
   * a rejection). Promise chains rather than async functions: a suspended frame per layer per request.
   */
  private run(call: ChatCall, body: Record<string, unknown>, startedAt: number): Promise<void> {
    // prepare
    const tenant = call.caller.tenant;
    const requestedModel = body.model === undefined && tenant?.team.policy.defaultRoute ? 'default' : peekModel(body);
    checkBody(call.dialect.name, body);
    const prepared = new PreparedRequest(call.dialect, body);

    // admit (team keys): allow-lists, then rate limits; the budget is reserved once the plan is known
    const admission = tenant ? this.deps.admission : undefined;
    if (!admission) return this.admitted(call, prepared, requestedModel, requestedModel, call.filters, undefined, startedAt, { costNanos: 0, tokens: 0 });
    const name = admission.resolveName(call.caller, requestedModel);
    const teamFilters = admission.filters(call.caller, name);
    const policyFilters = teamFilters ? (call.filters ? [...call.filters, ...teamFilters] : teamFilters) : call.filters;
    let limited: AdmissionTicket | undefined | Promise<AdmissionTicket | undefined>;
    try {
      limited = admission.limit(call.caller, name, prepared.roughInputTokens() + (prepared.features.maxOutputTokens ?? 0));
    } catch (error) {
      throw refusedWithHeaders(call, error);
    }
    if (limited instanceof Promise) {
      return limited.then(
        (ticket) => this.admittedWith(call, prepared, requestedModel, name, policyFilters, ticket, startedAt),
        (error: unknown) => {
          throw refusedWithHeaders(call, error);
        },
      );
    }
    return this.admittedWith(call, prepared, requestedModel, name, policyFilters, limited, startedAt);
  }

  /**
   * The admitted request's promise, with the ticket settled once: by settleOnce when the request got as
   * far as executing (after its ledger rows, so with the actual cost), else here on the way out.
   */
  private admittedWith(call: ChatCall, prepared: PreparedRequest, requestedModel: string, name: string, policyFilters: readonly CandidateFilter[] | undefined, ticket: AdmissionTicket | undefined, startedAt: number): Promise<void> {
    const totals: SettledTotals = { costNanos: 0, tokens: 0 };
    if (!ticket) return this.admitted(call, prepared, requestedModel, name, policyFilters, undefined, startedAt, totals);
    try {
      return this.admitted(call, prepared, requestedModel, name, policyFilters, ticket, startedAt, totals);
    } catch (error) {
      ticket.settle(totals.costNanos, totals.tokens);
      throw error;
    }
  }

  /** plan, then reserve the budget: may throw synchronously (admittedWith and handle() turn that into a rejection). */
  private admitted(call: ChatCall, prepared: PreparedRequest, requestedModel: string, name: string, policyFilters: readonly CandidateFilter[] | undefined, ticket: AdmissionTicket | undefined, startedAt: number, totals: SettledTotals): Promise<void> {
    // plan
    const capability = capabilityFilter(prepared.preciseInputTokens);
    const context: { -readonly [K in keyof PlanContext]: PlanContext[K] } = {
      requestId: call.requestId,
      features: prepared.features,
      health: this.deps.health,
      now: this.now(),
      inputTokens: prepared.roughInputTokens,
      filters: policyFilters ? [capability, ...policyFilters] : [capability],
    };
    if (this.deps.learned) {
      context.learned = learnedContext(this.deps.learned, prepared.body, {
        tools: prepared.features.tools,
        requestedQuality: requestedQuality(call.qualityHeader),
        teamId: call.caller.teamId,
        feedback: this.deps.feedback,
      });
    }
    const run: PlannedRun = { call, prepared, requestedModel, ticket, startedAt, totals, plan: planRequest(this.deps.config, name, context), affinity: undefined };
    const affined = this.withAffinity(call, prepared, run.plan);
    if (affined instanceof Promise) {
      return affined
        .then((value) => {
          run.plan = value.plan;
          run.affinity = value.affinity;
          return this.reserved(run);
        })
        .catch((error: unknown) => settledTicketThrow(run, error));
    }
    if (affined) {
      run.plan = affined.plan;
      run.affinity = affined.affinity;
    }
    return this.reserved(run);
  }

  /** The budget reservation of the worst case across the plan (team keys), then execute. */
  private reserved(run: PlannedRun): Promise<void> {
    const { ticket, plan, prepared, call } = run;
    if (ticket && this.deps.admission) {
      const concurrent = plan.steps.some((step) => step.hedge !== undefined) ? 2 : 1;
      const worstCase = worstCaseRequestNanos(prepared.features, plan.steps.map((step) => step.deployment.model), concurrent);
      const reserved = this.deps.admission.reserve(ticket, call.caller, call.requestId, worstCase);
      if (reserved instanceof Promise) return reserved.then(() => this.execute(run)).catch((error: unknown) => settledTicketThrow(run, error));
    }
    return this.execute(run);
  }

  /**
   * execute (the attempt loop), write, and settle once whatever happens from here on. A promise chain,
   * not an async function: a complete answer costs one promise here.
   */
  private execute(run: PlannedRun): Promise<void> {
    const { call, plan, prepared, startedAt, requestedModel } = run;
    this.deps.retryBudget.recordRequest();
    const base: MeterBase = { requestId: call.requestId, caller: call.caller, dialect: call.dialect.name, requestedModel, startedAt };
    if (plan.route) base.route = plan.route;
    if (plan.route || plan.steps.length > 1) base.decision = plan.reason;
    if (plan.receipt) {
      base.receipt = JSON.stringify(plan.receipt);
      base.policyHash = policyHash(plan.receipt.policy);
    }

    // A team calling with its own provider credentials: their rejections and quotas are not the shared deployment's health.
    const own = call.caller.tenant?.credentials;
    const health = own && own.size > 0 ? new OwnCredentialsHealth(this.deps.health, new Set(own.keys())) : this.deps.health;
    const settled = new RunSettlement(base, run, health);
    // runAttemptLoop never throws: everything it refuses is a rejection.
    const looped = runAttemptLoop(
      { health, retryBudget: this.deps.retryBudget, now: this.now },
      {
        plan,
        signal: call.signal,
        deadlineAt: startedAt + this.deps.config.timeouts.totalMs,
        start: (step, number, cancellable) => this.startAttempt(call, prepared, requestedModel, step, number, startedAt, cancellable),
      },
    );
    return looped.then(
      (result) => this.write(run, result, settled),
      (error: unknown) => {
        if (error instanceof AttemptsFailed) {
          settled.attempts = error.attempts;
          settled.failure = error.error;
          this.settleOnce(settled);
          throw error.error;
        }
        this.settleOnce(settled);
        throw error;
      },
    );
  }

  /** write: the committed attempt to the client (synchronously for a complete body), then settle. */
  private write(run: PlannedRun, result: AttemptLoopResult, settled: RunSettlement): void | Promise<void> {
    const { call, plan, prepared } = run;
    settled.attempts = result.attempts;
    settled.winner = result.winner;
    let written: WriteOutcome | Promise<WriteOutcome>;
    try {
      const guard = this.echoGuards.for(result.winner.deployment.model.provider, call.caller.tenant);
      written = writeCommitted(call.res, call.dialect, call.signal, result.winner, this.gatewayHeaders(call.requestId, plan, result.winner, result.attempts, result.skipped, run.ticket), result.attempts, prepared.preciseInputTokens, guard);
    } catch (error) {
      this.settleOnce(settled);
      throw error;
    }
    if (written instanceof Promise) {
      return written.then(
        (outcome) => {
          settled.outcome = outcome;
          this.settleOnce(settled);
        },
        (error: unknown) => {
          this.settleOnce(settled);
          throw error;
        },
      );
    }
    settled.outcome = written;
    this.settleOnce(settled);
  }

  /**
   * Prompt-cache affinity for routes that declare it: the plan starts with the deployment holding the
   * conversation's cache unless switching is worth it; the decision goes into the receipt and reason.
   * Undefined (nothing to do) for other routes; a Promise only when the store reads a shared one (Redis).
   */
  private withAffinity(call: ChatCall, prepared: PreparedRequest, plan: Plan): Affined | Promise<Affined> | undefined {
    const route = plan.route ? this.deps.config.findRoute(plan.route) : undefined;
    const policy = route?.cacheAffinity;
    if (!route || !policy) return undefined;
    const conversation = conversationKey(call.caller.keyId ?? call.caller.keyName, route.name, prepared.body);
    const sticky = this.affinity.get(conversation, this.now());
    if (sticky instanceof Promise) return sticky.then((key) => this.reorderForAffinity(prepared, plan, policy, conversation, key));
    return this.reorderForAffinity(prepared, plan, policy, conversation, sticky);
  }

  private reorderForAffinity(prepared: PreparedRequest, plan: Plan, policy: AffinityPolicy, conversation: string, sticky: string | undefined): Affined {
    const promptTokens = prepared.roughInputTokens();
    const outputTokens = prepared.features.maxOutputTokens ?? 1024;
    const cost = (step: PlanStep, cached: number) => {
      const pricing = step.deployment.model.pricing;
      if (!pricing) return undefined;
      const hit = Math.min(cached, promptTokens);
      return ((promptTokens - hit) * pricing.inputPerMTok + hit * (pricing.cacheReadPerMTok ?? pricing.inputPerMTok) + outputTokens * pricing.outputPerMTok) / 1_000_000;
    };
    // The route's criteria: quality-cost accepts what is within tolerance, task-tier what is in a wanted tier.
    const notes = new Map((plan.receipt?.candidates ?? []).map((c) => [c.deployment, c.note ?? '']));
    const acceptable = (key: string) => {
      if (plan.receipt?.strategy === 'quality-cost') return notes.get(key) === 'within tolerance';
      if (plan.receipt?.strategy === 'task-tier') return (notes.get(key) ?? '').includes('preference');
      return true;
    };
    const { steps, decision } = applyAffinity(plan.steps, sticky, conversation, policy, this.deps.health, promptTokens, cost, acceptable);
    const receipt = plan.receipt
      ? { ...plan.receipt, choice: steps[0]?.deployment.key ?? plan.receipt.choice, applied: { ...(plan.receipt.applied ?? {}), affinity: decision } }
      : undefined;
    const reason = decision.previous ? `${plan.reason}; cache affinity: ${decision.kept ? 'kept' : 'switched'} (${decision.reason})` : plan.reason;
    return { plan: { ...plan, steps, reason, ...(receipt ? { receipt } : {}) }, affinity: { conversation, ttl: policy.ttl } };
  }

  private startAttempt(call: ChatCall, prepared: PreparedRequest, requestedModel: string, step: PlanStep, number: number, startedAt: number, cancellable: boolean): Attempt {
    const model = step.deployment.model;
    const provider = this.deps.providers.get(model.provider);
    if (!provider) throw new GatewayError({ code: 'SWY_ERR_PROVIDER_MISSING', kind: 'internal', origin: 'gateway', message: `Provider ${model.provider} is not running.` });
    const passthrough = provider.passthrough !== undefined && provider.passthroughDialect === call.dialect.name;
    const timeouts = this.deps.config.timeouts;
    return new Attempt(number, step.deployment, call.signal, (signal) => {
      // The request's total deadline bounds every attempt: a retry gets only what is left of it.
      const remaining = Math.max(1, Math.floor(startedAt + timeouts.totalMs - performance.now()));
      const context: CallContext = {
        upstreamModel: model.upstreamModel,
        signal,
        timeouts: remaining < timeouts.totalMs ? { ...timeouts, totalMs: remaining } : timeouts,
        forwardHeaders: call.forwardHeaders,
        model: model.traits,
      };
      // A team's own key for this provider (bring-your-own-key) is used for its calls only.
      const own = call.caller.tenant?.credentials.get(model.provider);
      if (own) context.credentials = own;
      if (passthrough) return openPassthrough(provider, prepared.body, prepared.stream, context, call.dialect.name);
      const encodeContext: EncodeContext = {
        requestedModel,
        servedModel: model.id,
        includeUsage: call.dialect.name === 'openai-chat' && openAIIncludeUsage(prepared.body),
      };
      return openTranslated(provider, prepared.canonical(), context, call.dialect, encodeContext);
    }, cancellable);
  }

  /** x-switchyard-* headers that explain the answer: who served it, by which route and decision, after which failures. */
  private gatewayHeaders(requestId: string, plan: Plan, winner: Attempt, attempts: readonly Attempt[], skipped: readonly string[], ticket: AdmissionTicket | undefined): string[] {
    const model = winner.deployment.model;
    const headers = ['x-switchyard-request-id', requestId, 'x-switchyard-model', model.id, 'x-switchyard-provider', model.provider];
    if (model.simulated) headers.push('x-switchyard-simulated', 'true');
    if (plan.route) headers.push('x-switchyard-route', plan.route);
    if (plan.route || plan.steps.length > 1) headers.push('x-switchyard-decision', headerSafe(plan.reason));
    headers.push('x-switchyard-attempts', attemptsHeader(attempts, skipped));
    if (ticket && ticket.headers.length > 0) headers.push(...ticket.headers);
    return headers;
  }

  /**
   * One row for the request (the committed attempt, or the last one tried), plus one for every other
   * attempt the provider billed (accepted, then failed or lost a hedge). Usage is the provider's when it
   * reported a complete answer, else an estimate (never $0 for tokens that reached the client).
   */
  /** settle, at most once per request. */
  private settleOnce(settled: RunSettlement): void {
    if (settled.done) return;
    settled.done = true;
    const { base, run, health } = settled;
    try {
      this.settle(base, run.prepared, run.plan, settled.attempts, settled.winner, settled.outcome, settled.failure, health, run.totals, run.affinity);
    } finally {
      // The reservation becomes the actual cost of every billed attempt; token windows get the actual count.
      run.ticket?.settle(run.totals.costNanos, run.totals.tokens);
    }
  }

  private settle(base: MeterBase, prepared: PreparedRequest, plan: Plan, attempts: readonly Attempt[], winner: Attempt | undefined, outcome: WriteOutcome, failure: GatewayError | undefined, health: HealthTracker, totals: SettledTotals, affinity?: AffinityTarget): void {
    const stream = prepared.stream;
    const final = winner ?? attempts[attempts.length - 1];
    if (winner) {
      const failed = outcome.failure;
      const ok = !failed || failed.code === 'SWY_ERR_CLIENT_CLOSED' || failed.code === 'SWY_ERR_SHUTTING_DOWN';
      health.ended(winner.deployment.key, ok ? { ok: true, latencyMs: performance.now() - winner.startedAt, ttftMs: winner.ttftMs } : { ok: false, error: failed });
      winner.finish();
      // The answer wrote (or refreshed) the conversation's prompt cache on this deployment.
      if (ok && affinity) void this.affinity.set(affinity.conversation, winner.deployment.key, affinity.ttl, this.now());
    }
    if (!final) {
      // No attempt was made (every candidate unhealthy): the request is still on the ledger.
      this.deps.meter.record({ base, model: plan.steps[0]?.deployment.model, stream, status: failure?.status ?? 500, usage: { inputTokens: 0, outputTokens: 0 }, usageSource: 'none', errorCode: failure?.code, attempt: 0, attempts: 0, final: true });
      return;
    }
    for (const attempt of attempts) {
      const isFinal = attempt === final;
      if (!isFinal && !attempt.billed) continue;
      // The same counts x-switchyard-cost-usd was computed from, when it was.
      const { usage, usageSource } = meteredUsage(attempt, isFinal ? outcome.failure : undefined, prepared.preciseInputTokens);
      const error = isFinal ? (winner ? outcome.failure : (failure ?? attempt.error)) : attempt.error;
      const status = isFinal && winner ? 200 : (error?.status ?? 200);
      totals.tokens += usage.inputTokens + usage.outputTokens;
      totals.costNanos += this.deps.meter.record({
        base,
        model: attempt.deployment.model,
        stream,
        status,
        usage,
        usageSource,
        errorCode: error?.code,
        attempt: attempt.number,
        attempts: attempts.length,
        final: isFinal,
        ...(attempt.ttftMs !== undefined ? { ttftMs: attempt.ttftMs } : {}),
      });
    }
  }
}

/** The request's quality knob; a header that is present but not a number from 0 to 1 is refused. */
function requestedQuality(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = parseQualityHeader(header);
  if (value === undefined) {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'x-switchyard-quality', message: 'x-switchyard-quality: must be a number from 0 (cheapest) to 1 (best).' });
  }
  return value;
}

/** The conversation whose cache the answer writes (or refreshes), and for how long. */
interface AffinityTarget {
  conversation: string;
  ttl: AffinityPolicy['ttl'];
}

/** A plan reordered for prompt-cache affinity. */
interface Affined {
  plan: Plan;
  affinity: AffinityTarget;
}

/** What a request's ledger rows add up to: the actual cost and tokens its budget and token windows are settled with. */
interface SettledTotals {
  costNanos: number;
  tokens: number;
}

/** A request once planned: what the stages after planning read. */
interface PlannedRun {
  readonly call: ChatCall;
  readonly prepared: PreparedRequest;
  readonly requestedModel: string;
  readonly ticket: AdmissionTicket | undefined;
  readonly startedAt: number;
  readonly totals: SettledTotals;
  plan: Plan;
  affinity: AffinityTarget | undefined;
}

/** What settle needs, filled in as the attempt loop and the writer go. */
class RunSettlement {
  attempts: readonly Attempt[] = [];
  winner: Attempt | undefined;
  outcome: WriteOutcome = {};
  failure: GatewayError | undefined;
  done = false;

  constructor(
    readonly base: MeterBase,
    readonly run: PlannedRun,
    readonly health: HealthTracker,
  ) {}
}

/**
 * `1` when the first attempt answered; else the count, what failed and what was skipped as unhealthy:
 * `3; 1=openai/gpt-4.1:503:SWY_ERR_UPSTREAM_ERROR, 2=…; skipped=bedrock/claude`; a hedge that lost is
 * `1=<deployment>:lost-hedge` (or its cancellation error, once recorded).
 */
function attemptsHeader(attempts: readonly Attempt[], skipped: readonly string[]): string {
  if (attempts.length === 1 && skipped.length === 0) return '1';
  const failed = attempts
    .filter((a) => a.error || a.state === 'cancelled')
    .map((a) => (a.error ? `${a.number}=${a.deployment.key}:${a.error.upstreamStatus ?? a.error.status}:${a.error.code}` : `${a.number}=${a.deployment.key}:lost-hedge`))
    .join(', ');
  let value = String(attempts.length);
  if (failed) value += `; ${failed}`;
  if (skipped.length) value += `; skipped=${skipped.join(',')}`;
  return headerSafe(value);
}

/** Header values must be latin-1 without control characters; keep them short. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 1000);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireObject(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw new GatewayError({ code: 'SWY_ERR_INVALID_BODY', kind: 'invalid_request', message: 'The request body must be a JSON object.' });
  return body;
}

/** The `model` field, validated early: routing needs it before the body is decoded. */
function peekModel(body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'model', message: 'model: a model name (string) is required. GET /v1/models lists them.' });
  }
  return model;
}

/**
 * Light checks every request gets before planning (a passthrough upstream validates the rest in the
 * same dialect and its errors come back typed; a translated attempt decodes fully).
 */
function checkBody(dialect: Dialect, body: Record<string, unknown>): void {
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'messages', message: 'messages: a non-empty array of messages is required.' });
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'stream', message: 'stream: must be a boolean.' });
  }
  if (dialect === 'anthropic-messages' && (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'max_tokens', message: 'max_tokens: Field required (a positive integer).' });
  }
}
