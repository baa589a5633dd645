import { describe, expect, it } from 'vitest';
import type { ResolvedModel } from '../../src/config/resolve-config.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';

const model = { id: 'm"1', provider: 'p' } as ResolvedModel;
const base = { requestId: 'r', caller: { keyName: 'k', role: 'user' as const }, dialect: 'openai-chat' as const, requestedModel: 'm', startedAt: 0 };
const row = { model, usageSource: 'reported' as const, attempt: 1, attempts: 1 };

describe('gateway metrics exposition', () => {
  it('renders cumulative histogram buckets, sums, counts, counters and spend with escaped labels', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    for (const [input, output] of [[10, 100], [20, 2000], [5000, 3]]) {
      metrics.observer({ base, ...row, stream: false, status: 200, usage: { inputTokens: input, outputTokens: output } }, 1_500_000, 30);
    }
    metrics.observer({ base, ...row, stream: true, status: 200, usage: { inputTokens: 1, outputTokens: 1 } }, 0, 7);
    const text = await metrics.render();
    const labels = 'model="m\\"1",provider="p"';
    expect(text).toContain(`switchyard_requests_total{${labels},status="200",dialect="openai-chat",stream="false"} 3`);
    expect(text).toContain(`switchyard_requests_total{${labels},status="200",dialect="openai-chat",stream="true"} 1`);
    // input tokens 10, 20, 5000, 1 → le=16: 2 (10 and 1), le=64: 3, le=4096: 3, le=16384: 4
    expect(text).toContain(`gen_ai_client_token_usage_bucket{${labels},token_type="input",le="16"} 2`);
    expect(text).toContain(`gen_ai_client_token_usage_bucket{${labels},token_type="input",le="64"} 3`);
    expect(text).toContain(`gen_ai_client_token_usage_bucket{${labels},token_type="input",le="16384"} 4`);
    expect(text).toContain(`gen_ai_client_token_usage_sum{${labels},token_type="input"} 5031`);
    expect(text).toContain(`gen_ai_client_token_usage_count{${labels},token_type="input"} 4`);
    expect(text).toContain(`gen_ai_client_operation_duration_seconds_bucket{${labels},error_type="",le="0.01"} 1`);
    expect(text).toContain(`gen_ai_client_operation_duration_seconds_bucket{${labels},error_type="",le="0.05"} 4`);
    expect(text).toContain(`switchyard_spend_usd_total{${labels}} 0.0045`);
    expect(text.match(/# TYPE gen_ai_client_token_usage histogram/g)).toHaveLength(1);
  });
});

describe('deployment health gauges', () => {
  it('renders breaker state, in-flight and TTFT EWMA per deployment from the attached health tracker', async () => {
    const { InMemoryHealthTracker } = await import('../../src/routing/health/in-memory-health-tracker.js');
    const { GatewayError } = await import('../../src/spec/errors.js');
    let now = 1_000;
    const health = new InMemoryHealthTracker({ consecutiveFailures: 1, openMs: 10_000 }, () => now);
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    metrics.attachHealth(health, () => ['p/fresh', 'p/ok']);
    health.started('p/ok');
    health.ended('p/ok', { ok: true, latencyMs: 900, ttftMs: 250 });
    health.started('p/ok');
    health.started('p/down');
    health.ended('p/down', { ok: false, error: new GatewayError({ code: 'SWY_ERR_UPSTREAM_ERROR', kind: 'upstream_error', origin: 'upstream', message: 'boom' }) });
    let text = await metrics.render();
    expect(text).toContain('# TYPE switchyard_deployment_breaker_state gauge');
    expect(text).toContain('switchyard_deployment_breaker_state{deployment="p/ok"} 0');
    expect(text).toContain('switchyard_deployment_breaker_state{deployment="p/down"} 2');
    expect(text).toContain('switchyard_deployment_breaker_state{deployment="p/fresh"} 0');
    expect(text).toContain('switchyard_deployment_in_flight{deployment="p/ok"} 1');
    expect(text).toContain('switchyard_deployment_in_flight{deployment="p/fresh"} 0');
    expect(text).toContain('switchyard_deployment_ttft_ewma_seconds{deployment="p/ok"} 0.25');
    expect(text).not.toContain('switchyard_deployment_ttft_ewma_seconds{deployment="p/fresh"}');
    now += 10_000;
    text = await metrics.render();
    expect(text).toContain('switchyard_deployment_breaker_state{deployment="p/down"} 1');
  });
});
