import { learnedContext, type LearnedRouter } from './learned/learned-context.js';
import type { DecisionReceipt } from './strategies/strategy.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { DialectCodec } from '../dialects/dialect.js';
import { anthropicMessagesDialect } from '../dialects/anthropic-messages/index.js';
import { openaiChatDialect } from '../dialects/openai-chat/index.js';
import { PreparedRequest } from '../execution/prepared-request.js';
import { GatewayError, invalidRequest } from '../spec/errors.js';
import type { Dialect } from '../spec/index.js';
import { capabilityFilter, type CandidateFilter, type FilterVerdict } from './candidate-filters.js';
import { deploymentKey } from './deployment.js';
import type { DeploymentHealth, HealthTracker } from './health/health-tracker.js';
import { planRequest, type HedgePolicy, type Plan, type RetryPolicy } from './plan-request.js';

/** What to explain: a model name (route, model id or alias) and a request, as a chat body or a bare prompt. */
export interface ExplainInput {
  readonly model: string;
  /** The dialect of `body` (default openai-chat). */
  readonly dialect?: Dialect;
  /** A chat request body in `dialect`; its `model` field is ignored in favour of `model`. */
  readonly body?: Record<string, unknown>;
  /** Used when no body is given: becomes one user message. */
  readonly prompt?: string;
  /** The `weighted` strategy is deterministic per request id; default `explain`. */
  readonly requestId?: string;
  /** ms timestamp for the strategies and cooldown arithmetic (same clock as the health tracker). */
  readonly now: number;
  /** Policy filters after the capability filter, as the pipeline would apply them for a caller. */
  readonly filters?: readonly CandidateFilter[];
  /** The learned router, for routes whose strategy is task-tier or quality-cost (their receipt is explained too). */
  readonly learned?: LearnedRouter;
  /** `x-switchyard-quality` for quality-cost routes. */
  readonly quality?: number;
}

/** A deployment's health as JSON (snake_case; milliseconds; null when not measured). */
export interface HealthJson {
  breaker: DeploymentHealth['breaker'];
  /** Timestamp (ms, the tracker's clock) until which it cools down; null when not cooling down. */
  cooldown_until: number | null;
  cooldown_remaining_ms: number | null;
  latency_ewma_ms: number | null;
  ttft_ewma_ms: number | null;
  ttft_p95_ms: number | null;
  in_flight: number;
  consecutive_failures: number;
  error_rate: number;
  remaining_requests: number | null;
  remaining_tokens: number | null;
  remaining_read_at: number | null;
}

export interface ExplainedCandidate {
  /** 1..n in the order the attempt loop would try them; null when filtered. */
  rank: number | null;
  status: 'planned' | 'filtered';
  deployment: string;
  model: string;
  provider: string;
  provider_type: string;
  /** Which route (or `model`) brought it in, and whether as a fallback; null when unknown (every candidate filtered). */
  via: string | null;
  /** Set when filtered: the error a client would get if this were the only candidate. */
  verdict: { code: string; param: string; message: string } | null;
  /** The strategy's note for this deployment (score, price, latency…). */
  score: string | null;
  /** Planned steps: retries of this step (its route's policy) and hedging. */
  retries: { attempts: number; backoff_ms: number; max_backoff_ms: number } | null;
  hedge: { delay_ms: number; adaptive: boolean } | null;
  /** Would the attempt loop try it now (breaker not open, not cooling down)? An unavailable planned step is ranked last. */
  available: boolean;
  health: HealthJson;
}

export interface RouteExplanation {
  requested: string;
  dialect: Dialect;
  /** The route the name resolved to; null for a model id or alias. */
  route: {
    name: string;
    strategy: string;
    candidates: string[];
    retries: { attempts: number; backoff_ms: number; max_backoff_ms: number };
    hedge: { delay_ms: number; adaptive: boolean } | null;
    fallbacks: string[];
    description: string | null;
  } | null;
  /** For a model requested by name: the model it resolved to and its fallbacks. */
  model: { id: string; fallbacks: string[] } | null;
  features: {
    stream: boolean;
    tools: boolean;
    images: number;
    remote_images: number;
    json: boolean;
    reasoning: boolean;
    text_chars: number;
    max_output_tokens: number | null;
  };
  /** The tokenizer estimate (context-length filter) and the rough one the strategies rank with. */
  input_tokens: { estimated: number; rough: number };
  /** Output tokens the strategies assume (the request's max tokens, else 1024). */
  output_tokens: number;
  /** Strategy and why the first step is first; null when nothing could be planned. */
  reason: string | null;
  /** The decision receipt, for strategies that score declared criteria (task-tier, quality-cost). */
  receipt: DecisionReceipt | null;
  /** Set when every candidate was filtered out: the error the client would get. */
  error: { code: string; message: string } | null;
  /** Planned steps by rank, then filtered candidates. */
  candidates: ExplainedCandidate[];
}

