import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible/openai-compatible-provider.js';
import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import type { CallContext, CallTimeouts, ProviderAdapter } from '../../src/providers/provider.js';
import { sampleFromSchema } from '../../src/providers/simulated/schema-sample.js';
import { closeUpstreamAgents } from '../../src/providers/shared/upstream-http.js';
import { GatewayError, type ChatRequest, type ChatStreamPart } from '../../src/spec/index.js';
import { startOpenAIMock, type OpenAIMock, type RecordedRequest } from '../mock-upstreams/openai-mock.js';

let mock: OpenAIMock;
let openai: ProviderAdapter;

beforeAll(async () => {
  // Long stalls: undici's body/header timers tick coarsely, so a short timeout may fire up to ~1 s late.
  mock = await startOpenAIMock({ delayMs: 4000, azureApiKey: 'azure-key' });
  openai = createOpenAIProvider('openai', {
    type: 'openai',
    apiKey: 'sk-test',
    baseUrl: `${mock.url}/`,
    organization: 'org-1',
    project: 'proj-1',
    headers: { 'X-Custom': 'yes' },
  });
});
afterAll(async () => {
  await mock.close();
  await closeUpstreamAgents();
});

const defaultTimeouts: CallTimeouts = { connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 10_000 };

function context(upstreamModel: string, overrides: Partial<CallContext> = {}): CallContext {
  return {
    upstreamModel,
    signal: new AbortController().signal,
    timeouts: defaultTimeouts,
    model: { reasoning: false, tools: true, images: true, json: true, remoteImages: true },
    ...overrides,
  };
}

function ask(text: string, overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'smart', messages: [{ role: 'user', content: [{ type: 'text', text }] }], stream: false, ...overrides };
}

async function collect(stream: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

function lastRequest(): RecordedRequest {
  return mock.requests[mock.requests.length - 1];
}

function bodyOf(recorded: RecordedRequest): Record<string, unknown> {
  return recorded.body as Record<string, unknown>;
}

/** The mock's deterministic usage rule: ceil(chars / 4). */
function promptTokens(recorded: RecordedRequest): number {
  return Math.ceil(JSON.stringify(bodyOf(recorded).messages).length / 4);
}

const weather = { name: 'get_weather', description: 'Weather', inputSchema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['city', 'days'] } };
const stock = { name: 'get_stock', inputSchema: { type: 'object', properties: { ticker: { type: 'string', enum: ['AAPL'] } } } };

