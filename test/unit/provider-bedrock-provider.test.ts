import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BedrockProviderConfig } from '../../src/config/schema.js';
import { createBedrockProvider } from '../../src/providers/bedrock/index.js';
import type { CallContext, CallTimeouts, ProviderAdapter } from '../../src/providers/provider.js';
import { closeUpstreamAgents } from '../../src/providers/shared/upstream-http.js';
import type { ChatRequest, Message } from '../../src/spec/chat-request.js';
import type { ChatStreamPart } from '../../src/spec/chat-stream-part.js';
import { GatewayError } from '../../src/spec/errors.js';
import { startBedrockMock, type BedrockMock } from '../mock-upstreams/bedrock-mock.js';

const CREDENTIALS = { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock-secret-key', sessionToken: 'mock-session-token' };
const API_KEY = 'bedrock-api-key-mock';
const REGION = 'us-west-2';
const CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const TIMEOUTS: CallTimeouts = { connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 10_000 };

let mock: BedrockMock;

beforeAll(async () => {
  mock = await startBedrockMock({ apiKey: API_KEY, credentials: CREDENTIALS, region: REGION, slowMs: 3000 });
});

afterAll(async () => {
  await mock.close();
  await closeUpstreamAgents();
});

function provider(auth: Partial<BedrockProviderConfig> = { apiKey: API_KEY }): ProviderAdapter {
  return createBedrockProvider('aws', { type: 'bedrock', region: REGION, baseUrl: mock.url, ...auth }, { env: {} });
}

function context(upstreamModel = CLAUDE, overrides: Partial<CallContext> = {}): CallContext {
  return {
    upstreamModel,
    signal: new AbortController().signal,
    timeouts: TIMEOUTS,
    model: { reasoning: true, tools: true, images: true, json: true, remoteImages: false },
    ...overrides,
  };
}

function request(text: string, overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'claude', messages: [{ role: 'user', content: [{ type: 'text', text }] }], stream: false, ...overrides };
}

