import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnthropicProviderConfig } from '../../src/config/schema.js';
import { createAnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { decodeAnthropicStream } from '../../src/providers/anthropic/anthropic-stream.js';
import type { CallContext, ProviderAdapter } from '../../src/providers/provider.js';
import { GatewayError, type ChatRequest, type ChatStreamPart, type Message } from '../../src/spec/index.js';
import { fixturePath, readFixtureBytes } from '../helpers/fixtures.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';

let mock: AnthropicMock;
let provider: ProviderAdapter;
let config: AnthropicProviderConfig;

beforeAll(async () => {
  mock = await startAnthropicMock({ slowMs: 3000 });
  config = {
    type: 'anthropic',
    apiKey: 'sk-ant-test',
    baseUrl: `${mock.url}/`,
    version: '2023-06-01',
    betas: ['prompt-caching-2024-07-31', 'token-efficient-tools-2025-02-19'],
    headers: { 'X-Team': 'blue' },
  };
  provider = createAnthropicProvider('anthropic-main', config);
});

afterAll(async () => {
  await mock.close();
});

function context(upstreamModel: string, overrides: Partial<CallContext> = {}): CallContext {
  return {
    upstreamModel,
    signal: new AbortController().signal,
    timeouts: { connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 15000 },
    model: { reasoning: true, tools: true, images: true, json: true, remoteImages: true },
    ...overrides,
  };
}

function userText(text: string): Message {
  return { role: 'user', content: [{ type: 'text', text }] };
}

function chatRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', messages: [userText('hello there')], maxTokens: 256, stream: false, ...overrides };
}

function lastBody(): Record<string, unknown> {
  return mock.requests[mock.requests.length - 1].body as Record<string, unknown>;
}