describe('openai provider: requests and results', () => {
  it('sends auth, organization, project and configured headers to {baseUrl}/chat/completions', async () => {
    const result = await openai.chat(ask('Hello there'), context('gpt-4o'));
    const recorded = lastRequest();
    expect(recorded.method).toBe('POST');
    expect(recorded.path).toBe('/v1/chat/completions');
    expect(recorded.headers.authorization).toBe('Bearer sk-test');
    expect(recorded.headers['openai-organization']).toBe('org-1');
    expect(recorded.headers['openai-project']).toBe('proj-1');
    expect(recorded.headers['x-custom']).toBe('yes');
    expect(recorded.headers['content-type']).toBe('application/json');
    expect(bodyOf(recorded)).toEqual({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello there' }] });

    expect(result.content).toEqual([{ type: 'text', text: 'Echo: Hello there' }]);
    expect(result.finishReason).toBe('stop');
    expect(result.model).toBe('gpt-4o');
    expect(result.upstreamRequestId).toMatch(/^req_mock_/);
    expect(result.usage).toEqual({
      inputTokens: promptTokens(recorded),
      outputTokens: Math.ceil('Echo: Hello there'.length / 4),
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('streams text with usage (stream_options.include_usage always sent)', async () => {
    const opened = await openai.chatStream(ask('Stream ✓ me', { stream: true }), context('gpt-4o'));
    const parts = await collect(opened.stream);
    const recorded = lastRequest();
    expect(bodyOf(recorded)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('')).toBe('Echo: Stream ✓ me');
    expect(parts[0]).toMatchObject({ type: 'start', upstreamRequestId: opened.upstreamRequestId });
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { inputTokens: promptTokens(recorded), outputTokens: Math.ceil('Echo: Stream ✓ me'.length / 4), cacheReadTokens: 0, reasoningTokens: 0 },
    });
  });

  it('gets parallel tool calls with schema-valid arguments, streamed and not', async () => {
    const tools = { tools: [weather, stock] };
    const result = await openai.chat(ask('Weather?', tools), context('gpt-4o'));
    expect(result.finishReason).toBe('tool-calls');
    expect(result.content.map((p) => p.type === 'tool-call' && [p.name, JSON.parse(p.argumentsJson)])).toEqual([
      ['get_weather', sampleFromSchema(weather.inputSchema)],
      ['get_stock', sampleFromSchema(stock.inputSchema)],
    ]);

    const opened = await openai.chatStream(ask('Weather?', { ...tools, stream: true }), context('gpt-4o'));
    const parts = await collect(opened.stream);
    const calls: Record<number, { name: string; args: string }> = {};
    for (const part of parts) {
      if (part.type === 'tool-call-start') calls[part.index] = { name: part.name, args: '' };
      if (part.type === 'tool-call-delta') calls[part.index].args += part.argumentsDelta;
    }
    expect(Object.keys(calls)).toEqual(['0', '1']);
    expect(JSON.parse(calls[0].args)).toEqual(sampleFromSchema(weather.inputSchema));
    expect(calls[1].name).toBe('get_stock');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('sends a forced tool choice and parallel_tool_calls=false', async () => {
    const result = await openai.chat(ask('x', { tools: [weather, stock], toolChoice: { type: 'tool', name: 'get_stock' }, parallelToolCalls: false }), context('gpt-4o'));
    expect(bodyOf(lastRequest())).toMatchObject({ tool_choice: { type: 'function', function: { name: 'get_stock' } }, parallel_tool_calls: false });
    expect(result.content).toHaveLength(1);
    expect(result.content[0]).toMatchObject({ type: 'tool-call', name: 'get_stock' });
  });

  it('answers tool results and counts images', async () => {
    const followUp = await openai.chat(
      {
        model: 'smart',
        stream: false,
        tools: [weather],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: 'get_weather', argumentsJson: '{"city":"Oslo","days":1}' }] },
          { role: 'user', content: [{ type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: '-3C' }] }] },
        ],
      },
      context('gpt-4o'),
    );
    expect(followUp.content).toEqual([{ type: 'text', text: 'Tool result: -3C' }]);
    expect(bodyOf(lastRequest()).messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo","days":1}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '-3C' },
    ]);

    const withImage = await openai.chat(
      { model: 'smart', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } }] }] },
      context('gpt-4o'),
    );
    expect(withImage.content).toEqual([{ type: 'text', text: 'Echo: What is it? [images: 1]' }]);
  });

  it('reports length when the token limit cuts the answer', async () => {
    const result = await openai.chat(ask('A rather long question that will not fit', { maxTokens: 2 }), context('gpt-4o'));
    expect(bodyOf(lastRequest()).max_tokens).toBe(2);
    expect(result.finishReason).toBe('length');
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: A ' }]);
  });

  it('calls a reasoning model with max_completion_tokens (the mock rejects max_tokens) and warns', async () => {
    const reasoning = { reasoning: true, tools: true, images: false, json: true, remoteImages: false };
    const result = await openai.chat(ask('Think', { maxTokens: 100, temperature: 0.5, reasoning: { effort: 'high' } }), context('o3-mini', { model: reasoning }));
    expect(bodyOf(lastRequest())).toMatchObject({ max_completion_tokens: 100, reasoning_effort: 'high' });
    expect(bodyOf(lastRequest())).not.toHaveProperty('max_tokens');
    expect(bodyOf(lastRequest())).not.toHaveProperty('temperature');
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'changed-setting', setting: 'max_tokens', from: 'max_tokens', to: 'max_completion_tokens' }),
      expect.objectContaining({ type: 'unsupported-setting', setting: 'temperature' }),
    ]);
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: Think' }]);
  });

  it('returns JSON text for json_schema response formats', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const result = await openai.chat(ask('Give JSON', { responseFormat: { type: 'json_schema', name: 'a', schema } }), context('gpt-4o'));
    expect(result.content[0].type === 'text' && JSON.parse(result.content[0].text)).toEqual(sampleFromSchema(schema));
  });
});

