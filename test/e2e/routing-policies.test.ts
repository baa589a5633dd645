import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';
import { getJson, postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

let openai: OpenAIMock;
let anthropic: AnthropicMock;

beforeAll(async () => {
  openai = await startOpenAIMock({ delayMs: 30_000 });
  anthropic = await startAnthropicMock({ slowMs: 30_000 });
});

afterAll(async () => {
  await Promise.all([openai?.close(), anthropic?.close()]);
});

function providers() {
  return {
    openai: { type: 'openai', apiKey: 'sk-test-openai-key', baseUrl: openai.url },
    anthropic: { type: 'anthropic', apiKey: 'sk-ant-test-key', baseUrl: anthropic.url },
  };
}

const ask = (gateway: RunningGateway, model: string, stream = false) =>
  postJson(`${gateway.url}/v1/chat/completions`, { model, stream, messages: [{ role: 'user', content: 'ping' }] });

async function rows(gateway: RunningGateway, requestId: string) {
  await gateway.ledger.flush();
  return gateway.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', requestId).orderBy('attempt').execute();
}

describe('hedging', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      providers: providers(),
      models: [
        { id: 'gpt-stalls', provider: 'openai', upstreamModel: 'slow-body', pricing: { inputPerMTok: 2, outputPerMTok: 8 } },
        { id: 'claude-ok', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5', pricing: { inputPerMTok: 3, outputPerMTok: 15 } },
      ],
      routes: { hedged: { candidates: ['gpt-stalls', 'claude-ok'], hedge: { delayMs: 150 }, retries: { attempts: 0 } } },
      // The loser stalls (30 s) far beyond any wait here: it ends only by losing the hedge.
      timeouts: { connectMs: 5000, firstByteMs: 20_000, idleMs: 20_000, totalMs: 60_000 },
    });
  });
  afterAll(() => gateway?.close());

  it('a slow first candidate loses to a fast second one; the loser is closed at the mock and both are on the ledger', async () => {
    const before = openai.requests.length;
    const res = await ask(gateway, 'hedged', true);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('claude-ok');
    expect(res.headers.get('x-switchyard-attempts')).toMatch(/^2; 1=openai\/gpt-stalls:(lost-hedge|499:SWY_ERR_ATTEMPT_CANCELLED|\d+:SWY_ERR_ATTEMPT_CANCELLED)$/);
    expect(res.text).toContain('data: [DONE]');
    const loser = openai.requests[before];
    expect(loser).toBeDefined();
    await expect.poll(() => loser.aborted, { timeout: 10_000 }).toBe(true);
    const ledger = await rows(gateway, res.headers.get('x-switchyard-request-id')!);
    expect(ledger.map((r) => [r.attempt, r.model])).toEqual([
      [1, 'gpt-stalls'],
      [2, 'claude-ok'],
    ]);
    // The loser's upstream had accepted the call (2xx): it is billed on an estimate, never dropped.
    expect(ledger[0]).toMatchObject({ error_code: 'SWY_ERR_ATTEMPT_CANCELLED', usage_source: 'estimated', attempts: 2 });
    expect(ledger[0].input_tokens).toBeGreaterThan(0);
    expect(ledger[1]).toMatchObject({ status: 200, error_code: null, usage_source: 'reported' });
  }, 20_000);
});

