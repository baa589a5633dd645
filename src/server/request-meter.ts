import type { ResolvedModel } from '../config/resolve-config.js';
import { computeCostNanos } from '../metering/compute-cost.js';
import type { UsageLedger } from '../metering/usage-ledger.js';
import type { Dialect, Usage } from '../spec/index.js';
import type { Caller } from '../tenancy/api-keys.js';

/** What is known about a request for all of its ledger rows. */
export interface MeterBase {
  requestId: string;
  caller: Caller;
  dialect: Dialect;
  requestedModel: string;
  /** performance.now() at request start. */
  startedAt: number;
  /** The route the client named, when it named one. */
  route?: string;
  /** Strategy and reason of the plan (x-switchyard-decision). */
  decision?: string;
  /** The plan's decision receipt (JSON) and the SHA-256 of its declared policy, on the request's own row. */
  receipt?: string;
  policyHash?: string;
}

/** Whether token counts came from the provider or were estimated by the gateway (cut streams, failures). */
export type UsageSource = 'reported' | 'estimated' | 'none';

/** One ledger row: the request's final answer, or one more billed upstream attempt of it. */
export interface MeterEntry {
  base: MeterBase;
  /** The model that answered (or was last tried); undefined when no model was ever chosen. */
  model?: ResolvedModel;
  stream: boolean;
  status: number;
  usage: Usage;
  usageSource: UsageSource;
  errorCode?: string;
  /** 1-based number of this attempt, and how many attempts the request made (0 when none). */
  attempt: number;
  attempts: number;
  /** This row answers for the request (the committed attempt, or the last one tried). */
  final?: boolean;
  ttftMs?: number;
}

/** Sees every ledger row as it is recorded: the entry, its cost (nano-dollars) and the request's latency (ms). */
export interface MeterObserver {
  (entry: MeterEntry, costNanos: number, latencyMs: number): void;
}

const NO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0 }) as Usage;

/**
 * Turns the end of every request and of every billed upstream attempt into a ledger row (usage and
 * cost), including failed and client-aborted ones, so spend is never dropped. Observers (metrics)
 * see the same rows.
 */
export class RequestMeter {
  private readonly observers: MeterObserver[] = [];

  constructor(private readonly ledger: UsageLedger | undefined) {}

  observe(observer: MeterObserver): void {
    this.observers.push(observer);
  }

  /** Records the row; returns its cost (nano-dollars). */
  record(entry: MeterEntry): number {
    const usage = entry.usage ?? NO_USAGE;
    const model = entry.model;
    const costNanos = model ? computeCostNanos(usage, model.pricing) : 0;
    const latencyMs = Math.round(performance.now() - entry.base.startedAt);
    const base = entry.base;
    this.ledger?.record({
      request_id: base.requestId,
      created_at: isoNow(),
      key_name: base.caller.keyName,
      dialect: base.dialect,
      requested_model: base.requestedModel,
      model: model?.id ?? '',
      provider: model?.provider ?? '',
      stream: entry.stream ? 1 : 0,
      status: entry.status,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_tokens: usage.cacheReadTokens ?? 0,
      cache_write_tokens: usage.cacheWriteTokens ?? 0,
      reasoning_tokens: usage.reasoningTokens ?? 0,
      cost_nanos: costNanos,
      latency_ms: latencyMs,
      error_code: entry.errorCode ?? null,
      route: base.route ?? null,
      attempt: entry.attempt,
      attempts: entry.attempts,
      decision: base.decision ?? null,
      usage_source: entry.usageSource,
      ttft_ms: entry.ttftMs === undefined ? null : Math.round(entry.ttftMs),
      team_id: base.caller.teamId ?? null,
      key_id: base.caller.keyId ?? null,
      // The receipt goes on the row that answers for the request (attempt 0/1 … the final), once.
      receipt: entry.final ? (base.receipt ?? null) : null,
      policy_hash: entry.final ? (base.policyHash ?? null) : null,
    });
    for (const observer of this.observers) observer(entry.usage === usage ? entry : { ...entry, usage }, costNanos, latencyMs);
    return costNanos;
  }
}

let isoMs = -1;
let isoText = '';

/** `new Date().toISOString()`, formatted once per millisecond (many rows share one at load). */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/**
 * Usage for an answer that ended without the upstream's final count (client disconnect, upstream
 * failure, shutdown): the larger of what the upstream reported so far and an estimate, input from the
 * request, output from the characters already delivered (about 4 per token).
 */
export function estimateUsage(reported: Usage | undefined, inputTokens: number, deliveredChars: number): Usage {
  return {
    ...reported,
    inputTokens: Math.max(reported?.inputTokens ?? 0, inputTokens),
    outputTokens: Math.max(reported?.outputTokens ?? 0, Math.ceil(deliveredChars / 4)),
  };
}