describe('openai-compatible provider', () => {
  it('sends no Authorization without an apiKey and honours maxTokensField', async () => {
    const house = createOpenAICompatibleProvider('house', { type: 'openai-compatible', baseUrl: mock.url, maxTokensField: 'max_completion_tokens' });
    const result = await house.chat(ask('hi', { maxTokens: 50 }), context('house-7b'));
    expect(house.type).toBe('openai-compatible');
    expect(house.passthroughDialect).toBe('openai-chat');
    expect(lastRequest().headers.authorization).toBeUndefined();
    expect(bodyOf(lastRequest())).toMatchObject({ model: 'house-7b', max_completion_tokens: 50 });
    expect(result.warnings).toEqual([]);
  });

  it('sends a bearer key when one is configured', async () => {
    const keyed = createOpenAICompatibleProvider('house', { type: 'openai-compatible', baseUrl: mock.url, apiKey: 'house-key', maxTokensField: 'max_tokens' });
    await keyed.chat(ask('hi', { maxTokens: 50 }), context('house-7b'));
    expect(lastRequest().headers.authorization).toBe('Bearer house-key');
    expect(bodyOf(lastRequest()).max_tokens).toBe(50);
  });

  it('calls Azure at /openai/deployments/{deployment}/chat/completions with api-key and api-version, without model', async () => {
    const azure = createOpenAICompatibleProvider('azure', {
      type: 'openai-compatible',
      baseUrl: mock.origin,
      apiKey: 'azure-key',
      azure: { apiVersion: '2024-10-21' },
      maxTokensField: 'max_tokens',
    });
    const opened = await azure.chatStream(ask('Hi Azure', { stream: true }), context('my deploy'));
    const parts = await collect(opened.stream);
    const recorded = lastRequest();
    expect(recorded.path).toBe('/openai/deployments/my%20deploy/chat/completions?api-version=2024-10-21');
    expect(recorded.headers['api-key']).toBe('azure-key');
    expect(recorded.headers.authorization).toBeUndefined();
    expect(bodyOf(recorded)).not.toHaveProperty('model');
    // The mock sends Azure's leading prompt-filter chunk (id ""): start must carry the real id.
    expect(parts[0]).toMatchObject({ type: 'start', id: expect.stringMatching(/^chatcmpl-mock/) });
    expect(parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('')).toBe('Echo: Hi Azure');
  });

  it('replays the recorded Azure stream through an encoded deployment name', async () => {
    const azure = createOpenAICompatibleProvider('azure', { type: 'openai-compatible', baseUrl: mock.origin, apiKey: 'azure-key', azure: { apiVersion: '2025-01-01' }, maxTokensField: 'max_tokens' });
    const opened = await azure.chatStream(ask('x', { stream: true }), context('fixture:recorded-vercel-ai/azure-model-router.1.chunks.txt'));
    const parts = await collect(opened.stream);
    expect(lastRequest().path).toBe('/openai/deployments/fixture%3Arecorded-vercel-ai%2Fazure-model-router.1.chunks.txt/chat/completions?api-version=2025-01-01');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 15, outputTokens: 78, reasoningTokens: 64 } });
  });

  it('maps a rejected Azure key to an upstream authentication error (502 to the client)', async () => {
    const azure = createOpenAICompatibleProvider('azure', { type: 'openai-compatible', baseUrl: mock.origin, apiKey: 'wrong', azure: { apiVersion: '2024-10-21' }, maxTokensField: 'max_tokens' });
    await expect(azure.chat(ask('x'), context('gpt-4o'))).rejects.toMatchObject({ kind: 'authentication', status: 502, upstreamStatus: 401, message: expect.stringMatching(/^azure: Access denied/) });
  });
});

describe('timeouts and cancellation', () => {
  const short = (overrides: Partial<CallTimeouts>): CallTimeouts => ({ ...defaultTimeouts, ...overrides });

  it('fails with a first-byte timeout when headers are slow', async () => {
    const error = await openai.chat(ask('x'), context('slow-headers', { timeouts: short({ firstByteMs: 200 }) })).catch((e: unknown) => e);
    expect(GatewayError.is(error) && error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT', kind: 'timeout', retryable: true });
  });

  it('ends a stalled stream with an idle-timeout error part after the first content', async () => {
    const opened = await openai.chatStream(ask('x', { stream: true }), context('slow-body', { timeouts: short({ idleMs: 200 }) }));
    const parts = await collect(opened.stream);
    expect(parts[0].type).toBe('start');
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT', kind: 'timeout', retryable: true });
  });

  it('fails a stalled non-stream body with the idle timeout', async () => {
    await expect(openai.chat(ask('x'), context('slow-body', { timeouts: short({ idleMs: 200 }) }))).rejects.toMatchObject({ code: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT' });
  });

  it('tells the total timeout apart while a stream is being read', async () => {
    const opened = await openai.chatStream(ask('x', { stream: true }), context('slow-body', { timeouts: short({ totalMs: 400 }) }));
    const last = (await collect(opened.stream)).at(-1);
    expect(last?.type === 'error' && last.error.code).toBe('SWY_ERR_UPSTREAM_TOTAL_TIMEOUT');
  });

  it('cancels the upstream request when the client aborts mid-stream', async () => {
    const controller = new AbortController();
    const opened = await openai.chatStream(ask('x', { stream: true }), context('slow-body', { signal: controller.signal }));
    const recorded = lastRequest();
    const iterator = opened.stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'start' });
    controller.abort();
    const parts: ChatStreamPart[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) parts.push(next.value);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_CLIENT_CLOSED', status: 499 } });
    await vi.waitFor(() => expect(recorded.aborted).toBe(true));
  });

  it('cancels the upstream request when the client aborts before headers', async () => {
    const controller = new AbortController();
    const pending = openai.chat(ask('x'), context('slow-headers', { signal: controller.signal }));
    await vi.waitFor(() => expect(lastRequest().path).toBe('/v1/chat/completions'));
    const recorded = lastRequest();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'SWY_ERR_CLIENT_CLOSED' });
    await vi.waitFor(() => expect(recorded.aborted).toBe(true));
  });

  it('closes the upstream connection when the consumer stops reading', async () => {
    const opened = await openai.chatStream(ask('x', { stream: true }), context('slow-body'));
    const recorded = lastRequest();
    for await (const part of opened.stream) if (part.type === 'start') break;
    await vi.waitFor(() => expect(recorded.aborted).toBe(true));
  });
});
