import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { postJson, SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ ...SIMULATED_ONLY, server: { bodyLimitBytes: 4096 } });
});
afterAll(async () => {
  await gateway.close();
});

const chat = () => `${gateway.url}/v1/chat/completions`;
const messages = () => `${gateway.url}/v1/messages`;

describe('auth in each dialect', () => {
  it('rejects a missing key with a 401 in the OpenAI shape', async () => {
    const res = await postJson(chat(), { model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] }, { authorization: '' });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ type: expect.any(String), message: expect.stringContaining('Missing API key') });
    expect(Object.keys(res.json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  });

  it('rejects a wrong key with a 401 in the Anthropic shape', async () => {
    const res = await postJson(messages(), { model: 'sim-small', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, { authorization: '', 'x-api-key': 'nope' });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'Invalid API key (unknown, revoked or expired).' } });
  });

  it('accepts x-api-key and Authorization: Bearer', async () => {
    const a = await postJson(messages(), { model: 'sim-small', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }, { authorization: '', 'x-api-key': TEST_KEY });
    expect(a.status).toBe(200);
    const b = await postJson(chat(), { model: 'small', messages: [{ role: 'user', content: 'hi' }] });
    expect(b.status).toBe(200);
    expect(b.headers.get('x-switchyard-model')).toBe('sim-small');
    expect(b.headers.get('x-switchyard-simulated')).toBe('true');
  });
});

