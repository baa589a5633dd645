import { Registry, collectDefaultMetrics } from 'prom-client';
import type { RedisAffinityStats } from '../routing/learned/shared-affinity-store.js';
import type { BreakerState, HealthTracker } from '../routing/health/health-tracker.js';
import type { MeterObserver } from '../server/request-meter.js';

/**
 * Prometheus metrics, named after the OpenTelemetry GenAI semantic conventions where one exists
 * (gen_ai.client.token.usage, gen_ai.client.operation.duration → Prometheus spelling), plus the
 * gateway's own request and spend counters. One instance per gateway (no hidden globals).
 *
 * The per-request series are kept here in plain arrays and rendered at scrape time: prom-client hashes
 * the label set on every observation, even on label-bound children (~3% of a passthrough request's
 * CPU in profiles). prom-client still provides the process metrics (CPU, memory, event loop lag).
 */
const TOKEN_BUCKETS = [1, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      if (value <= buckets[i]) {
        this.counts[i]++;
        return;
      }
    }
  }

  render(name: string, out: string[]): void {
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += this.counts[i];
      out.push(`${name}_bucket{${this.labels},le="${this.buckets[i]}"} ${cumulative}`);
    }
    out.push(`${name}_bucket{${this.labels},le="+Inf"} ${this.count}`);
    out.push(`${name}_sum{${this.labels}} ${this.sum}`);
    out.push(`${name}_count{${this.labels}} ${this.count}`);
  }
}

interface CounterSeries {
  labels: string;
  value: number;
}

/** The series of one (model, provider, dialect, stream) combination, found with one Map lookup. */
interface ModelSeries {
  model: string;
  provider: string;
  dialect: string;
  stream: string;
  requests: Map<number, CounterSeries>;
  inputTokens: HistogramSeries;
  outputTokens: HistogramSeries;
  duration: HistogramSeries;
  spend: CounterSeries;
}