async function collect(stream: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

function textOf(parts: ChatStreamPart[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('anthropic provider: requests on the wire', () => {
  it('identifies itself', () => {
    expect(provider).toMatchObject({ name: 'anthropic-main', type: 'anthropic', passthroughDialect: 'anthropic-messages' });
  });

  it('posts to /v1/messages with auth, version, merged de-duplicated betas and operator headers', async () => {
    await provider.chat(
      chatRequest(),
      context('claude-echo', {
        // The converted (non-passthrough) body is written for the configured version, so a client's version is not forwarded.
        forwardHeaders: { 'anthropic-beta': 'token-efficient-tools-2025-02-19, files-api-2025-04-14', 'anthropic-version': '2099-01-01' },
      }),
    );
    const recorded = mock.requests[mock.requests.length - 1];
    expect(recorded.method).toBe('POST');
    expect(recorded.path).toBe('/v1/messages');
    expect(recorded.headers['x-api-key']).toBe('sk-ant-test');
    expect(recorded.headers['anthropic-version']).toBe('2023-06-01');
    expect(recorded.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31,token-efficient-tools-2025-02-19,files-api-2025-04-14');
    expect(recorded.headers['x-team']).toBe('blue');
    expect(recorded.headers['content-type']).toBe('application/json');
    expect(recorded.body).toEqual({ model: 'claude-echo', max_tokens: 256, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }] });
  });

  it('rejects invalid tool-call JSON before calling the upstream', async () => {
    const before = mock.requests.length;
    const error = await rejection(
      provider.chat(
        chatRequest({
          messages: [userText('x'), { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_bad', name: 'f', argumentsJson: '{oops' }] }],
        }),
        context('claude-echo'),
      ),
    );
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, param: 'messages[1].content[0].argumentsJson' });
    expect(mock.requests.length).toBe(before);
  });
});

describe('anthropic provider: chat against the mock', () => {
  it('returns the echo with usage, id, model, request id and the max_tokens warning', async () => {
    const result = await provider.chat(chatRequest({ maxTokens: undefined }), context('claude-echo'));
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: hello there' }]);
    expect(result.finishReason).toBe('stop');
    expect(result.id).toMatch(/^msg_mock_/);
    expect(result.model).toBe('claude-echo');
    expect(result.upstreamRequestId).toMatch(/^req_mock_/);
    expect(result.usage.outputTokens).toBe(Math.ceil('Echo: hello there'.length / 4));
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(lastBody().max_tokens).toBe(4096);
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'changed-setting', setting: 'max_tokens', to: '4096' })]);
  });

  it('counts images and stops at a stop sequence', async () => {
    const result = await provider.chat(
      chatRequest({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'describe END these' },
              { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
          },
        ],
        stopSequences: ['END'],
      }),
      context('claude-echo'),
    );
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: describe ' }]);
    expect(result).toMatchObject({ finishReason: 'stop-sequence', rawFinishReason: 'stop_sequence', stopSequence: 'END' });
    const withoutStop = await provider.chat(
      chatRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'two' }, { type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }] }] }),
      context('claude-echo'),
    );
    expect(withoutStop.content).toEqual([{ type: 'text', text: 'Echo: two [images: 1]' }]);
  });

  it('reports length when max_tokens cuts the answer', async () => {
    const result = await provider.chat(chatRequest({ maxTokens: 2, messages: [userText('a rather long question')] }), context('claude-echo'));
    expect(result.finishReason).toBe('length');
    // The mock cuts at max_tokens * 4 characters.
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: a ' }]);
  });

  const tools = [
    { name: 'get_weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    { name: 'get_time', inputSchema: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } }, required: ['zone'] } },
  ];

  it('gets parallel tool calls, one call when parallel calls are off, and the forced tool', async () => {
    const parallel = await provider.chat(chatRequest({ tools }), context('claude-echo'));
    expect(parallel.finishReason).toBe('tool-calls');
    expect(parallel.content.map((p) => (p.type === 'tool-call' ? [p.name, JSON.parse(p.argumentsJson)] : p.type))).toEqual([
      ['get_weather', { city: 'city' }],
      ['get_time', { zone: 'UTC' }],
    ]);
    const single = await provider.chat(chatRequest({ tools, parallelToolCalls: false }), context('claude-echo'));
    expect(lastBody().tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(single.content).toHaveLength(1);
    const forced = await provider.chat(chatRequest({ tools, toolChoice: { type: 'tool', name: 'get_time' } }), context('claude-echo'));
    expect(forced.content).toEqual([expect.objectContaining({ type: 'tool-call', name: 'get_time' })]);
    const none = await provider.chat(chatRequest({ tools, toolChoice: { type: 'none' } }), context('claude-echo'));
    expect(none.content).toEqual([{ type: 'text', text: 'Echo: hello there' }]);
  });

  it('answers tool results sent back in a user turn', async () => {
    const first = await provider.chat(chatRequest({ tools: [tools[0]] }), context('claude-echo'));
    const call = first.content[0];
    if (call.type !== 'tool-call') throw new Error('expected a tool call');
    const second = await provider.chat(
      chatRequest({
        tools: [tools[0]],
        messages: [
          userText('hello there'),
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool-result', toolCallId: call.id, content: [{ type: 'text', text: 'sunny, 21C' }] }] },
        ],
      }),
      context('claude-echo'),
    );
    expect(second.content).toEqual([{ type: 'text', text: 'Tool result: sunny, 21C' }]);
    const sent = lastBody().messages as Array<{ content: unknown[] }>;
    expect(sent[1].content[0]).toEqual({ type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'city' } });
  });

  it('round-trips a thinking signature through the upstream unchanged', async () => {
    const first = await provider.chat(chatRequest(), context('thinking'));
    const reasoning = first.content[0];
    if (reasoning.type !== 'reasoning') throw new Error('expected reasoning first');
    expect(reasoning.signature).toBe(Buffer.from(`mock-signature:${reasoning.text}`).toString('base64'));
    await provider.chat(chatRequest({ messages: [userText('hello there'), { role: 'assistant', content: first.content }, userText('more')] }), context('thinking'));
    const sent = lastBody().messages as Array<{ content: unknown[] }>;
    expect(sent[1].content[0]).toEqual({ type: 'thinking', thinking: reasoning.text, signature: reasoning.signature });
  });

  it('reports cache writes then cache reads for a cached system prompt', async () => {
    const system = [{ type: 'text' as const, text: 'You are a cached assistant. '.repeat(20), cacheControl: { type: 'ephemeral' as const } }];
    const first = await provider.chat(chatRequest({ system }), context('claude-cache'));
    const second = await provider.chat(chatRequest({ system }), context('claude-cache'));
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.inputTokens).toBe(first.usage.inputTokens);
  });
});

