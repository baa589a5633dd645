import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { SharedHealthTracker } from '../../src/routing/health/shared-health-tracker.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';
import { redisTestSpace, TEST_REDIS_URL } from '../helpers/redis.js';
import { getJson, postJson, startReplicaPair, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * Two gateways in one process sharing the real Redis under one prefix, as two replicas of a fleet:
 * upstream failures seen by gateway A open the deployment's breaker there, and gateway B, which never
 * saw a failure, skips the deployment too (GET /admin/health, /metrics and x-switchyard-attempts on B).
 */

const space = redisTestSpace('fleet-health');
let openai: OpenAIMock;
let a: RunningGateway;
let b: RunningGateway;

const BROKEN = 'openai/gpt-broken';

beforeAll(async () => {
  openai = await startOpenAIMock();
  const document = {
    providers: { openai: { type: 'openai', apiKey: 'sk-test-openai-key', baseUrl: openai.url } },
    models: [
      { id: 'gpt-broken', provider: 'openai', upstreamModel: 'error:503' },
      { id: 'gpt-ok', provider: 'openai', upstreamModel: 'gpt-4o' },
    ],
    routes: { guarded: { candidates: ['gpt-broken'], fallbacks: ['gpt-ok'], retries: { attempts: 0 } } },
    routing: {
      // A 503 cools the deployment down for 1 ms only, so what B sees here is the breaker.
      breaker: { consecutiveFailures: 2, openMs: 60_000, defaultCooldownMs: 1 },
      retryBudget: { ratio: 1, floor: 100 },
    },
  };
  [a, b] = await startReplicaPair(document, TEST_REDIS_URL, space.prefix);
}, 30_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await openai?.close();
  await space.cleanup();
});

const ask = (gateway: RunningGateway) => postJson(`${gateway.url}/v1/chat/completions`, { model: 'guarded', messages: [{ role: 'user', content: 'ping' }] });

function brokenOnB(json: { deployments: Array<{ key: string; breaker: string; available: boolean }> }) {
  return json.deployments.find((d) => d.key === BROKEN);
}

describe('health shared by two gateways through Redis', () => {
  it('failures on gateway A open the breaker on gateway B, which then skips the deployment', async () => {
    expect(a.health).toBeInstanceOf(SharedHealthTracker);
    expect(b.health).toBeInstanceOf(SharedHealthTracker);
    const upstreamCalls = () => openai.requests.filter((r) => (r.body as { model?: string })?.model === 'error:503').length;

    for (let i = 0; i < 2; i++) {
      const res = await ask(a);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('x-switchyard-attempts')).toMatch(/^2; 1=openai\/gpt-broken:503:/);
    }
    expect(upstreamCalls()).toBe(2);
    expect(a.health.get(BROKEN).breaker).toBe('open');

    // B never called the deployment; within a second its admin endpoint shows the breaker open.
    await expect
      .poll(async () => brokenOnB((await getJson(`${b.url}/admin/health`, TEST_KEY)).json)?.breaker, { timeout: 1_000, interval: 20 })
      .toBe('open');
    const health = await getJson(`${b.url}/admin/health`, TEST_KEY);
    expect(brokenOnB(health.json)).toMatchObject({ breaker: 'open', available: false, consecutive_failures: 0 });
    expect((await getJson(`${b.url}/metrics`, TEST_KEY)).text).toContain(`switchyard_deployment_breaker_state{deployment="${BROKEN}"} 2`);

    const res = await ask(b);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('gpt-ok');
    expect(res.headers.get('x-switchyard-attempts')).toBe(`1; skipped=${BROKEN}`);
    expect(upstreamCalls()).toBe(2); // B did not send anything to the failing upstream
  }, 20_000);
});