/** The breaker gauge's values: 0 closed, 1 half-open, 2 open. */
const BREAKER_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly series = new Map<string, ModelSeries>();
  private readonly errorDurations = new Map<string, HistogramSeries>();
  /** Spend per model/provider, shared by the series of every dialect and stream flag. */
  private readonly spend = new Map<string, CounterSeries>();
  private health?: HealthTracker;
  private readonly budgetAlerts = { team: 0, key: 0 };
  private healthKeys?: () => readonly string[];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The whole exposition: process metrics from prom-client, then the gateway's series. */
  async render(): Promise<string> {
    return (await this.registry.metrics()) + this.renderOwn();
  }

  /**
   * Per-deployment gauges (breaker state, in-flight attempts, TTFT moving average) are read from the
   * health tracker at scrape time. `keys` lists deployments to show even before their first attempt
   * (the configured ones); the tracker's own entries are always shown.
   */
  attachHealth(health: HealthTracker, keys?: () => readonly string[]): void {
    this.health = health;
    this.healthKeys = keys;
  }

  /**
   * The fleet's shared prompt-cache affinity map (Redis; see shared-affinity-store.ts): its counters
   * are read at scrape time. Not attached on a single replica (no Redis, nothing to count).
   */
  attachAffinity(stats: () => Readonly<RedisAffinityStats>): void {
    this.affinityStats = stats;
  }

  private affinityStats: (() => Readonly<RedisAffinityStats>) | undefined;

  /** A budget crossed its alert threshold (counted once per period per replica). */
  budgetAlert(scope: 'team' | 'key'): void {
    this.budgetAlerts[scope]++;
  }

  private seriesFor(model: string, provider: string, dialect: string, stream: boolean): ModelSeries {
    const key = `${model}\u0000${provider}\u0000${dialect}\u0000${stream}`;
    let found = this.series.get(key);
    if (!found) {
      const mp = `model="${label(model)}",provider="${label(provider)}"`;
      let spend = this.spend.get(mp);
      if (!spend) {
        spend = { labels: mp, value: 0 };
        this.spend.set(mp, spend);
      }
      const existing = [...this.series.values()].find((s) => s.model === model && s.provider === provider);
      found = {
        model,
        provider,
        dialect,
        stream: stream ? 'true' : 'false',
        requests: new Map(),
        // token and duration histograms are per model/provider: reuse them across dialects
        inputTokens: existing?.inputTokens ?? new HistogramSeries(`${mp},token_type="input"`, TOKEN_BUCKETS),
        outputTokens: existing?.outputTokens ?? new HistogramSeries(`${mp},token_type="output"`, TOKEN_BUCKETS),
        duration: existing?.duration ?? new HistogramSeries(`${mp},error_type=""`, DURATION_BUCKETS),
        spend,
      };
      this.series.set(key, found);
    }
    return found;
  }

  /** Feeds every metered request into the metrics. */
  readonly observer: MeterObserver = ({ base, model, stream, status, usage, errorCode }, costNanos, latencyMs) => {
    const series = this.seriesFor(model?.id ?? '', model?.provider ?? '', base.dialect, stream);
    let requests = series.requests.get(status);
    if (!requests) {
      requests = {
        labels: `model="${label(series.model)}",provider="${label(series.provider)}",status="${status}",dialect="${series.dialect}",stream="${series.stream}"`,
        value: 0,
      };
      series.requests.set(status, requests);
    }
    requests.value++;
    series.inputTokens.observe(usage.inputTokens);
    series.outputTokens.observe(usage.outputTokens);
    if (errorCode) this.errorDuration(series, errorCode).observe(latencyMs / 1000);
    else series.duration.observe(latencyMs / 1000);
    if (costNanos > 0) series.spend.value += costNanos / 1e9;
  };

  private errorDuration(series: ModelSeries, errorCode: string): HistogramSeries {
    const labels = `model="${label(series.model)}",provider="${label(series.provider)}",error_type="${label(errorCode)}"`;
    let found = this.errorDurations.get(labels);
    if (!found) {
      found = new HistogramSeries(labels, DURATION_BUCKETS);
      this.errorDurations.set(labels, found);
    }
    return found;
  }

  private renderOwn(): string {
    const all = [...this.series.values()];
    const unique = <T>(items: T[]) => [...new Set(items)];
    const out: string[] = [];
    out.push('# HELP switchyard_requests_total Chat requests by model, provider, HTTP status, dialect and streaming', '# TYPE switchyard_requests_total counter');
    for (const series of all) for (const counter of series.requests.values()) out.push(`switchyard_requests_total{${counter.labels}} ${counter.value}`);
    out.push('# HELP gen_ai_client_token_usage Tokens per request (gen_ai.client.token.usage), by token type input/output', '# TYPE gen_ai_client_token_usage histogram');
    for (const histogram of unique(all.flatMap((s) => [s.inputTokens, s.outputTokens]))) histogram.render('gen_ai_client_token_usage', out);
    out.push('# HELP gen_ai_client_operation_duration_seconds End-to-end request duration (gen_ai.client.operation.duration)', '# TYPE gen_ai_client_operation_duration_seconds histogram');
    for (const histogram of [...unique(all.map((s) => s.duration)), ...this.errorDurations.values()]) histogram.render('gen_ai_client_operation_duration_seconds', out);
    out.push('# HELP switchyard_spend_usd_total Metered spend in US dollars', '# TYPE switchyard_spend_usd_total counter');
    for (const spend of this.spend.values()) out.push(`switchyard_spend_usd_total{${spend.labels}} ${spend.value}`);
    out.push('# HELP switchyard_budget_alerts_total Budgets whose spend crossed their alert threshold, by scope (team or key)', '# TYPE switchyard_budget_alerts_total counter');
    for (const scope of ['team', 'key'] as const) out.push(`switchyard_budget_alerts_total{scope="${scope}"} ${this.budgetAlerts[scope]}`);
    if (this.affinityStats) {
      const stats = this.affinityStats();
      out.push('# HELP switchyard_affinity_redis_total Shared prompt-cache affinity map (Redis): reads answered, reads failed (the replica map answered), reads timed out (also failed), values ignored, writes acknowledged, writes failed', '# TYPE switchyard_affinity_redis_total counter');
      for (const [outcome, field] of AFFINITY_OUTCOMES) out.push(`switchyard_affinity_redis_total{outcome="${outcome}"} ${stats[field]}`);
    }
    if (this.health) this.renderHealth(this.health, out);
    return out.join('\n') + '\n';
  }

  private renderHealth(health: HealthTracker, out: string[]): void {
    const views = new Map(health.entries());
    for (const key of this.healthKeys?.() ?? []) if (!views.has(key)) views.set(key, health.get(key));
    const rows = [...views].map(([key, view]) => ({ labels: `deployment="${label(key)}"`, view }));
    out.push('# HELP switchyard_deployment_breaker_state Circuit breaker state per deployment (0 closed, 1 half-open, 2 open)', '# TYPE switchyard_deployment_breaker_state gauge');
    for (const { labels, view } of rows) out.push(`switchyard_deployment_breaker_state{${labels}} ${BREAKER_VALUE[view.breaker]}`);
    out.push('# HELP switchyard_deployment_in_flight Attempts in flight per deployment', '# TYPE switchyard_deployment_in_flight gauge');
    for (const { labels, view } of rows) out.push(`switchyard_deployment_in_flight{${labels}} ${view.inFlight}`);
    out.push('# HELP switchyard_deployment_ttft_ewma_seconds Moving average of time to first token per deployment (absent until measured)', '# TYPE switchyard_deployment_ttft_ewma_seconds gauge');
    for (const { labels, view } of rows) if (view.ttftMs !== undefined) out.push(`switchyard_deployment_ttft_ewma_seconds{${labels}} ${view.ttftMs / 1000}`);
  }
}

const AFFINITY_OUTCOMES: ReadonlyArray<readonly [string, keyof RedisAffinityStats]> = [
  ['read', 'reads'],
  ['read_failure', 'readFailures'],
  ['read_timeout', 'readTimeouts'],
  ['ignored', 'ignored'],
  ['write', 'writes'],
  ['write_failure', 'writeFailures'],
];