describe('anthropic provider: streaming against the mock', () => {
  it('streams the same answer and usage as the non-streaming call', async () => {
    const whole = await provider.chat(chatRequest(), context('claude-echo'));
    const { stream, warnings, upstreamRequestId } = await provider.chatStream(chatRequest({ stream: true }), context('claude-echo'));
    const parts = await collect(stream);
    expect(lastBody().stream).toBe(true);
    expect(warnings).toEqual([]);
    expect(upstreamRequestId).toMatch(/^req_mock_/);
    expect(parts[0]).toMatchObject({ type: 'start', model: 'claude-echo', upstreamRequestId });
    expect(textOf(parts)).toBe('Echo: hello there');
    expect(parts[parts.length - 1]).toEqual({ type: 'finish', finishReason: 'stop', rawFinishReason: 'end_turn', usage: whole.usage });
  });

  it('streams parallel tool calls with arguments that parse to the sampled input', async () => {
    const { stream } = await provider.chatStream(
      chatRequest({ stream: true, tools: [{ name: 'a', inputSchema: { type: 'object', properties: { n: { type: 'integer', minimum: 3 } } } }, { name: 'b', inputSchema: { type: 'object', properties: {} } }] }),
      context('claude-echo'),
    );
    const parts = await collect(stream);
    const args = new Map<number, string>();
    for (const part of parts) if (part.type === 'tool-call-delta') args.set(part.index, (args.get(part.index) ?? '') + part.argumentsDelta);
    expect([...args.values()].map((json) => JSON.parse(json))).toEqual([{ n: 3 }, {}]);
    expect(parts.filter((p) => p.type === 'tool-call-start').map((p) => (p as { name: string }).name)).toEqual(['a', 'b']);
    expect(parts[parts.length - 1]).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('streams thinking with its signature', async () => {
    const { stream } = await provider.chatStream(chatRequest({ stream: true }), context('thinking'));
    const parts = await collect(stream);
    const thinking = parts.map((p) => (p.type === 'reasoning-delta' ? p.delta : '')).join('');
    const signature = parts.find((p) => p.type === 'reasoning-signature');
    expect(thinking).toBe('Let me think about this. The user wrote: hello there');
    expect(signature).toEqual({ type: 'reasoning-signature', index: 0, signature: Buffer.from(`mock-signature:${thinking}`).toString('base64') });
    expect(textOf(parts)).toBe('Echo: hello there');
  });

  const chunkFixtures = readdirSync(fixturePath('anthropic/recorded-vercel-ai')).filter((name) => name.endsWith('.chunks.txt'));

  it.each(chunkFixtures)('replays %s over HTTP exactly like its derived .sse file decoded directly', async (name) => {
    const { stream } = await provider.chatStream(chatRequest({ stream: true }), context(`fixture:recorded-vercel-ai/${name}`));
    const viaHttp = await collect(stream);
    async function* bytes() {
      yield readFixtureBytes(`anthropic/recorded-vercel-ai/derived-sse/${name.replace('.chunks.txt', '.sse')}`);
    }
    const direct = await collect(decodeAnthropicStream(bytes(), { provider: 'anthropic-main', upstreamModel: 'x', upstreamRequestId: 'r' }));
    const normalise = (parts: ChatStreamPart[]) =>
      parts.map((p) => (p.type === 'start' ? { ...p, upstreamRequestId: undefined } : p.type === 'error' ? { type: 'error', code: p.error.code } : p));
    expect(normalise(viaHttp)).toEqual(normalise(direct));
  });

  it('ends with an overloaded error part when the upstream fails mid-stream', async () => {
    const { stream } = await provider.chatStream(chatRequest({ stream: true }), context('midstream-error'));
    const parts = await collect(stream);
    expect(parts[0].type).toBe('start');
    expect(textOf(parts).length).toBeGreaterThan(0);
    expect(parts[parts.length - 1]).toMatchObject({ type: 'error', error: { kind: 'overloaded', retryable: true, upstreamType: 'overloaded_error' } });
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
  });
});

describe('anthropic provider: upstream errors', () => {
  it.each([
    [400, 'invalid_request', 400, false],
    [401, 'authentication', 502, false],
    [402, 'quota_exceeded', 429, false],
    [403, 'permission', 502, false],
    [404, 'not_found', 502, false],
    [413, 'request_too_large', 413, false],
    [429, 'rate_limit', 429, true],
    [500, 'upstream_error', 502, true],
    [504, 'timeout', 504, true],
    [529, 'overloaded', 529, true],
  ] as const)('maps HTTP %i to %s (client status %i, retryable %s)', async (status, kind, clientStatus, retryable) => {
    for (const stream of [false, true]) {
      const call = stream ? provider.chatStream(chatRequest({ stream }), context(`error:${status}`)) : provider.chat(chatRequest(), context(`error:${status}`));
      const error = await rejection(call);
      expect(error).toMatchObject({ kind, status: clientStatus, retryable, origin: 'upstream', upstreamStatus: status, provider: 'anthropic-main' });
      expect(error.upstreamRequestId).toMatch(/^req_mock_/);
      expect(error.upstreamType).toMatch(/_error$|^request_too_large$/);
      expect(error.code).toBe(kind === 'upstream_error' ? 'SWY_ERR_UPSTREAM_ERROR' : `SWY_ERR_UPSTREAM_${kind.toUpperCase()}`);
      if (status === 429) expect(error.retryAfterMs).toBe(2000);
    }
  });

  it('honours x-should-retry and retry-after-ms', async () => {
    const notRetried = await rejection(provider.chat(chatRequest(), context('error:529:x-should-retry=false')));
    expect(notRetried).toMatchObject({ kind: 'overloaded', retryable: false });
    const retried = await rejection(provider.chat(chatRequest(), context('error:400:x-should-retry=true:retry-after-ms=350')));
    expect(retried).toMatchObject({ kind: 'invalid_request', retryable: true, retryAfterMs: 350 });
  });

  it('maps a wrong API key against the real-format 401', async () => {
    const wrongKeyMock = await startAnthropicMock({ apiKey: 'the-right-key' });
    try {
      const other = createAnthropicProvider('other', { ...config, baseUrl: wrongKeyMock.url });
      const error = await rejection(other.chat(chatRequest(), context('claude-echo')));
      expect(error).toMatchObject({ kind: 'authentication', status: 502, upstreamType: 'authentication_error', message: expect.stringContaining('invalid x-api-key') });
    } finally {
      await wrongKeyMock.close();
    }
  });
});

describe('anthropic provider: timeouts and cancellation', () => {
  const fast = { connectMs: 2000, firstByteMs: 200, idleMs: 200, totalMs: 10000 };

  it('fails with a first-byte timeout when headers do not come', async () => {
    const error = await rejection(provider.chat(chatRequest(), context('slow-headers', { timeouts: fast })));
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT', kind: 'timeout', retryable: true });
  });

  it('ends a silent stream with an idle-timeout error part', async () => {
    const { stream } = await provider.chatStream(chatRequest({ stream: true }), context('slow-body', { timeouts: fast }));
    const parts = await collect(stream);
    expect(parts[0].type).toBe('start');
    expect(parts[parts.length - 1]).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT', retryable: true } });
  });

  it('fails a non-streaming call whose body goes silent with an idle timeout', async () => {
    const error = await rejection(provider.chat(chatRequest(), context('slow-body', { timeouts: fast })));
    expect(error.code).toBe('SWY_ERR_UPSTREAM_IDLE_TIMEOUT');
  });

  it('cancels the upstream request when the client aborts mid-stream', async () => {
    const controller = new AbortController();
    const { stream } = await provider.chatStream(chatRequest({ stream: true }), context('slow-body', { signal: controller.signal }));
    const record = mock.requests[mock.requests.length - 1];
    const parts: ChatStreamPart[] = [];
    for await (const part of stream) {
      parts.push(part);
      if (part.type === 'start') controller.abort();
    }
    expect(parts[parts.length - 1]).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_CLIENT_CLOSED', status: 499 } });
    await vi.waitFor(() => expect(record.aborted).toBe(true));
  });

  it('cancels the upstream request when the consumer stops reading', async () => {
    const { stream } = await provider.chatStream(chatRequest({ stream: true }), context('slow-body'));
    const record = mock.requests[mock.requests.length - 1];
    for await (const part of stream) if (part.type === 'start') break;
    await vi.waitFor(() => expect(record.aborted).toBe(true));
  });
});

describe('anthropic mock fidelity', () => {
  it('requires x-api-key, anthropic-version and max_tokens like the real API', async () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const body = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const noKey = await post({ 'anthropic-version': '2023-06-01' }, body);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const noVersion = await post({ 'x-api-key': 'k' }, body);
    expect(noVersion.status).toBe(400);
    const noMax = await post({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, { ...body, max_tokens: undefined });
    expect(noMax.status).toBe(400);
    expect(await noMax.json()).toMatchObject({ error: { message: 'max_tokens: Field required' } });
    const ok = await post({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body);
    expect(await ok.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'Echo: hi' }], stop_reason: 'end_turn' });
  });
});
