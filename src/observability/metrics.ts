import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MeterObserver } from '../server/request-meter.js';

/**
 * Prometheus metrics, named after the OpenTelemetry GenAI semantic conventions where one exists
 * (gen_ai.client.token.usage, gen_ai.client.operation.duration → Prometheus spelling), plus the
 * gateway's own request and spend counters. One registry per gateway instance (no hidden globals).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'provider' | 'status' | 'dialect' | 'stream'>;
  private readonly tokens: Histogram<'model' | 'provider' | 'token_type'>;
  private readonly duration: Histogram<'model' | 'provider' | 'error_type'>;
  private readonly spend: Counter<'model' | 'provider'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'switchyard_requests_total',
      help: 'Chat requests by model, provider, HTTP status, dialect and streaming',
      labelNames: ['model', 'provider', 'status', 'dialect', 'stream'],
      registers: [this.registry],
    });
    this.tokens = new Histogram({
      name: 'gen_ai_client_token_usage',
      help: 'Tokens per request (gen_ai.client.token.usage), by token type input/output',
      labelNames: ['model', 'provider', 'token_type'],
      buckets: [1, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'gen_ai_client_operation_duration_seconds',
      help: 'End-to-end request duration (gen_ai.client.operation.duration)',
      labelNames: ['model', 'provider', 'error_type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [this.registry],
    });
    this.spend = new Counter({
      name: 'switchyard_spend_usd_total',
      help: 'Metered spend in US dollars',
      labelNames: ['model', 'provider'],
      registers: [this.registry],
    });
  }

  /** Feeds every metered request into the metrics. */
  readonly observer: MeterObserver = ({ base, stream, status, usage, costNanos, latencyMs, errorCode }) => {
    const model = base.model.id;
    const provider = base.model.provider;
    this.requests.inc({ model, provider, status: String(status), dialect: base.dialect, stream: stream ? 'true' : 'false' });
    this.tokens.observe({ model, provider, token_type: 'input' }, usage.inputTokens);
    this.tokens.observe({ model, provider, token_type: 'output' }, usage.outputTokens);
    this.duration.observe({ model, provider, error_type: errorCode ?? '' }, latencyMs / 1000);
    if (costNanos > 0) this.spend.inc({ model, provider }, costNanos / 1e9);
  };
}