describe('bad input gets a 4xx in the dialect shape, never a 500', () => {
  it('malformed JSON', async () => {
    const res = await postJson(chat(), '{"model": "sim-small", "messages": [');
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/not valid JSON/);
    const anth = await postJson(messages(), '{oops');
    expect(anth.status).toBe(400);
    expect(anth.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('empty body and non-object body', async () => {
    expect((await postJson(chat(), '')).json.error.message).toMatch(/empty/);
    const arr = await postJson(chat(), '[1,2]');
    expect(arr.status).toBe(400);
    expect(arr.json.error.message).toMatch(/JSON object/);
  });

  it('missing model and unknown model', async () => {
    const missing = await postJson(chat(), { messages: [{ role: 'user', content: 'hi' }] });
    expect(missing.status).toBe(400);
    expect(missing.json.error.param).toBe('model');
    const unknown = await postJson(chat(), { model: 'gpt-17', messages: [{ role: 'user', content: 'hi' }] });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toMatch(/gpt-17.*Available models: sim-large, sim-small, small/);
    const unknownAnth = await postJson(messages(), { model: 'claude-17', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(unknownAnth.status).toBe(404);
    expect(unknownAnth.json.error.type).toBe('not_found_error');
  });

  it('Anthropic max_tokens is required', async () => {
    const res = await postJson(messages(), { model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/max_tokens/);
  });

  it('wrong types name the field', async () => {
    const res = await postJson(chat(), { model: 'sim-small', messages: [{ role: 'user', content: 'hi' }], temperature: 'hot' });
    expect(res.status).toBe(400);
    expect(res.json.error.param).toBe('temperature');
    const roles = await postJson(chat(), { model: 'sim-small', messages: [{ role: 'wizard', content: 'hi' }] });
    expect(roles.status).toBe(400);
    expect(roles.json.error.param).toMatch(/^messages\[0\]/);
  });

  it('oversized bodies get a 413 in the dialect shape', async () => {
    const big = 'x'.repeat(8000);
    const res = await postJson(chat(), { model: 'sim-small', messages: [{ role: 'user', content: big }] });
    expect(res.status).toBe(413);
    expect(res.json.error.message).toMatch(/too large/);
    const anth = await postJson(messages(), { model: 'sim-small', max_tokens: 5, messages: [{ role: 'user', content: big }] });
    expect(anth.status).toBe(413);
    expect(anth.json.type).toBe('error');
  });

  it('images to a text-only model are refused before any upstream call', async () => {
    const res = await postJson(chat(), {
      model: 'sim-small',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/does not accept images/);
  });

  it('unknown routes are a 404 in the right shape', async () => {
    const res = await postJson(`${gateway.url}/v1/embeddings`, { model: 'x' });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toMatch(/No route for POST \/v1\/embeddings/);
  });

  it('curl without a content type still works (body parsed as JSON)', async () => {
    const res = await fetch(chat(), {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
  });
});

describe('models, health and token counting', () => {
  it('lists models in the OpenAI shape, simulated ones labelled', async () => {
    const res = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    const body = (await res.json()) as { object: string; data: Array<{ id: string; owned_by: string }> };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(['sim-large', 'sim-small', 'small']);
    expect(body.data.every((m) => m.owned_by === 'switchyard-simulated')).toBe(true);
  });

  it('lists models in the Anthropic shape when anthropic-version is sent', async () => {
    const res = await fetch(`${gateway.url}/v1/models`, { headers: { 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01' } });
    const body = (await res.json()) as { data: Array<{ type: string; display_name: string }>; has_more: boolean; first_id: string };
    expect(body.has_more).toBe(false);
    expect(body.first_id).toBe('sim-large');
    expect(body.data[0]).toMatchObject({ type: 'model', display_name: 'sim-large (simulated)' });
  });

  it('healthz and readyz need no key', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', models: 2 });
  });

  it('exposes Prometheus metrics with GenAI token usage and spend', async () => {
    await postJson(chat(), { model: 'sim-large', messages: [{ role: 'user', content: 'count me' }] });
    const res = await fetch(`${gateway.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(/switchyard_requests_total\{model="sim-large",provider="simulated",status="200",dialect="openai-chat",stream="false"\} [1-9]/);
    expect(text).toMatch(/gen_ai_client_token_usage_count\{model="sim-large",provider="simulated",token_type="output"\} [1-9]/);
    expect(text).toMatch(/switchyard_spend_usd_total\{model="sim-large",provider="simulated"\} 0\.0\d+/);
    expect(text).toMatch(/gen_ai_client_operation_duration_seconds_bucket\{model="sim-large",provider="simulated",error_type="",le="\+Inf"\} [1-9]/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    expect(text).not.toContain('switchyard_affinity_redis_total'); // a single replica shares no affinity map
    // a failed request is counted under its status and its error type
    await postJson(chat(), { model: 'sim-large', messages: [{ role: 'user', content: 'x [simulate:error:500]' }] });
    const after = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(after).toMatch(/switchyard_requests_total\{model="sim-large",provider="simulated",status="502",dialect="openai-chat",stream="false"\} 1/);
    expect(after).toMatch(/gen_ai_client_operation_duration_seconds_count\{model="sim-large",provider="simulated",error_type="SWY_ERR_UPSTREAM_\w+"\} 1/);
  });

  it('counts tokens for a Messages body', async () => {
    const short = await postJson(`${gateway.url}/v1/messages/count_tokens`, { model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] });
    const long = await postJson(`${gateway.url}/v1/messages/count_tokens`, {
      model: 'sim-small',
      messages: [{ role: 'user', content: 'hello world, '.repeat(50) }],
    });
    expect(short.status).toBe(200);
    expect(long.json.input_tokens).toBeGreaterThan(short.json.input_tokens + 50);
    const bad = await postJson(`${gateway.url}/v1/messages/count_tokens`, { model: 'nope', messages: [{ role: 'user', content: 'hi' }] });
    expect(bad.status).toBe(404);
    expect(bad.json.type).toBe('error');
  });
});

describe('metering', () => {
  it('writes a ledger entry with tokens and cost for every request', async () => {
    const res = await postJson(chat(), { model: 'sim-large', messages: [{ role: 'user', content: 'meter me please' }] });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-switchyard-request-id')!;
    await gateway.ledger.flush();
    const row = await gateway.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
    expect(row.input_tokens).toBe(res.json.usage.prompt_tokens);
    expect(row.output_tokens).toBe(res.json.usage.completion_tokens);
    // $2 / $8 per million tokens = 2000 / 8000 nano-dollars per token
    expect(row.cost_nanos).toBe(row.input_tokens * 2000 + row.output_tokens * 8000);
    expect(row).toMatchObject({ model: 'sim-large', provider: 'simulated', dialect: 'openai-chat', status: 200, stream: 0 });
  });

  it('records failed requests with their error code and no spend', async () => {
    const res = await postJson(chat(), { model: 'sim-large', messages: [{ role: 'user', content: 'fail [simulate:error:429]' }] });
    expect(res.status).toBe(429);
    await gateway.ledger.flush();
    const row = await gateway.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', res.headers.get('x-switchyard-request-id') ?? '').executeTakeFirst();
    expect(row?.status).toBe(429);
    expect(row?.cost_nanos).toBe(0);
  });

  it('still meters a stream whose client disconnects mid-way', async () => {
    const slow = await startTestGateway({
      ...SIMULATED_ONLY,
      providers: { simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 50 } },
    });
    try {
      const url = new URL(`${slow.url}/v1/chat/completions`);
      const requestId = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' } },
          (res) => {
            let seen = 0;
            res.on('data', (chunk: Buffer) => {
              seen += chunk.length;
              if (seen > 300) {
                resolve(String(res.headers['x-switchyard-request-id']));
                req.destroy();
              }
            });
          },
        );
        req.on('error', () => undefined);
        req.end(JSON.stringify({ model: 'sim-large', stream: true, messages: [{ role: 'user', content: 'Tell me a long story about routers.' }] }));
        setTimeout(() => reject(new Error('no data')), 10_000);
      });
      let row;
      for (let i = 0; i < 50 && !row; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await slow.ledger.flush();
        row = await slow.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', requestId).executeTakeFirst();
      }
      expect(row).toBeDefined();
      expect(row!.error_code).toBe('SWY_ERR_CLIENT_CLOSED');
      expect(row!.input_tokens).toBeGreaterThan(0);
      expect(row!.output_tokens).toBeGreaterThan(0);
      expect(row!.cost_nanos).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });
});