const CODECS: Readonly<Record<Dialect, DialectCodec>> = {
  'openai-chat': openaiChatDialect,
  'anthropic-messages': anthropicMessagesDialect,
};

/** Output tokens the planner assumes when the request does not say (keep in step with planRequest). */
const DEFAULT_OUTPUT_TOKENS = 1024;

export function isDialect(value: unknown): value is Dialect {
  return typeof value === 'string' && Object.hasOwn(CODECS, value);
}

/** The smallest valid chat body of a dialect carrying `prompt` as one user message. */
export function promptBody(dialect: Dialect, model: string, prompt: string): Record<string, unknown> {
  const messages = [{ role: 'user', content: prompt }];
  return dialect === 'anthropic-messages' ? { model, max_tokens: DEFAULT_OUTPUT_TOKENS, messages } : { model, messages };
}

/**
 * Explains how a request for `model` would be routed now: the route and its policy, what the request
 * needs (features, token estimates), and every candidate of the route and its fallbacks — planned with
 * its rank, or filtered with the reason — with the strategy's note and the deployment's health. The
 * order, the filtering and the notes come from planRequest itself (the same call the pipeline makes),
 * so the explanation cannot drift from the decision. Reads health without reserving anything.
 * Throws the pipeline's GatewayError for an unknown model name.
 */
export function explainRoute(config: ResolvedConfig, health: HealthTracker, input: ExplainInput): RouteExplanation {
  const dialect = input.dialect ?? 'openai-chat';
  if (!isDialect(dialect)) throw invalidRequest(`dialect: must be one of ${Object.keys(CODECS).join(', ')}.`, 'dialect');
  const body = input.body ? { ...input.body, model: input.model } : promptBody(dialect, input.model, input.prompt ?? '');
  const prepared = new PreparedRequest(CODECS[dialect], body);
  const features = prepared.features;

  // Every verdict the filters give, in walk order: the only record left when every candidate is filtered.
  const verdicts: Array<{ model: string; provider: string; providerType: string; deployment: string; verdict: FilterVerdict }> = [];
  const capability = capabilityFilter(prepared.preciseInputTokens);
  const recording: CandidateFilter = (model, requestFeatures) => {
    for (const filter of [capability, ...(input.filters ?? [])]) {
      const verdict = filter(model, requestFeatures);
      if (verdict) {
        verdicts.push({ model: model.id, provider: model.provider, providerType: model.providerType, deployment: deploymentKey(model), verdict });
        return verdict;
      }
    }
    return undefined;
  };

  let plan: Plan | undefined;
  let error: GatewayError | undefined;
  try {
    plan = planRequest(config, input.model, {
      requestId: input.requestId ?? 'explain',
      features,
      health,
      now: input.now,
      inputTokens: prepared.roughInputTokens,
      filters: [recording],
      ...(input.learned ? { learned: learnedContext(input.learned, body, { tools: features.tools, ...(input.quality !== undefined ? { requestedQuality: input.quality } : {}) }) } : {}),
    });
  } catch (caught) {
    // An unknown name is the caller's mistake: it is thrown as the pipeline would. A known name whose
    // candidates were all filtered out is explained, with the error the client would get.
    const known = config.findRoute(input.model) !== undefined || config.findModel(input.model) !== undefined;
    if (!GatewayError.is(caught) || !known) throw caught;
    error = caught;
  }

  const candidates: ExplainedCandidate[] = [];
  const now = input.now;
  if (plan) {
    plan.steps.forEach((step, i) => {
      const model = step.deployment.model;
      candidates.push({
        rank: i + 1,
        status: 'planned',
        deployment: step.deployment.key,
        model: model.id,
        provider: model.provider,
        provider_type: model.providerType,
        via: step.via,
        verdict: null,
        score: plan!.scores[step.deployment.key] ?? null,
        retries: retriesJson(step.retries),
        hedge: step.hedge ? hedgeJson(step.hedge) : null,
        available: health.isAvailable(step.deployment.key),
        health: healthJson(health.get(step.deployment.key), now),
      });
    });
    for (const filtered of plan.filtered) {
      const model = config.findModel(filtered.model);
      candidates.push(filteredJson(health, now, filtered.deployment, filtered.model, model?.provider ?? '', model?.providerType ?? '', filtered.via, filtered.verdict));
    }
  } else {
    for (const v of verdicts) candidates.push(filteredJson(health, now, v.deployment, v.model, v.provider, v.providerType, null, v.verdict));
  }

  const route = config.findRoute(input.model);
  const model = route ? undefined : config.findModel(input.model);
  return {
    requested: input.model,
    dialect,
    route: route
      ? {
          name: route.name,
          strategy: route.strategy,
          candidates: route.candidates.map((c) => c.model.id),
          retries: retriesJson(route.retries),
          hedge: route.hedge ? hedgeJson(route.hedge) : null,
          fallbacks: [...route.fallbacks],
          description: route.description ?? null,
        }
      : null,
    model: model ? { id: model.id, fallbacks: [...model.fallbacks] } : null,
    features: {
      stream: features.stream,
      tools: features.tools,
      images: features.images,
      remote_images: features.remoteImages,
      json: features.json,
      reasoning: features.reasoning,
      text_chars: features.textChars,
      max_output_tokens: features.maxOutputTokens ?? null,
    },
    input_tokens: { estimated: prepared.preciseInputTokens(), rough: prepared.roughInputTokens() },
    output_tokens: features.maxOutputTokens ?? DEFAULT_OUTPUT_TOKENS,
    reason: plan?.reason ?? null,
    receipt: plan?.receipt ?? null,
    error: error ? { code: error.code, message: error.message } : null,
    candidates,
  };
}

