import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapOpenAIHttpError } from '../../src/providers/openai/openai-errors.js';
import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import type { CallContext, ProviderAdapter } from '../../src/providers/provider.js';
import { closeUpstreamAgents } from '../../src/providers/shared/upstream-http.js';
import { GatewayError, type ChatRequest, type ChatStreamPart } from '../../src/spec/index.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';

let mock: OpenAIMock;
let provider: ProviderAdapter;

beforeAll(async () => {
  mock = await startOpenAIMock();
  provider = createOpenAIProvider('openai', { type: 'openai', apiKey: 'sk-test', baseUrl: mock.url });
});
afterAll(async () => {
  await mock.close();
  await closeUpstreamAgents();
});

function context(upstreamModel: string): CallContext {
  return {
    upstreamModel,
    signal: new AbortController().signal,
    timeouts: { connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 10_000 },
    model: { reasoning: false, tools: true, images: true, json: true, remoteImages: true },
  };
}

const request: ChatRequest = { model: 'smart', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: false };

async function chatError(upstreamModel: string): Promise<GatewayError> {
  try {
    await provider.chat(request, context(upstreamModel));
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('OpenAI error mapping against the mock upstream', () => {
  it.each([
    // upstream model         kind               client status  retryable  upstreamType                     retryAfterMs
    ['error:400', 'invalid_request', 400, false, 'unsupported_parameter', undefined],
    ['error:401', 'authentication', 502, false, 'invalid_api_key', undefined],
    ['error:403', 'permission', 502, false, 'unsupported_country_region_territory', undefined],
    ['error:404', 'not_found', 502, false, 'model_not_found', undefined],
    ['error:429', 'rate_limit', 429, true, 'rate_limit_exceeded', 2000],
    ['error:429:insufficient_quota', 'quota_exceeded', 429, false, 'insufficient_quota', undefined],
    ['error:500', 'upstream_error', 502, true, 'server_error', undefined],
    ['error:503', 'overloaded', 529, true, 'server_error', undefined],
  ] as const)('%s → %s', async (model, kind, status, retryable, upstreamType, retryAfterMs) => {
    const error = await chatError(model);
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(retryable);
    expect(error.upstreamType).toBe(upstreamType);
    expect(error.retryAfterMs).toBe(retryAfterMs);
    expect(error.upstreamStatus).toBe(Number(model.split(':')[1]));
    expect(error.upstreamRequestId).toMatch(/^req_mock_\d+$/);
    expect(error.origin).toBe('upstream');
    expect(error.provider).toBe('openai');
    expect(error.code).toMatch(/^SWY_ERR_UPSTREAM_/);
    expect(error.message.startsWith('openai: ')).toBe(true);
  });

  it('keeps the upstream param and message of a 400', async () => {
    const error = await chatError('error:400');
    expect(error.param).toBe('max_tokens');
    expect(error.message).toBe("openai: Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.");
  });

  it('maps a non-JSON (HTML) error body by status with a readable excerpt', async () => {
    const error = await chatError('error:502:html');
    expect(error.kind).toBe('upstream_error');
    expect(error.status).toBe(502);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('openai: HTTP 502: 502 502 Bad Gateway nginx');
  });

  it('maps a real recorded 400 (o1-mini rejecting the system role) from a cassette', async () => {
    const error = await chatError('fixture:recorded-pydantic-ai/test_openai_o1_mini_system_role[system].json');
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, upstreamType: 'unsupported_value', param: 'messages[0].role', retryable: false });
  });

  it('throws the mapped error from chatStream before any part is produced', async () => {
    await expect(provider.chatStream({ ...request, stream: true }, context('error:429'))).rejects.toMatchObject({ kind: 'rate_limit', retryAfterMs: 2000 });
  });

  it('turns a mid-stream error event into an error part after the partial text', async () => {
    const opened = await provider.chatStream({ ...request, stream: true }, context('midstream-error'));
    const parts: ChatStreamPart[] = [];
    for await (const part of opened.stream) parts.push(part);
    const text = parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
    expect(text).toBe('Partial answer');
    const last = parts.at(-1);
    expect(last?.type).toBe('error');
    expect(last?.type === 'error' && last.error).toMatchObject({ kind: 'upstream_error', upstreamType: 'server_error', retryable: true, upstreamRequestId: opened.upstreamRequestId });
  });

  it('reports a connection that ends without finish_reason as a retryable truncation', async () => {
    const opened = await provider.chatStream({ ...request, stream: true }, context('truncated'));
    const parts: ChatStreamPart[] = [];
    for await (const part of opened.stream) parts.push(part);
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED', retryable: true });
  });
});

describe('mapOpenAIHttpError', () => {
  it('honours x-should-retry and retry-after-ms', () => {
    const error = mapOpenAIHttpError(409, { 'x-should-retry': 'false', 'retry-after-ms': '250', 'x-request-id': 'req_1' }, '{"error":{"message":"Conflict","type":"conflict","param":null,"code":null}}', 'p');
    expect(error).toMatchObject({ kind: 'upstream_error', retryable: false, retryAfterMs: 250, upstreamRequestId: 'req_1', message: 'p: Conflict' });
  });

  it('maps context_length_exceeded to invalid_request and an Azure 429 body to rate_limit', () => {
    const tooLong = mapOpenAIHttpError(400, {}, JSON.stringify({ error: { message: 'too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }), 'p');
    expect(tooLong).toMatchObject({ kind: 'invalid_request', status: 400, param: 'messages', upstreamType: 'context_length_exceeded' });
    const azure = mapOpenAIHttpError(429, { 'retry-after': '20', 'apim-request-id': 'apim-1' }, JSON.stringify({ error: { code: '429', message: 'Requests have exceeded the call rate limit.' } }), 'azure');
    expect(azure).toMatchObject({ kind: 'rate_limit', retryable: true, retryAfterMs: 20_000, upstreamRequestId: 'apim-1', upstreamType: '429' });
  });

  it('handles an empty body and a bare string error', () => {
    expect(mapOpenAIHttpError(500, {}, '', 'p').message).toBe('p: HTTP 500');
    expect(mapOpenAIHttpError(400, {}, '{"error":"bad things"}', 'p')).toMatchObject({ kind: 'invalid_request', message: 'p: bad things' });
  });
});
