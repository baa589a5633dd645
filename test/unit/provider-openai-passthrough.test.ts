import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible/openai-compatible-provider.js';
import type { OpenAIPassthroughResponse } from '../../src/providers/openai/openai-passthrough.js';
import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import type { CallContext, PassthroughEvent, PassthroughResponse, ProviderAdapter } from '../../src/providers/provider.js';
import { closeUpstreamAgents } from '../../src/providers/shared/upstream-http.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { startOpenAIMock, type OpenAIMock, type RecordedRequest } from '../mock-upstreams/openai-mock.js';

let mock: OpenAIMock;
let openai: ProviderAdapter;

beforeAll(async () => {
  mock = await startOpenAIMock({ delayMs: 4000 });
  openai = createOpenAIProvider('openai', { type: 'openai', apiKey: 'sk-test', baseUrl: mock.url });
});
afterAll(async () => {
  await mock.close();
  await closeUpstreamAgents();
});

function context(upstreamModel: string, overrides: Partial<CallContext> = {}): CallContext {
  return {
    upstreamModel,
    signal: new AbortController().signal,
    timeouts: { connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 10_000 },
    model: { reasoning: false, tools: true, images: true, json: true, remoteImages: true },
    ...overrides,
  };
}

function lastRequest(): RecordedRequest {
  return mock.requests[mock.requests.length - 1];
}

async function passthrough(body: Record<string, unknown>, ctx: CallContext, adapter = openai): Promise<OpenAIPassthroughResponse> {
  return (await adapter.passthrough!({ dialect: 'openai-chat', body, stream: body.stream === true }, ctx)) as OpenAIPassthroughResponse;
}

async function readAll(response: PassthroughResponse): Promise<Buffer> {
  if (Buffer.isBuffer(response.body)) return response.body;
  const chunks: Buffer[] = [];
  for await (const event of response.body) {
    if (event.kind === 'error') throw event.error;
    if (event.bytes) chunks.push(Buffer.from(event.bytes));
  }
  return Buffer.concat(chunks);
}

/** The data lines of an SSE text, in order. */
function sseData(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart());
}

const messages = [{ role: 'user', content: 'Hello' }];

