import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { tapAnthropicStream } from '../../src/providers/anthropic/anthropic-passthrough-stream.js';
import type { CallContext, PassthroughEvent, PassthroughRequest, PassthroughResponse, ProviderAdapter } from '../../src/providers/provider.js';
import { GatewayError } from '../../src/spec/index.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';

let mock: AnthropicMock;
let provider: ProviderAdapter;

beforeAll(async () => {
  mock = await startAnthropicMock({ slowMs: 3000 });
  provider = createAnthropicProvider('anthropic-pt', {
    type: 'anthropic',
    apiKey: 'sk-ant-pt',
    baseUrl: mock.url,
    version: '2023-06-01',
    betas: ['prompt-caching-2024-07-31'],
  });
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

function passthrough(body: Record<string, unknown>, stream: boolean, ctx: CallContext): Promise<PassthroughResponse> {
  const request: PassthroughRequest = { dialect: 'anthropic-messages', body, stream };
  if (!provider.passthrough) throw new Error('the anthropic adapter must support passthrough');
  return provider.passthrough(request, ctx);
}

async function readAll(body: PassthroughResponse['body']): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const event of body) {
    if (event.kind === 'error') throw event.error;
    if (event.bytes) chunks.push(Buffer.from(event.bytes));
  }
  return Buffer.concat(chunks);
}

const clientBody = {
  model: 'claude-client-alias',
  max_tokens: 300,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
  // Fields the canonical form does not model must survive.
  container: { id: 'container_123' },
  mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }],
  service_tier: 'standard_only',
  context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
  some_future_field: { nested: [1, 2, 3] },
};