function filteredJson(
  health: HealthTracker,
  now: number,
  deployment: string,
  model: string,
  provider: string,
  providerType: string,
  via: string | null,
  verdict: FilterVerdict,
): ExplainedCandidate {
  return {
    rank: null,
    status: 'filtered',
    deployment,
    model,
    provider,
    provider_type: providerType,
    via,
    verdict: { code: verdict.code, param: verdict.param, message: verdict.message },
    score: null,
    retries: null,
    hedge: null,
    available: health.isAvailable(deployment),
    health: healthJson(health.get(deployment), now),
  };
}

function retriesJson(retries: RetryPolicy): { attempts: number; backoff_ms: number; max_backoff_ms: number } {
  return { attempts: retries.attempts, backoff_ms: retries.backoffMs, max_backoff_ms: retries.maxBackoffMs };
}

function hedgeJson(hedge: HedgePolicy): { delay_ms: number; adaptive: boolean } {
  return { delay_ms: hedge.delayMs, adaptive: hedge.adaptive };
}

/** A deployment's health as snake_case JSON (shared by explain and GET /admin/health). */
export function healthJson(health: DeploymentHealth, now: number): HealthJson {
  const cooling = health.cooldownUntil !== undefined && health.cooldownUntil > now;
  return {
    breaker: health.breaker,
    cooldown_until: cooling ? health.cooldownUntil! : null,
    cooldown_remaining_ms: cooling ? health.cooldownUntil! - now : null,
    latency_ewma_ms: round(health.latencyMs, 1),
    ttft_ewma_ms: round(health.ttftMs, 1),
    ttft_p95_ms: round(health.ttftP95Ms, 1),
    in_flight: health.inFlight,
    consecutive_failures: health.consecutiveFailures,
    error_rate: round(health.errorRate, 4) ?? 0,
    remaining_requests: health.remainingRequests ?? null,
    remaining_tokens: health.remainingTokens ?? null,
    remaining_read_at: health.remainingReadAt ?? null,
  };
}

function round(value: number | undefined, decimals: number): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
