/**
 * Gateway behaviour across the request path with mock upstreams: passthrough fidelity, header
 * forwarding, warnings, timeouts and client disconnects.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';

let openaiMock: OpenAIMock;
let anthropicMock: AnthropicMock;
let gateway: RunningGateway;

beforeAll(async () => {
  [openaiMock, anthropicMock] = await Promise.all([startOpenAIMock({ delayMs: 3000 }), startAnthropicMock({ slowMs: 3000 })]);
  gateway = await startTestGateway({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: openaiMock.url },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-test', baseUrl: anthropicMock.url, betas: ['configured-beta-1'] },
    },
    timeouts: { connectMs: 1000, firstByteMs: 500, idleMs: 500, totalMs: 10_000 },
    models: [
      { id: 'gpt', provider: 'openai', upstreamModel: 'gpt-4.1-mock' },
      { id: 'reasoner', provider: 'openai', upstreamModel: 'o4-mini', capabilities: { tools: true, images: true, json: true, reasoning: true } },
      { id: 'claude', provider: 'anthropic', upstreamModel: 'claude-mock-4' },
      { id: 'slow-gpt', provider: 'openai', upstreamModel: 'slow-headers' },
      { id: 'stalling-gpt', provider: 'openai', upstreamModel: 'slow-body' },
      { id: 'stalling-late-gpt', provider: 'openai', upstreamModel: 'stall-after-content' },
      { id: 'slow-claude', provider: 'anthropic', upstreamModel: 'slow-headers' },
    ],
  });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([openaiMock?.close(), anthropicMock?.close()]);
});

const last = <T>(items: T[]): T => items[items.length - 1];

describe('same-dialect passthrough', () => {
  it('OpenAI → OpenAI rewrites only the model and keeps unknown fields', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'gpt',
      messages: [{ role: 'user', content: 'keep my fields' }],
      metadata: { trace: 'abc' },
      some_future_field: { nested: [1, 2, 3] },
      logit_bias: { '50256': -100 },
    });
    expect(res.status).toBe(200);
    const received = last(openaiMock.requests).body as Record<string, unknown>;
    expect(received.model).toBe('gpt-4.1-mock');
    expect(received.some_future_field).toEqual({ nested: [1, 2, 3] });
    expect(received.metadata).toEqual({ trace: 'abc' });
    expect(received.logit_bias).toEqual({ '50256': -100 });
    expect(last(openaiMock.requests).headers.authorization).toBe('Bearer sk-openai-test');
    expect(res.json.choices[0].message.content).toContain('Echo: keep my fields');
  });

  it('OpenAI → OpenAI reasoning model: max_tokens becomes max_completion_tokens, with a warning header', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'reasoner', max_tokens: 50, messages: [{ role: 'user', content: 'think' }] });
    expect(res.status).toBe(200);
    const received = last(openaiMock.requests).body as Record<string, unknown>;
    expect(received.max_tokens).toBeUndefined();
    expect(received.max_completion_tokens).toBe(50);
    const warnings = JSON.parse(res.headers.get('x-switchyard-warnings') ?? '[]') as Array<{ type: string; setting: string }>;
    expect(warnings).toEqual([expect.objectContaining({ type: 'changed-setting', setting: 'max_tokens' })]);
  });

  it('Anthropic → Anthropic merges client and configured betas and keeps unknown fields', async () => {
    const res = await postJson(
      `${gateway.url}/v1/messages`,
      { model: 'claude', max_tokens: 30, messages: [{ role: 'user', content: 'hello' }], container: 'c-1', mcp_servers: [] },
      { authorization: '', 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'client-beta-2' },
    );
    expect(res.status).toBe(200);
    const recorded = last(anthropicMock.requests);
    const body = recorded.body as Record<string, unknown>;
    expect(body.model).toBe('claude-mock-4');
    expect(body.container).toBe('c-1');
    expect(body.mcp_servers).toEqual([]);
    expect(recorded.headers['x-api-key']).toBe('sk-ant-test');
    expect(String(recorded.headers['anthropic-beta']).split(',').sort()).toEqual(['client-beta-2', 'configured-beta-1']);
    expect(recorded.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('OpenAI stream passthrough without include_usage hides the usage chunk but still meters', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'gpt', stream: true, messages: [{ role: 'user', content: 'stream me' }] });
    expect(res.status).toBe(200);
    const chunks = res.text.split('\n\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)));
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(res.text.trim().endsWith('data: [DONE]')).toBe(true);
    expect((last(openaiMock.requests).body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    await gateway.ledger.flush();
    const row = await gateway.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', res.headers.get('x-switchyard-request-id')!).executeTakeFirstOrThrow();
    expect(row.output_tokens).toBeGreaterThan(0);
    expect(row.input_tokens).toBeGreaterThan(0);
  });
});

describe('translation warnings', () => {
  it('OpenAI client → Anthropic upstream: fields Anthropic cannot honour are warned about, gateway-honoured ones are not', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'claude',
      stream: true,
      stream_options: { include_usage: true },
      seed: 7,
      logit_bias: { '1': 2 },
      messages: [{ role: 'user', content: 'warn me' }],
    });
    expect(res.status).toBe(200);
    const warnings = JSON.parse(res.headers.get('x-switchyard-warnings') ?? '[]') as Array<{ setting?: string }>;
    const settings = warnings.map((w) => w.setting).sort();
    // max_tokens: Anthropic requires one and the client sent none, so the gateway chose it (and says so)
    expect(settings).toEqual(['logit_bias', 'max_tokens', 'seed']);
    const received = last(anthropicMock.requests).body as Record<string, unknown>;
    expect(received.seed).toBeUndefined();
    expect(received.logit_bias).toBeUndefined();
    // usage was asked for and arrives in the final chunk even though Anthropic streams it differently
    const chunks = res.text.split('\n\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)));
    expect(last(chunks).usage.completion_tokens).toBeGreaterThan(0);
  });
});

describe('timeouts', () => {
  it('first-byte timeout is a 504 in the OpenAI shape', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'slow-gpt', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(504);
    expect(res.json.error.message).toMatch(/first-byte timeout/);
  });

  it('first-byte timeout is a 504 timeout_error in the Anthropic shape', async () => {
    const res = await postJson(`${gateway.url}/v1/messages`, { model: 'slow-claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(504);
    expect(res.json).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
  });

  it('a stream that goes idle before any content is a proper HTTP 504, not a 200 with an error event (translated path)', async () => {
    const res = await postJson(`${gateway.url}/v1/messages`, { model: 'stalling-gpt', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(504);
    expect(res.json).toMatchObject({ type: 'error', error: { type: 'timeout_error', message: expect.stringMatching(/idle timeout/) } });
  });

  it('a stream that goes idle after its first content ends with an in-stream error (translated path)', async () => {
    const res = await postJson(`${gateway.url}/v1/messages`, { model: 'stalling-late-gpt', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/event: error\ndata: .*idle timeout/);
    expect(res.text).not.toMatch(/message_stop/);
  });
});

describe('a passthrough stream that fails', () => {
  it('before its first content: a proper HTTP error in the dialect, metered with its error code', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'stalling-gpt', stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(504);
    expect(res.json.error.message).toMatch(/idle timeout/);
    await gateway.ledger.flush();
    const row = await gateway.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', res.headers.get('x-switchyard-request-id')!).executeTakeFirstOrThrow();
    expect(row.error_code).toBe('SWY_ERR_UPSTREAM_IDLE_TIMEOUT');
  });

  it('after its first content: ends with the dialect\'s in-stream error and is billed for what was delivered', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'stalling-late-gpt', stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/"content":"[^"]+"/);
    const lastEvent = res.text.trim().split('\n\n').at(-1)!;
    expect(JSON.parse(lastEvent.slice('data: '.length))).toMatchObject({ error: { message: expect.stringMatching(/idle timeout/) } });
    expect(res.text).not.toContain('[DONE]');
    await gateway.ledger.flush();
    const row = await gateway.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', res.headers.get('x-switchyard-request-id')!).executeTakeFirstOrThrow();
    expect(row.error_code).toBe('SWY_ERR_UPSTREAM_IDLE_TIMEOUT');
    expect(row.usage_source).toBe('estimated');
    expect(row.input_tokens).toBeGreaterThan(0);
    expect(row.output_tokens).toBeGreaterThan(0);
  });
});

describe('client disconnects', () => {
  it('abort the upstream call', async () => {
    const before = openaiMock.requests.length;
    const url = new URL(`${gateway.url}/v1/chat/completions`);
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}` } });
      req.on('error', () => resolve());
      req.end(JSON.stringify({ model: 'slow-gpt', messages: [{ role: 'user', content: 'bye' }] }));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 150);
    });
    let recorded;
    for (let i = 0; i < 40; i++) {
      recorded = openaiMock.requests[before];
      if (recorded?.aborted) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(recorded?.aborted).toBe(true);
  });
});