async function collect(stream: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
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

function textOf(parts: ChatStreamPart[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
}

describe('Bedrock adapter: authorization against the mock', () => {
  it('sends a Bedrock API key as a bearer token', async () => {
    const result = await provider().chat(request('Hello'), context());
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: Hello' }]);
    const sent = mock.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent.path).toBe('/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse');
    expect(sent.modelId).toBe(CLAUDE);
  });

  it('signs with SigV4 (signing name bedrock, session token sent) and the mock accepts the signature', async () => {
    const result = await provider(CREDENTIALS).chat(request('Signed'), context());
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: Signed' }]);
    const sent = mock.requests.at(-1)!;
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDMOCK\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    expect(sent.headers['x-amz-security-token']).toBe('mock-session-token');
  });

  it('signs streaming calls too', async () => {
    const { stream } = await provider(CREDENTIALS).chatStream(request('Signed stream', { stream: true }), context());
    const parts = await collect(stream);
    expect(textOf(parts)).toBe('Echo: Signed stream');
    expect(mock.requests.at(-1)!.headers.accept).toBe('application/vnd.amazon.eventstream');
  });

  it('is rejected with InvalidSignatureException for a wrong secret (authentication, 502 to the client)', async () => {
    const error = await rejection(provider({ ...CREDENTIALS, secretAccessKey: 'wrong' }).chat(request('x'), context()));
    expect(error).toMatchObject({ kind: 'authentication', status: 502, upstreamStatus: 403, upstreamType: 'InvalidSignatureException', retryable: false, provider: 'aws' });
    expect(error.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is rejected for a missing session token and for a wrong API key', async () => {
    const noToken = await rejection(provider({ accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: CREDENTIALS.secretAccessKey }).chat(request('x'), context()));
    expect(noToken).toMatchObject({ kind: 'authentication', upstreamType: 'UnrecognizedClientException' });
    const badKey = await rejection(provider({ apiKey: 'nope' }).chat(request('x'), context()));
    expect(badKey).toMatchObject({ kind: 'authentication', upstreamType: 'UnrecognizedClientException' });
  });

  it('refuses to start without credentials', () => {
    expect(() => createBedrockProvider('aws', { type: 'bedrock', region: REGION }, { env: {} })).toThrow(/no credentials/);
  });
});

describe('Bedrock adapter: Converse', () => {
  it('returns text, usage, finish reason, request id and warnings', async () => {
    const result = await provider().chat(request('How are you', { seed: 7, maxTokens: 50 }), context());
    expect(result).toMatchObject({ model: CLAUDE, finishReason: 'stop', rawFinishReason: 'end_turn' });
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.id).toBe(`bedrock-${result.upstreamRequestId}`);
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'seed' })]);
    expect(mock.requests.at(-1)!.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'How are you' }] }], inferenceConfig: { maxTokens: 50 } });
  });

  it('counts images and echoes tool results', async () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'Look' }] },
      { role: 'assistant', content: [{ type: 'tool-call', id: 'tooluse_a', name: 'lookup', argumentsJson: '{"q":"x"}' }] },
      {
        role: 'user',
        content: [
          { type: 'tool-result', toolCallId: 'tooluse_a', content: [{ type: 'text', text: '42' }] },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'text', text: 'What now' },
        ],
      },
    ];
    const tools = [{ name: 'lookup', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } }];
    const result = await provider().chat(request('', { messages, tools }), context());
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: What now [images: 1] Tool result: 42' }]);
    expect(result.usage.cacheWriteTokens).toBeUndefined();
  });

  it('calls two tools in parallel, or the forced one, with arguments from the schema', async () => {
    const tools = [
      { name: 'weather', inputSchema: { type: 'object', properties: { city: { type: 'string', enum: ['Paris'] } }, required: ['city'] } },
      { name: 'time', inputSchema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
    ];
    const both = await provider().chat(request('Weather and time?', { tools }), context());
    expect(both.finishReason).toBe('tool-calls');
    expect(both.content).toEqual([
      { type: 'tool-call', id: 'tooluse_mock_1', name: 'weather', argumentsJson: '{"city":"Paris"}' },
      { type: 'tool-call', id: 'tooluse_mock_2', name: 'time', argumentsJson: '{"zone":"zone"}' },
    ]);
    const forced = await provider().chat(request('Time?', { tools, toolChoice: { type: 'tool', name: 'time' } }), context());
    expect(forced.content).toEqual([{ type: 'tool-call', id: 'tooluse_mock_1', name: 'time', argumentsJson: '{"zone":"zone"}' }]);
    expect(mock.requests.at(-1)!.body).toMatchObject({ toolConfig: { toolChoice: { tool: { name: 'time' } } } });
  });

  it('honours maxTokens and stop sequences', async () => {
    const short = await provider().chat(request('one two three four', { maxTokens: 2 }), context());
    // the mock counts tokens as ceil(chars / 4): 2 tokens = 8 characters
    expect(short).toMatchObject({ finishReason: 'length', content: [{ type: 'text', text: 'Echo: on' }] });
    const stopped = await provider().chat(request('alpha beta gamma', { stopSequences: ['gamma'] }), context());
    expect(stopped).toMatchObject({ finishReason: 'stop-sequence', content: [{ type: 'text', text: 'Echo: alpha beta ' }] });
  });

  it('replays a recorded Converse response', async () => {
    const result = await provider().chat(request('x'), context('fixture:amazon-bedrock-reasoning'));
    expect(result.content.map((p) => p.type)).toEqual(['reasoning', 'text']);
    expect(result.usage).toEqual({ inputTokens: 51, outputTokens: 78, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it('reports cache writes', async () => {
    const result = await provider().chat(request('x', { system: [{ type: 'text', text: 'Long prompt', cacheControl: { type: 'ephemeral' } }] }), context());
    expect(result.usage.cacheWriteTokens).toBe(8);
    expect(result.usage.inputTokens).toBeGreaterThan(8);
  });

  it('rejects an image URL before calling the upstream', async () => {
    const before = mock.requests.length;
    const messages: Message[] = [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } }] }];
    const error = await rejection(provider().chat(request('', { messages }), context()));
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, param: 'messages[0].content[0].source' });
    expect(mock.requests.length).toBe(before);
  });
});

