import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { getJson, postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

const USER_KEY = 'sk-swy-test-user-key-abcdef012345';

const DOCUMENT = {
  auth: { masterKey: TEST_KEY, keys: [{ key: USER_KEY, name: 'app' }] },
  providers: { simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 } },
  models: [
    { id: 'sim-large', provider: 'simulated', pricing: { inputPerMTok: 2, outputPerMTok: 8 }, capabilities: { images: true } },
    { id: 'sim-small', provider: 'simulated', pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 }, capabilities: { images: false } },
    { id: 'sim-mid', provider: 'simulated', pricing: { inputPerMTok: 0.5, outputPerMTok: 1.5 }, capabilities: { images: true } },
  ],
  routes: {
    smart: { candidates: ['sim-large', 'sim-small', 'sim-mid'], strategy: 'cheapest', retries: { attempts: 1 } },
  },
};

let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startTestGateway(DOCUMENT);
});

afterAll(async () => {
  await gateway?.close();
});

const get = (path: string, key?: string) => getJson(`${gateway.url}${path}`, key);

describe('admin endpoints', () => {
  it('POST /admin/route/explain with the master key ranks every candidate of a route', async () => {
    const res = await postJson(`${gateway.url}/admin/route/explain`, { model: 'smart', prompt: 'Tell me a story' });
    expect(res.status).toBe(200);
    expect(res.json.requested).toBe('smart');
    expect(res.json.route).toMatchObject({ name: 'smart', strategy: 'cheapest', retries: { attempts: 1, backoff_ms: 100, max_backoff_ms: 2000 } });
    expect(res.json.candidates.map((c: any) => [c.rank, c.deployment, c.status])).toEqual([
      [1, 'simulated/sim-small', 'planned'],
      [2, 'simulated/sim-mid', 'planned'],
      [3, 'simulated/sim-large', 'planned'],
    ]);
    expect(res.json.candidates[0].score).toMatch(/est\./);
    expect(res.json.candidates[0].health).toMatchObject({ breaker: 'closed', in_flight: 0 });
    expect(res.json.reason).toMatch(/^cheapest: /);
  });

  it('explains a chat body: the candidate without images is filtered, with the reason', async () => {
    const res = await postJson(`${gateway.url}/admin/route/explain`, {
      model: 'smart',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
      max_tokens: 50,
    });
    expect(res.status).toBe(200);
    expect(res.json.features).toMatchObject({ images: 1, max_output_tokens: 50 });
    const byModel = Object.fromEntries(res.json.candidates.map((c: any) => [c.model, c]));
    expect(byModel['sim-small']).toMatchObject({ status: 'filtered', rank: null, verdict: { code: 'SWY_ERR_MODEL_NO_IMAGES' } });
    expect(byModel['sim-mid']).toMatchObject({ status: 'planned', rank: 1 });
    expect(byModel['sim-large']).toMatchObject({ status: 'planned', rank: 2 });
  });

  it('refuses a non-admin key with 403 and a missing key with 401, in the OpenAI error shape', async () => {
    const forbidden = await postJson(`${gateway.url}/admin/route/explain`, { model: 'smart', prompt: 'hi' }, { authorization: `Bearer ${USER_KEY}` });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error).toMatchObject({ code: 'SWY_ERR_ADMIN_REQUIRED', type: expect.any(String) });
    expect(forbidden.headers.get('x-switchyard-error-code')).toBe('SWY_ERR_ADMIN_REQUIRED');
    expect((await get('/admin/health', USER_KEY)).status).toBe(403);

    const missing = await get('/admin/health');
    expect(missing.status).toBe(401);
    expect(missing.json.error.message).toMatch(/Missing API key/);
    expect((await get('/admin/health', 'sk-wrong-key')).status).toBe(401);

    // the user key still works on /v1
    expect((await get('/v1/models', USER_KEY)).status).toBe(200);
  });

  it('rejects a bad explain request and an unknown model with typed errors', async () => {
    const noModel = await postJson(`${gateway.url}/admin/route/explain`, { prompt: 'hi' });
    expect(noModel.status).toBe(400);
    expect(noModel.json.error.param).toBe('model');
    const unknown = await postJson(`${gateway.url}/admin/route/explain`, { model: 'nope', prompt: 'hi' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toMatch(/does not exist/);
    const badDialect = await postJson(`${gateway.url}/admin/route/explain`, { model: 'smart', prompt: 'hi', dialect: 'klingon' });
    expect(badDialect.status).toBe(400);
  });

  it('GET /admin/health lists deployments and the retry budget after a request; /metrics has the deployment gauges', async () => {
    const chat = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'smart', messages: [{ role: 'user', content: 'Hello!' }] });
    expect(chat.status).toBe(200);
    expect(chat.headers.get('x-switchyard-model')).toBe('sim-small');

    const health = await get('/admin/health', TEST_KEY);
    expect(health.status).toBe(200);
    const keys = health.json.deployments.map((d: any) => d.key);
    expect(keys).toEqual(expect.arrayContaining(['simulated/sim-large', 'simulated/sim-small', 'simulated/sim-mid']));
    const small = health.json.deployments.find((d: any) => d.key === 'simulated/sim-small');
    expect(small).toMatchObject({ model: 'sim-small', provider: 'simulated', breaker: 'closed', in_flight: 0, available: true, error_rate: 0 });
    expect(small.latency_ewma_ms).toEqual(expect.any(Number));
    expect(health.json.retry_budget).toMatchObject({ retries: 0, limit: expect.any(Number) });
    expect(health.json.retry_budget.requests).toBeGreaterThanOrEqual(1);

    const metrics = await fetch(`${gateway.url}/metrics`);
    const text = await metrics.text();
    expect(text).toContain('# TYPE switchyard_deployment_in_flight gauge');
    expect(text).toContain('switchyard_deployment_in_flight{deployment="simulated/sim-small"} 0');
    expect(text).toContain('switchyard_deployment_breaker_state{deployment="simulated/sim-small"} 0');
    expect(text).toContain('switchyard_deployment_breaker_state{deployment="simulated/sim-large"} 0');
    expect(text).toMatch(/# TYPE switchyard_deployment_ttft_ewma_seconds gauge/);
  });
});