describe('anthropic passthrough: non-streaming', () => {
  it('sends the client body with only model replaced, and the client version with merged betas', async () => {
    const response = await passthrough(
      { ...clientBody },
      false,
      context('fixture:recorded-vercel-ai/anthropic-text.json', {
        forwardHeaders: { 'anthropic-version': '2023-01-01', 'anthropic-beta': 'context-management-2025-06-27,prompt-caching-2024-07-31' },
      }),
    );
    await readAll(response.body);
    const recorded = mock.requests[mock.requests.length - 1];
    expect(recorded.body).toEqual({ ...clientBody, model: 'fixture:recorded-vercel-ai/anthropic-text.json' });
    expect(recorded.headers['x-api-key']).toBe('sk-ant-pt');
    expect(recorded.headers['anthropic-version']).toBe('2023-01-01');
    expect(recorded.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31,context-management-2025-06-27');
  });

  it('uses the configured anthropic-version when the client sent none', async () => {
    await readAll((await passthrough({ ...clientBody }, false, context('claude-echo'))).body);
    expect(mock.requests[mock.requests.length - 1].headers['anthropic-version']).toBe('2023-06-01');
  });

  it('returns the upstream bytes unchanged, with usage, request id and forwardable headers', async () => {
    const response = await passthrough({ ...clientBody }, false, context('fixture:recorded-vercel-ai/anthropic-clear-thinking.1.json'));
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect((response.body as Buffer).equals(readFixtureBytes('anthropic/recorded-vercel-ai/anthropic-clear-thinking.1.json'))).toBe(true);
    expect(response.usage()).toEqual({ inputTokens: 69, outputTokens: 33, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(response.status).toBe(200);
    expect(response.upstreamRequestId).toMatch(/^req_mock_/);
    expect(response.headers['request-id']).toBe(response.upstreamRequestId);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['anthropic-ratelimit-requests-remaining']).toBe('999');
  });

  it('throws the mapped GatewayError for a non-2xx answer', async () => {
    let caught: unknown;
    try {
      await passthrough({ ...clientBody }, false, context('error:429'));
    } catch (error) {
      caught = error;
    }
    expect(GatewayError.is(caught)).toBe(true);
    expect(caught).toMatchObject({ kind: 'rate_limit', retryable: true, retryAfterMs: 2000, upstreamType: 'rate_limit_error', upstreamStatus: 429 });
  });

  it('refuses a body of another dialect', async () => {
    await expect(provider.passthrough?.({ dialect: 'openai-chat', body: {}, stream: false }, context('claude-echo'))).rejects.toMatchObject({
      code: 'SWY_ERR_PASSTHROUGH_DIALECT',
    });
  });
});

describe('anthropic passthrough: streaming', () => {
  it('relays the SSE bytes unchanged (multi-byte characters split across writes) and taps usage', async () => {
    const path = 'sdk-ts-fixtures/tests__fixtures__fable-fallback__stream-a-refusal.sse';
    const response = await passthrough({ ...clientBody, stream: true }, true, context(`fixture:${path}`));
    const chunks: Buffer[] = [];
    const kinds: string[] = [];
    for await (const event of response.body as AsyncIterable<PassthroughEvent>) {
      kinds.push(event.kind);
      if (event.bytes) chunks.push(Buffer.from(event.bytes));
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(kinds[0]).toBe('start');
    expect(kinds).toContain('content');
    expect(kinds.at(-1)).toBe('finish');
    expect(response.finished()).toBe(true);
    expect(response.deliveredChars()).toBeGreaterThan(0);
    expect(Buffer.concat(chunks).equals(readFixtureBytes(`anthropic/${path}`))).toBe(true);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.usage()).toEqual({ inputTokens: 28, outputTokens: 106, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 67 });
  });

  it('takes the last cumulative usage, not a sum', async () => {
    const response = await passthrough({ ...clientBody, stream: true }, true, context('fixture:recorded-vercel-ai/anthropic-message-delta-input-tokens.chunks.txt'));
    await readAll(response.body);
    expect(response.usage()).toEqual({ inputTokens: 61, outputTokens: 2 });
  });

  it('resolves usage with what was seen when the consumer stops early, and cancels the upstream', async () => {
    const response = await passthrough({ ...clientBody, stream: true }, true, context('slow-body'));
    const record = mock.requests[mock.requests.length - 1];
    let seen = '';
    for await (const event of response.body as AsyncIterable<PassthroughEvent>) {
      if (event.bytes) seen += Buffer.from(event.bytes).toString('utf8');
      if (seen.includes('event: ping')) break;
    }
    const usage = response.usage();
    expect(usage?.outputTokens).toBe(1);
    expect(usage?.inputTokens).toBeGreaterThan(0);
    await vi.waitFor(() => expect(record.aborted).toBe(true));
  });

  it('resolves usage when the client aborts before reading', async () => {
    const controller = new AbortController();
    const response = await passthrough({ ...clientBody, stream: true }, true, context('slow-body', { signal: controller.signal }));
    const record = mock.requests[mock.requests.length - 1];
    controller.abort();
    expect(response.usage()).toBeUndefined();
    await vi.waitFor(() => expect(record.aborted).toBe(true));
  });

  it('throws a mapped idle timeout when the stream goes silent, and still resolves usage', async () => {
    const response = await passthrough(
      { ...clientBody, stream: true },
      true,
      context('slow-body', { timeouts: { connectMs: 2000, firstByteMs: 5000, idleMs: 200, totalMs: 15000 } }),
    );
    let caught: unknown;
    try {
      await readAll(response.body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT', kind: 'timeout' });
    expect((response.usage())?.outputTokens).toBe(1);
  });
});

describe('tapAnthropicStream', () => {
  it('forwards nothing an upstream sends after message_stop', async () => {
    const event = (type: string, extra = '') => `event: ${type}\ndata: {"type":"${type}"${extra}}\n\n`;
    const head = event('message_start', ',"message":{"usage":{"input_tokens":1,"output_tokens":1}}') + event('message_delta', ',"delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}') + event('message_stop');
    const tap = tapAnthropicStream((async function* () { yield Buffer.from(head + event('message_stop') + event('ping')); })(), 'p', new AbortController().signal);
    const kinds: string[] = [];
    const bytes: Buffer[] = [];
    for await (const e of tap.events) {
      kinds.push(e.kind);
      if (e.bytes) bytes.push(Buffer.from(e.bytes));
    }
    expect(kinds).toEqual(['start', 'usage', 'finish']);
    expect(Buffer.concat(bytes).toString('utf8')).toBe(head);
    expect(tap.finished()).toBe(true);
  });
});
