import type { ResolvedConfig, ResolvedModel, ResolvedRoute } from '../config/resolve-config.js';
import { GatewayError } from '../spec/errors.js';
import type { CandidateFilter, FilterVerdict } from './candidate-filters.js';
import { prefersReasoning } from './candidate-filters.js';
import { toDeployment, type Deployment } from './deployment.js';
import { unknownModelError } from './unknown-model.js';
import type { HealthTracker } from './health/health-tracker.js';
import type { RequestFeatures } from './request-features.js';
import { strategyFor } from './strategies/index.js';
import type { Candidate, DecisionReceipt, LearnedContext } from './strategies/strategy.js';

/** Retries of one candidate: how many after the first attempt, and the backoff bounds. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface HedgePolicy {
  readonly delayMs: number;
  readonly adaptive: boolean;
}

/** One deployment of the plan, in the order the attempt loop tries them. */
export interface PlanStep {
  readonly deployment: Deployment;
  readonly retries: RetryPolicy;
  readonly hedge?: HedgePolicy;
  /** Which route (or `model`) put it in the plan, and whether as a fallback. */
  readonly via: string;
}

export interface FilteredCandidate {
  readonly model: string;
  readonly deployment: string;
  readonly via: string;
  readonly verdict: FilterVerdict;
}

export interface Plan {
  /** The name the client sent. */
  readonly requested: string;
  /** The route, when the name is one. */
  readonly route?: string;
  readonly steps: readonly PlanStep[];
  /** Strategy and why the first step is first. */
  readonly reason: string;
  readonly filtered: readonly FilteredCandidate[];
  /** Per-deployment strategy notes (scores, prices, latencies), for explain. */
  readonly scores: Readonly<Record<string, string>>;
  /** The decision receipt of the first ranked route, when its strategy scores declared criteria. */
  readonly receipt?: DecisionReceipt;
}

export interface PlanContext {
  readonly requestId: string;
  readonly features: RequestFeatures;
  readonly health: HealthTracker;
  readonly now: number;
  /** Estimated prompt tokens (bounded cost; used by `cheapest` and the context-length filter). */
  readonly inputTokens: () => number;
  /** Capability filter first, then policy filters (team and key allow-lists). */
  readonly filters: readonly CandidateFilter[];
  /** The learned router for this request (needed by routes whose strategy is task-tier or quality-cost). */
  readonly learned?: LearnedContext;
}

/** A plain model requested by name: no retries of its own, its declared fallbacks after it. */
const MODEL_RETRIES: RetryPolicy = Object.freeze({ attempts: 0, backoffMs: 100, maxBackoffMs: 2_000 });

/**
 * Turns the client's `model` (a route, a model id or an alias) into an ordered plan of deployments:
 * a route's candidates are filtered (capabilities, context length, policy), then ranked by its strategy;
 * its fallbacks (routes or models) follow, each expanded the same way; a deployment appears once.
 */