describe('openai passthrough (same dialect)', () => {
  it('sends the client body with only model changed, returns the upstream bytes unchanged and reads usage', async () => {
    const client = {
      model: 'my-alias',
      messages,
      max_tokens: 40,
      logit_bias: { '50256': -100 },
      metadata: { team: 'search' },
      some_future_field: { nested: [1, 2, 3] },
    };
    const snapshot = structuredClone(client);
    const response = await passthrough(client, context('fixture:recorded-vercel-ai/openai-text.json'));
    expect(lastRequest().body).toEqual({ ...snapshot, model: 'fixture:recorded-vercel-ai/openai-text.json' });
    expect(client).toEqual(snapshot);

    expect(response.status).toBe(200);
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect((response.body as Buffer).equals(readFixtureBytes('openai/recorded-vercel-ai/openai-text.json'))).toBe(true);
    expect(response.usage()).toEqual({ inputTokens: 16, outputTokens: 363, cacheReadTokens: 0, reasoningTokens: 0 });
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.upstreamRequestId).toMatch(/^req_mock_/);
    expect(response.headers['x-request-id']).toBe(response.upstreamRequestId);
    expect(response.warnings).toEqual([]);
  });

  it('passes a stream byte for byte when the client asked for usage, and taps usage from it', async () => {
    const path = 'recorded-sse-openai-python/parse_multiple_pydantic_tools.f82268f2fefd.sse';
    const response = await passthrough({ model: 'a', messages, stream: true, stream_options: { include_usage: true } }, context(`fixture:${path}`));
    expect(lastRequest().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const bytes = await readAll(response);
    expect(bytes.equals(readFixtureBytes(`openai/${path}`))).toBe(true);
    expect(response.usage()).toEqual({ inputTokens: 149, outputTokens: 60, reasoningTokens: 0 });
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });

  it('forces include_usage upstream but strips the usage chunk for a client that did not ask', async () => {
    const path = 'recorded-vercel-ai/derived-sse/openai-text.sse';
    const response = await passthrough(
      { model: 'a', messages, stream: true, stream_options: { include_obfuscation: false } },
      context(`fixture:${path}`),
    );
    expect(lastRequest().body).toMatchObject({ stream_options: { include_obfuscation: false, include_usage: true } });
    const returned = sseData((await readAll(response)).toString('utf8'));
    const recorded = sseData(readFixtureBytes(`openai/${path}`).toString('utf8'));
    const usageChunk = recorded.find((data) => data.includes('"choices":[]'));
    expect(usageChunk).toBeDefined();
    expect(returned).toEqual(recorded.filter((data) => data !== usageChunk));
    expect(returned.at(-1)).toBe('[DONE]');
    expect(response.usage()).toEqual({ inputTokens: 16, outputTokens: 300, cacheReadTokens: 0, reasoningTokens: 0 });
  });

  it('strips the usage chunk of a generated stream and still meters it', async () => {
    const response = await passthrough({ model: 'a', messages, stream: true }, context('gpt-4o'));
    const data = sseData((await readAll(response)).toString('utf8'));
    const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as { usage?: unknown; choices: Array<{ delta: { content?: string } }> });
    expect(chunks.every((chunk) => chunk.usage === undefined || chunk.usage === null)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Echo: Hello');
    const usage = response.usage();
    expect(usage).toMatchObject({ inputTokens: Math.ceil(JSON.stringify(messages).length / 4), outputTokens: Math.ceil('Echo: Hello'.length / 4) });
  });

  it('rewrites max_tokens to max_completion_tokens for reasoning models, with a warning', async () => {
    const reasoning = { reasoning: true, tools: true, images: false, json: true, remoteImages: false };
    const response = await passthrough({ model: 'a', messages, max_tokens: 20, reasoning_effort: 'low' }, context('o3-mini', { model: reasoning }));
    const sent = lastRequest().body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'o3-mini', max_completion_tokens: 20, reasoning_effort: 'low' });
    expect(sent).not.toHaveProperty('max_tokens');
    expect(response.status).toBe(200);
    expect(response.warnings).toEqual([expect.objectContaining({ type: 'changed-setting', from: 'max_tokens', to: 'max_completion_tokens' })]);
  });

  it('Azure is translated, not passed through (its chunks deviate from the OpenAI schema), and its body has no model', async () => {
    const azure = createOpenAICompatibleProvider('azure', { type: 'openai-compatible', baseUrl: mock.origin, apiKey: 'k', azure: { apiVersion: '2024-10-21' }, maxTokensField: 'max_tokens' });
    expect(azure.passthrough).toBeUndefined();
    expect(azure.passthroughDialect).toBeUndefined();
    const result = await azure.chat({ model: 'a', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }], user: 'u1' }, context('dep1'));
    expect(lastRequest().path).toBe('/openai/deployments/dep1/chat/completions?api-version=2024-10-21');
    expect(lastRequest().body).not.toHaveProperty('model');
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: Hello' }]);
  });

  it('forwards content type, request ids and OpenAI headers but not transport headers', async () => {
    const response = await passthrough({ model: 'a', messages, stream: true, stream_options: { include_usage: true } }, context('fixture:recorded-pydantic-ai/test_run_stream_sync_streams_real_model.0.json'));
    await readAll(response);
    expect(response.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'openai-processing-ms': '512', 'openai-version': '2020-10-01' });
    expect(response.headers).not.toHaveProperty('strict-transport-security');
    expect(response.headers).not.toHaveProperty('alt-svc');
  });

  it('throws the mapped GatewayError for an error status so retries and fallback apply', async () => {
    await expect(passthrough({ model: 'a', messages }, context('error:429'))).rejects.toMatchObject({ kind: 'rate_limit', retryable: true, retryAfterMs: 2000 });
  });

  it('ends with a client-closed error and settles usage when the client aborts mid-stream', async () => {
    const controller = new AbortController();
    const response = await passthrough({ model: 'a', messages, stream: true }, context('slow-body', { signal: controller.signal }));
    const recorded = lastRequest();
    const iterator = (response.body as AsyncIterable<PassthroughEvent>)[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).resolves.toMatchObject({ value: { kind: 'error', error: { code: 'SWY_ERR_CLIENT_CLOSED' } } });
    expect(response.usage()).toBeUndefined();
    await expect.poll(() => recorded.aborted).toBe(true);
  });

  it('refuses another dialect', async () => {
    await expect(openai.passthrough!({ dialect: 'anthropic-messages', body: { model: 'a' }, stream: false }, context('gpt-4o'))).rejects.toMatchObject({
      code: 'SWY_ERR_PASSTHROUGH_DIALECT',
    });
  });
});

describe('usage of a non-stream body', () => {
  it('reads the top-level usage without parsing the whole body, whatever the layout', async () => {
    const { usageOfBody } = await import('../../src/providers/openai/openai-passthrough.js');
    const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, prompt_tokens_details: { cached_tokens: 3 }, completion_tokens_details: { reasoning_tokens: 2 } };
    const expected = { inputTokens: 11, outputTokens: 7, cacheReadTokens: 3, reasoningTokens: 2 };
    const compact = Buffer.from(JSON.stringify({ id: 'x', choices: [{ message: { content: 'say "usage": {1}' } }], usage }));
    expect(usageOfBody(compact)).toMatchObject(expected);
    const pretty = Buffer.from(JSON.stringify({ usage, id: 'x', choices: [] }, null, 2));
    expect(usageOfBody(pretty)).toMatchObject(expected);
    expect(usageOfBody(Buffer.from('{"id":"x","usage":null}'))).toBeUndefined();
    expect(usageOfBody(Buffer.from('not json'))).toBeUndefined();
  });
});
