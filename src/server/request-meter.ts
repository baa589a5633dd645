import type { ResolvedModel } from '../config/resolve-config.js';
import { countTokensEstimate } from '../dialects/anthropic-messages/count-tokens.js';
import { computeCostNanos } from '../metering/compute-cost.js';
import type { UsageLedger } from '../metering/usage-ledger.js';
import type { ChatRequest, Dialect, GatewayError, Usage } from '../spec/index.js';
import type { Caller } from '../tenancy/api-keys.js';

export interface MeterBase {
  requestId: string;
  caller: Caller;
  dialect: Dialect;
  requestedModel: string;
  model: ResolvedModel;
  /** performance.now() at request start. */
  startedAt: number;
}

export interface MeterObserver {
  (entry: { base: MeterBase; stream: boolean; status: number; usage: Usage; costNanos: number; latencyMs: number; errorCode?: string }): void;
}

/**
 * Turns the end of every request into a ledger entry (usage and cost), including failed and
 * client-aborted ones, so spend is never dropped. Observers (metrics) see the same entries.
 */
export class RequestMeter {
  private readonly observers: MeterObserver[] = [];

  constructor(
    private readonly ledger: UsageLedger | undefined,
    private readonly estimator: (request: ChatRequest) => number = countTokensEstimate,
  ) {}

  observe(observer: MeterObserver): void {
    this.observers.push(observer);
  }

  completed(base: MeterBase, stream: boolean, status: number, usage: Usage | undefined, errorCode?: string): void {
    this.record(base, stream, status, usage ?? { inputTokens: 0, outputTokens: 0 }, errorCode);
  }

  failed(base: MeterBase, stream: boolean, error: GatewayError): void {
    this.record(base, stream, error.status, { inputTokens: 0, outputTokens: 0 }, error.code);
  }

  /**
   * Usage for a stream that ended without the upstream's final count (client disconnect, upstream
   * failure): input estimated from the request, output from the characters already delivered.
   */
  atLeastEstimate(reported: Usage | undefined, request: ChatRequest, emittedChars: number): Usage {
    const inputTokens = Math.max(reported?.inputTokens ?? 0, this.estimator(request));
    const outputTokens = Math.max(reported?.outputTokens ?? 0, Math.ceil(emittedChars / 4));
    return { ...reported, inputTokens, outputTokens };
  }

  private record(base: MeterBase, stream: boolean, status: number, usage: Usage, errorCode?: string): void {
    const costNanos = computeCostNanos(usage, base.model.pricing);
    const latencyMs = Math.round(performance.now() - base.startedAt);
    this.ledger?.record({
      request_id: base.requestId,
      created_at: new Date().toISOString(),
      key_name: base.caller.keyName,
      dialect: base.dialect,
      requested_model: base.requestedModel,
      model: base.model.id,
      provider: base.model.provider,
      stream: stream ? 1 : 0,
      status,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_tokens: usage.cacheReadTokens ?? 0,
      cache_write_tokens: usage.cacheWriteTokens ?? 0,
      reasoning_tokens: usage.reasoningTokens ?? 0,
      cost_nanos: costNanos,
      latency_ms: latencyMs,
      error_code: errorCode ?? null,
    });
    for (const observer of this.observers) observer({ base, stream, status, usage, costNanos, latencyMs, errorCode });
  }
}