export function planRequest(config: ResolvedConfig, requested: string, context: PlanContext): Plan {
  // The common case — a model by name, no fallbacks — without the general expansion's sets and closures.
  const direct = config.findRoute(requested) ? undefined : config.findModel(requested);
  if (direct && direct.fallbacks.length === 0) return planModel(requested, direct, context);
  const steps: PlanStep[] = [];
  const filtered: FilteredCandidate[] = [];
  const scores: Record<string, string> = {};
  const seen = new Set<string>();
  const expanded = new Set<string>();
  let reason = '';
  let receipt: DecisionReceipt | undefined;

  const addRoute = (route: ResolvedRoute, via: string) => {
    const candidates: Candidate[] = [];
    for (const candidate of route.candidates) {
      const verdict = firstVerdict(context.filters, candidate.model, context.features);
      const deployment = toDeployment(candidate.model);
      if (verdict) filtered.push({ model: candidate.model.id, deployment: deployment.key, via, verdict });
      else if (!seen.has(deployment.key)) candidates.push({ deployment, weight: candidate.weight });
    }
    const preferred = candidates.filter((c) => prefersReasoning(c.deployment.model, context.features));
    const pool = preferred.length > 0 ? preferred : candidates;
    if (pool.length > 0) {
      const ranking = strategyFor(route.strategy).rank(pool, {
        requestId: context.requestId,
        inputTokens: context.inputTokens(),
        outputTokens: context.features.maxOutputTokens ?? 1024,
        health: context.health,
        now: context.now,
        route,
        ...(context.learned ? { learned: context.learned } : {}),
      });
      if (!reason) reason = ranking.reason;
      if (!receipt && ranking.receipt) receipt = ranking.receipt;
      Object.assign(scores, ranking.scores ?? {});
      for (const candidate of ranking.ordered) {
        seen.add(candidate.deployment.key);
        steps.push({ deployment: candidate.deployment, retries: route.retries, ...(route.hedge ? { hedge: route.hedge } : {}), via });
      }
    }
    for (const fallback of route.fallbacks) addTarget(fallback, `${via} fallback`);
  };

  const addModel = (model: ResolvedModel, via: string) => {
    const deployment = toDeployment(model);
    const verdict = firstVerdict(context.filters, model, context.features);
    if (verdict) filtered.push({ model: model.id, deployment: deployment.key, via, verdict });
    else if (!seen.has(deployment.key)) {
      seen.add(deployment.key);
      steps.push({ deployment, retries: MODEL_RETRIES, via });
      if (!reason) reason = `model: ${model.id} requested by name`;
    }
    for (const fallback of model.fallbacks) addTarget(fallback, `${via} fallback`);
  };

  const addTarget = (name: string, via: string) => {
    if (expanded.has(name)) return;
    expanded.add(name);
    const route = config.findRoute(name);
    if (route) return addRoute(route, via === 'request' ? `route ${name}` : `${via} ${name}`);
    const model = config.findModel(name);
    if (model) return addModel(model, via === 'request' ? 'model' : `${via} ${model.id}`);
    if (via === 'request') throw unknownModelError(config, name);
  };

  addTarget(requested, 'request');
  const route = config.findRoute(requested);
  if (steps.length === 0) throw noCandidate(requested, filtered);
  return { requested, ...(route ? { route: route.name } : {}), steps, reason, filtered, scores, ...(receipt ? { receipt } : {}) };
}

/** planRequest for a model requested by name that declares no fallbacks (the same plan the general path makes). */
function planModel(requested: string, model: ResolvedModel, context: PlanContext): Plan {
  const deployment = toDeployment(model);
  const verdict = firstVerdict(context.filters, model, context.features);
  if (verdict) throw noCandidate(requested, [{ model: model.id, deployment: deployment.key, via: 'model', verdict }]);
  let reason = modelReasons.get(model);
  if (reason === undefined) {
    reason = `model: ${model.id} requested by name`;
    modelReasons.set(model, reason);
  }
  return { requested, steps: [{ deployment, retries: MODEL_RETRIES, via: 'model' }], reason, filtered: [], scores: {} };
}

const modelReasons = new WeakMap<ResolvedModel, string>();

function firstVerdict(filters: readonly CandidateFilter[], model: ResolvedModel, features: RequestFeatures): FilterVerdict | undefined {
  for (const filter of filters) {
    const verdict = filter(model, features);
    if (verdict) return verdict;
  }
  return undefined;
}

/** Every candidate was filtered out: with one candidate its own reason, else every reason listed. */
function noCandidate(requested: string, filtered: readonly FilteredCandidate[]): GatewayError {
  const codes = new Set(filtered.map((f) => f.verdict.code));
  if (filtered.length === 1 || codes.size === 1) {
    const first = filtered[0].verdict;
    const message = filtered.length === 1 ? first.message : `No candidate of '${requested}' can serve this request: ${filtered.map((f) => f.verdict.message).join(' ')}`;
    return new GatewayError({ code: first.code, kind: 'invalid_request', origin: 'client', param: first.param, message });
  }
  return new GatewayError({
    code: 'SWY_ERR_NO_CANDIDATE',
    kind: 'invalid_request',
    origin: 'client',
    param: 'model',
    message: `No candidate of '${requested}' can serve this request: ${filtered.map((f) => `${f.model}: ${f.verdict.message}`).join(' ')}`,
  });
}