describe('Bedrock adapter: ConverseStream', () => {
  it('gets frames from the mock cut across TCP reads (the case the splitter exists for)', async () => {
    const response = await undiciRequest(`${mock.url}/model/${encodeURIComponent('fixture:amazon-bedrock-reasoning')}/converse-stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [] }),
    });
    expect(response.headers['content-type']).toBe('application/vnd.amazon.eventstream');
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const frameEnds = new Set<number>();
    for (let offset = 0; offset < bytes.length; offset += bytes.readUInt32BE(offset)) frameEnds.add(offset + bytes.readUInt32BE(offset));
    expect(frameEnds.has(bytes.length)).toBe(true);
    let boundary = 0;
    const cutsInsideFrames = chunks.slice(0, -1).filter((chunk) => !frameEnds.has((boundary += chunk.length))).length;
    expect(cutsInsideFrames).toBeGreaterThan(0);
  });

  it('streams the echo in order with usage only at the end', async () => {
    const result = await provider().chatStream(request('Stream me please', { stream: true, topK: 3 }), context());
    expect(result.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.warnings).toEqual([]);
    const parts = await collect(result.stream);
    expect(parts[0]).toEqual({ type: 'start', id: `bedrock-${result.upstreamRequestId}`, model: CLAUDE, upstreamRequestId: result.upstreamRequestId });
    expect(parts.map((p) => p.type).filter((t) => t !== 'text-delta')).toEqual(['start', 'text-start', 'text-end', 'finish']);
    expect(textOf(parts)).toBe('Echo: Stream me please');
    const finish = parts.at(-1)!;
    const chat = await provider().chat(request('Stream me please', { topK: 3 }), context());
    expect(finish).toEqual({ type: 'finish', finishReason: 'stop', rawFinishReason: 'end_turn', usage: chat.usage });
    expect(mock.requests.at(-2)!.body).toMatchObject({ additionalModelRequestFields: { top_k: 3 } });
  });

  it('streams thinking with its signature, then parallel tool calls', async () => {
    const tools = [
      { name: 'a', inputSchema: { type: 'object', properties: { x: { type: 'integer', minimum: 3 } }, required: ['x'] } },
      { name: 'b', inputSchema: { type: 'object' } },
    ];
    const { stream } = await provider().chatStream(request('Go', { stream: true, tools, maxTokens: 20000, reasoning: { budgetTokens: 1024 } }), context());
    const parts = await collect(stream);
    expect(parts.map((p) => p.type).filter((t) => !t.endsWith('-delta'))).toEqual([
      'start',
      'reasoning-start',
      'reasoning-signature',
      'reasoning-end',
      'tool-call-start',
      'tool-call-end',
      'tool-call-start',
      'tool-call-end',
      'finish',
    ]);
    expect(parts.filter((p) => p.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 1, id: 'tooluse_mock_1', name: 'a' },
      { type: 'tool-call-start', index: 2, id: 'tooluse_mock_2', name: 'b' },
    ]);
    const args = parts.filter((p) => p.type === 'tool-call-delta' && p.index === 1).map((p) => (p.type === 'tool-call-delta' ? p.argumentsDelta : ''));
    expect(JSON.parse(args.join(''))).toEqual({ x: 3 });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('replays a recorded stream re-encoded as binary frames', async () => {
    const { stream } = await provider().chatStream(request('x', { stream: true }), context('fixture:amazon-bedrock-text'));
    const parts = await collect(stream);
    expect(textOf(parts)).toBe('Let me count the "r"s in "strawberry":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** r\'s in "strawberry."');
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', rawFinishReason: 'end_turn', usage: { inputTokens: 22, outputTokens: 55 } });
  });

  it('turns a synthetic in-stream exception into an error part after the partial text', async () => {
    const { stream } = await provider().chatStream(request('x', { stream: true }), context('fixture:stream-then-throttlingException'));
    const parts = await collect(stream);
    expect(parts.map((p) => p.type)).toEqual(['start', 'text-start', 'text-delta', 'error']);
    expect(parts[3]).toMatchObject({ error: { kind: 'rate_limit', retryable: true, upstreamType: 'throttlingException' } });
  });

  it('turns exception frames, error frames and a cut stream into error parts', async () => {
    const exception = await collect((await provider().chatStream(request('x', { stream: true }), context('stream-exception:serviceUnavailableException'))).stream);
    expect(exception.at(-1)).toMatchObject({ type: 'error', error: { kind: 'overloaded', retryable: true } });
    const errorFrame = await collect((await provider().chatStream(request('x', { stream: true }), context('stream-error-frame'))).stream);
    expect(errorFrame.at(-1)).toMatchObject({ type: 'error', error: { upstreamType: 'InternalFailure' } });
    const cut = await collect((await provider().chatStream(request('a b c d e', { stream: true }), context('truncated'))).stream);
    expect(cut.at(-1)).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED' } });
    expect(cut.some((p) => p.type === 'text-delta')).toBe(true);
  });
});

describe('Bedrock adapter: HTTP errors per exception', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['ValidationException', { kind: 'invalid_request', status: 400, retryable: false, upstreamStatus: 400 }],
    ['ServiceQuotaExceededException', { kind: 'quota_exceeded', status: 429, retryable: false, upstreamStatus: 400 }],
    ['AccessDeniedException', { kind: 'permission', status: 502, retryable: false, upstreamStatus: 403 }],
    ['UnrecognizedClientException', { kind: 'authentication', status: 502, retryable: false, upstreamStatus: 403 }],
    ['ResourceNotFoundException', { kind: 'not_found', status: 502, retryable: false, upstreamStatus: 404 }],
    ['ModelTimeoutException', { kind: 'timeout', status: 504, retryable: true, upstreamStatus: 408 }],
    ['ModelErrorException', { kind: 'upstream_error', status: 502, retryable: false, upstreamStatus: 424 }],
    ['ThrottlingException', { kind: 'rate_limit', status: 429, retryable: true, upstreamStatus: 429 }],
    ['ModelNotReadyException', { kind: 'rate_limit', status: 429, retryable: true, upstreamStatus: 429 }],
    ['InternalServerException', { kind: 'upstream_error', status: 502, retryable: true, upstreamStatus: 500 }],
    ['ServiceUnavailableException', { kind: 'overloaded', status: 529, retryable: true, upstreamStatus: 503 }],
  ];
  for (const [type, expected] of cases) {
    it(`${type}`, async () => {
      const error = await rejection(provider().chat(request('x'), context(`error:${type}`)));
      expect(error).toMatchObject({ ...expected, upstreamType: type, origin: 'upstream', provider: 'aws', message: expect.stringContaining(`Mock ${type}.`) });
      expect(error.code).toMatch(/^SWY_ERR_UPSTREAM_/);
      expect(error.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
      const streamError = await rejection(provider().chatStream(request('x', { stream: true }), context(`error:${type}`)));
      expect(streamError).toMatchObject({ kind: expected.kind, upstreamType: type });
    });
  }
});

describe('Bedrock adapter: timeouts and aborts', () => {
  it('times out waiting for headers', async () => {
    const error = await rejection(provider().chat(request('x'), context('slow-headers', { timeouts: { ...TIMEOUTS, firstByteMs: 200 } })));
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT', kind: 'timeout', retryable: true });
  });

  it('times out when the stream goes idle', async () => {
    const { stream } = await provider().chatStream(request('x', { stream: true }), context('slow-body', { timeouts: { ...TIMEOUTS, idleMs: 200 } }));
    const parts = await collect(stream);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT', kind: 'timeout' } });
  });

  it('stops the stream at the total timeout', async () => {
    const { stream } = await provider().chatStream(request('x', { stream: true }), context('slow-body', { timeouts: { ...TIMEOUTS, totalMs: 300 } }));
    const parts = await collect(stream);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT', kind: 'timeout' } });
  });

  it('reports a client abort before the headers', async () => {
    const controller = new AbortController();
    const pending = provider().chat(request('x'), context('slow-headers', { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect(await rejection(pending)).toMatchObject({ code: 'SWY_ERR_CLIENT_CLOSED', status: 499 });
  });

  it('reports a client abort in the middle of a stream', async () => {
    const controller = new AbortController();
    const { stream } = await provider().chatStream(request('x', { stream: true }), context('slow-body', { signal: controller.signal }));
    const parts: ChatStreamPart[] = [];
    for await (const part of stream) {
      parts.push(part);
      if (part.type === 'start') controller.abort();
    }
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_CLIENT_CLOSED' } });
  });
});