describe('circuit breaker (time injected)', () => {
  let gateway: RunningGateway;
  let now = 1_000_000;
  beforeAll(async () => {
    gateway = await startTestGateway(
      {
        providers: providers(),
        models: [
          { id: 'gpt-broken', provider: 'openai', upstreamModel: 'error:500' },
          { id: 'claude-ok', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5' },
        ],
        routes: { guarded: { candidates: ['gpt-broken', 'claude-ok'], retries: { attempts: 0 } } },
        routing: { breaker: { consecutiveFailures: 3, openMs: 30_000 }, retryBudget: { ratio: 1, floor: 100 } },
      },
      { clock: () => now },
    );
  });
  afterAll(() => gateway?.close());

  it('opens after consecutive failures, skips the deployment while open, and probes it once half-open', async () => {
    const before = openai.requests.length;
    for (let i = 0; i < 3; i++) {
      const res = await ask(gateway, 'guarded');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-attempts')).toMatch(/^2; 1=openai\/gpt-broken:500:/);
    }
    expect(openai.requests.length - before).toBe(3);
    expect(gateway.health.get('openai/gpt-broken').breaker).toBe('open');

    // While open the strategy ranks the deployment last: the healthy one answers at the first attempt.
    const skipped = await ask(gateway, 'guarded');
    expect(skipped.status).toBe(200);
    expect(skipped.headers.get('x-switchyard-model')).toBe('claude-ok');
    expect(skipped.headers.get('x-switchyard-attempts')).toBe('1');
    expect(openai.requests.length - before).toBe(3);

    now += 30_000; // the open period has passed: one probe goes through, fails, and the breaker opens again
    const probed = await ask(gateway, 'guarded');
    expect(probed.status).toBe(200);
    expect(probed.headers.get('x-switchyard-attempts')).toMatch(/^2; 1=openai\/gpt-broken:500:/);
    expect(openai.requests.length - before).toBe(4);
    expect(gateway.health.get('openai/gpt-broken').breaker).toBe('open');
  }, 20_000);
});

describe('retry budget', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      providers: providers(),
      models: [
        { id: 'gpt-down', provider: 'openai', upstreamModel: 'error:500' },
        { id: 'claude-ok', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5' },
      ],
      routes: { outage: { candidates: ['gpt-down', 'claude-ok'], retries: { attempts: 2, backoffMs: 1, maxBackoffMs: 2 } } },
      // No breaker in the way: only the budget limits the extra attempts.
      routing: { breaker: { consecutiveFailures: 1000, minRequests: 1000 }, retryBudget: { ratio: 0, floor: 4, windowMs: 60_000 } },
    });
  });
  afterAll(() => gateway?.close());

  it('caps retries and fallbacks during an outage: 4 extra attempts in the window, then the upstream failures are returned', async () => {
    const openaiBefore = openai.requests.length;
    const anthropicBefore = anthropic.requests.length;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await ask(gateway, 'outage')).status);
    // Request 1: first attempt + 2 retries fail, the fallback answers (3 extra attempts).
    // Request 2: first attempt fails, 1 retry left in the budget fails, no budget for the fallback.
    // Requests 3-5: one attempt each, no budget for anything else.
    expect(statuses).toEqual([200, 502, 502, 502, 502]); // the upstream's 500 reaches the client as a 502
    expect(openai.requests.length - openaiBefore).toBe(3 + 2 + 1 + 1 + 1);
    expect(anthropic.requests.length - anthropicBefore).toBe(1);
  }, 20_000);
});

describe('routes in the catalog', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      providers: providers(),
      models: [
        { id: 'gpt-ok', provider: 'openai', upstreamModel: 'gpt-4o', pricing: { inputPerMTok: 2.5, outputPerMTok: 10 }, capabilities: { images: false } },
        { id: 'claude-ok', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5', pricing: { inputPerMTok: 3, outputPerMTok: 15 }, capabilities: { images: true } },
      ],
      routes: { auto: { candidates: ['gpt-ok', 'claude-ok'], strategy: 'cheapest' } },
    });
  });
  afterAll(() => gateway?.close());

  it('GET /v1/models lists routes, marked as routes', async () => {
    const body = (await getJson(`${gateway.url}/v1/models`, TEST_KEY)).json as { data: Array<{ id: string; owned_by: string; switchyard_route?: boolean; candidates?: string[] }> };
    expect(body.data[0]).toMatchObject({ id: 'auto', owned_by: 'switchyard-route', switchyard_route: true, candidates: ['gpt-ok', 'claude-ok'] });
  });

  it('cheapest picks the cheaper candidate and explains itself; an image request never goes to a model without images', async () => {
    const plain = await ask(gateway, 'auto');
    expect(plain.headers.get('x-switchyard-model')).toBe('gpt-ok');
    expect(plain.headers.get('x-switchyard-decision')).toMatch(/^cheapest/);
    const before = openai.requests.length;
    const image = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'auto',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    });
    expect(image.status).toBe(200);
    expect(image.headers.get('x-switchyard-model')).toBe('claude-ok');
    expect(openai.requests.length).toBe(before);
  });
});

describe('rate-limit headers feed health', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ providers: providers(), models: [{ id: 'claude-ok', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5' }] });
  });
  afterAll(() => gateway?.close());

  it("an answer's anthropic-ratelimit-* headers become the deployment's remaining quota (for the headroom strategy)", async () => {
    expect(gateway.health.get('anthropic/claude-ok').remainingRequests).toBeUndefined();
    const res = await postJson(`${gateway.url}/v1/messages`, { model: 'claude-ok', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('anthropic-ratelimit-requests-remaining'))).toBeGreaterThan(0);
    expect(gateway.health.get('anthropic/claude-ok').remainingRequests).toBe(Number(res.headers.get('anthropic-ratelimit-requests-remaining')));
  });
});

describe('context length and rate limits', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      providers: providers(),
      models: [
        { id: 'gpt-tiny-window', provider: 'openai', upstreamModel: 'gpt-4o', contextWindow: 64 },
        { id: 'gpt-overflows', provider: 'openai', upstreamModel: 'error:400:context_length_exceeded' },
        { id: 'gpt-limited', provider: 'openai', upstreamModel: 'error:429' },
        { id: 'claude-big', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5', contextWindow: 200_000 },
      ],
      routes: {
        long: { candidates: ['gpt-tiny-window', 'claude-big'] },
        overflow: { candidates: ['gpt-overflows', 'claude-big'], retries: { attempts: 0 } },
        limited: { candidates: ['gpt-limited'], retries: { attempts: 0 } },
      },
    });
  });
  afterAll(() => gateway?.close());

  const longPrompt = 'Summarise the following notes about routing gateways. '.repeat(40);

  it('an over-long prompt is never sent to a model whose window cannot take it', async () => {
    const before = openai.requests.length;
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'long', messages: [{ role: 'user', content: longPrompt }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('claude-big');
    expect(openai.requests.length).toBe(before);
    const alone = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'gpt-tiny-window', messages: [{ role: 'user', content: longPrompt }] });
    expect(alone.status).toBe(400);
    expect(alone.json.error).toMatchObject({ code: 'SWY_ERR_CONTEXT_LENGTH', param: 'messages' });
    expect(openai.requests.length).toBe(before);
  });

  it("an upstream's context-overflow error moves the request to the next candidate", async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'overflow', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('claude-big');
    expect(res.headers.get('x-switchyard-attempts')).toMatch(/^2; 1=openai\/gpt-overflows:400:/);
  });

  it('while every candidate cools down after a 429, the client gets a 429 with the remaining cooldown, without an upstream call', async () => {
    const first = await ask(gateway, 'limited');
    expect(first.status).toBe(429);
    const before = openai.requests.length;
    const second = await ask(gateway, 'limited');
    expect(second.status).toBe(429);
    expect(second.json.error.message).toMatch(/cooling down after its upstream's rate limit: openai\/gpt-limited/);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(openai.requests.length).toBe(before);
  });

  it('count_tokens accepts route names, and an unknown name lists routes among what exists', async () => {
    const counted = await postJson(`${gateway.url}/v1/messages/count_tokens`, { model: 'long', messages: [{ role: 'user', content: 'hi' }] });
    expect(counted.status).toBe(200);
    expect(counted.json.input_tokens).toBeGreaterThan(0);
    const unknown = await ask(gateway, 'nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toMatch(/Available models: long, overflow, limited, gpt-tiny-window/);
  });
});

describe('route configuration is validated with the path named', () => {
  const base = {
    providers: { simulated: { type: 'simulated' } },
    models: [
      { id: 'a', provider: 'simulated' },
      { id: 'b', provider: 'simulated' },
    ],
  };
  const problems = (document: Record<string, unknown>): string[] => {
    try {
      resolveConfig(parseConfig({ ...base, ...document }, {}), {});
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('rejects unknown candidates, empty routes, unknown fallbacks, shadowed names and cycles', () => {
    expect(problems({ routes: { r: { candidates: ['ghost'] } } })).toContainEqual(expect.stringMatching(/routes\.r\.candidates\.0: unknown model "ghost"/));
    expect(problems({ routes: { r: { candidates: [] } } }).join('\n')).toMatch(/routes\.r\.candidates.*at least one candidate/);
    expect(problems({ routes: { r: { candidates: ['a'], fallbacks: ['nowhere'] } } })).toContainEqual(expect.stringMatching(/routes\.r\.fallbacks\.0: unknown route or model "nowhere"/));
    expect(problems({ routes: { a: { candidates: ['b'] } } })).toContainEqual(expect.stringMatching(/routes\.a: a route cannot shadow the model id "a"/));
    expect(problems({ routes: { x: { candidates: ['a'], fallbacks: ['y'] }, y: { candidates: ['b'], fallbacks: ['x'] } } })).toContainEqual(
      expect.stringMatching(/fallbacks: cycle x -> y -> x/),
    );
  });
});
