import Anthropic from '@anthropic-ai/sdk';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessagesDialect } from '../../src/dialects/anthropic-messages/index.js';
import type { EncodeContext } from '../../src/dialects/dialect.js';
import { GatewayError, type ChatResult, type ChatStreamPart } from '../../src/spec/index.js';

/**
 * The official Anthropic SDK against the dialect's output: a tiny HTTP server answers every request
 * with whatever the test queued (encoded SSE, a Message body or an error), exactly as the gateway would.
 */

interface Canned {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const context: EncodeContext = { requestedModel: 'smart', servedModel: 'served', includeUsage: false };
let server: Server;
let client: Anthropic;
let next: Canned | undefined;
const received: unknown[] = [];

async function readBody(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((body) => {
      received.push(JSON.parse(body));
      const canned = next ?? { status: 500, headers: {}, body: '{}' };
      response.writeHead(canned.status, canned.headers);
      response.end(canned.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: 'x', maxRetries: 0 });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function serveStream(parts: ChatStreamPart[]): void {
  const encoder = anthropicMessagesDialect.createStreamEncoder(context);
  const body = parts.map((part) => encoder.push(part)).join('') + encoder.end();
  next = { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body };
}

function serveError(error: GatewayError): void {
  const rendered = anthropicMessagesDialect.encodeError(error);
  next = {
    status: rendered.status,
    headers: { 'content-type': 'application/json', ...rendered.headers },
    body: JSON.stringify(rendered.body),
  };
}

const params = { model: 'smart', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('official @anthropic-ai/sdk on the encoded stream', () => {
  it('reassembles thinking, redacted thinking, text, parallel tool_use inputs and usage', async () => {
    const signature = 'EvQBCkYICxgCKkAxhD4NUKFzudtZ6NzbZdEiBACIScTzqjPViM596iWLZIk4EFKYYBj3B6Ptl3b0dcQv/VeJBNbejNWIWRBn+KPN==';
    serveStream([
      { type: 'start', id: 'msg_sdk1', model: 'claude-sonnet-4-5' },
      { type: 'usage', usage: { inputTokens: 500, outputTokens: 1, cacheReadTokens: 300, cacheWriteTokens: 100 } },
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, delta: 'The user wants ' },
      { type: 'reasoning-delta', index: 0, delta: 'weather ÷ time.' },
      { type: 'reasoning-signature', index: 0, signature },
      { type: 'reasoning-end', index: 0 },
      { type: 'redacted-reasoning', index: 1, data: 'EmwKAhgBEgy3va3pzix' },
      { type: 'text-start', index: 2 },
      { type: 'text-delta', index: 2, delta: 'Checking ' },
      { type: 'text-delta', index: 2, delta: 'both.' },
      { type: 'text-end', index: 2 },
      { type: 'tool-call-start', index: 3, id: 'call_weather1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 3, argumentsDelta: '{"city": "Pa' },
      { type: 'tool-call-delta', index: 3, argumentsDelta: 'ris", "days": [1, 2]}' },
      { type: 'tool-call-end', index: 3 },
      { type: 'tool-call-start', index: 4, id: 'toolu_02', name: 'get_time' },
      { type: 'tool-call-end', index: 4 },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 500, outputTokens: 77, cacheReadTokens: 300, cacheWriteTokens: 100 } },
    ]);
    const stream = client.messages.stream(params);
    const texts: string[] = [];
    stream.on('text', (delta) => texts.push(delta));
    const message = await stream.finalMessage();

    expect(received.at(-1)).toMatchObject({ stream: true, model: 'smart' });
    expect(texts.join('')).toBe('Checking both.');
    expect(message.id).toBe('msg_sdk1');
    expect(message.model).toBe('claude-sonnet-4-5');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.stop_sequence).toBeNull();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'The user wants weather ÷ time.', signature },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'call_weather1', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } },
      { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: {} },
    ]);
    expect(message.usage).toMatchObject({
      input_tokens: 100,
      output_tokens: 77,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 300,
    });
  });

  it('takes the final input usage from message_delta when the upstream reports it only at the end', async () => {
    serveStream([
      { type: 'start', id: 'chatcmpl-late', model: 'gpt-4o' },
      { type: 'text-start', index: 0 },
      { type: 'text-delta', index: 0, delta: 'pong' },
      { type: 'text-end', index: 0 },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 61, outputTokens: 2 } },
    ]);
    const message = await client.messages.stream(params).finalMessage();
    expect(message.id).toBe('msg_chatcmpl-late');
    expect(message.content).toEqual([{ type: 'text', text: 'pong' }]);
    expect(message.usage).toMatchObject({ input_tokens: 61, output_tokens: 2 });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('makes the SDK throw on an in-stream error', async () => {
    serveStream([
      { type: 'start', id: 'msg_err', model: 'm' },
      { type: 'text-start', index: 0 },
      { type: 'text-delta', index: 0, delta: 'partial' },
      { type: 'error', error: new GatewayError({ code: 'SWY_ERR_UPSTREAM', kind: 'overloaded', message: 'Overloaded', upstreamStatus: 529 }) },
    ]);
    const failure = await client.messages.stream(params).finalMessage().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
    expect((failure as Error).message).toContain('Overloaded');
  });

  it('parses a non-streaming response body', async () => {
    const result: ChatResult = {
      id: 'msg_plain',
      model: 'claude-haiku',
      content: [
        { type: 'text', text: 'Sure.' },
        { type: 'tool-call', id: 'toolu_9', name: 'lookup', argumentsJson: '{"q":"x"}' },
      ],
      finishReason: 'tool-calls',
      usage: { inputTokens: 40, outputTokens: 9, cacheReadTokens: 30 },
      warnings: [],
    };
    next = { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(anthropicMessagesDialect.encodeResponse(result, context)) };
    const message = await client.messages.create(params);
    expect(message.content).toEqual([
      { type: 'text', text: 'Sure.' },
      { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: { q: 'x' } },
    ]);
    expect(message.usage).toEqual({ input_tokens: 10, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 30 });
  });
});

describe('official @anthropic-ai/sdk on encoded error bodies', () => {
  const cases: Array<[string, GatewayError, new (...args: never[]) => Error, number, string]> = [
    ['400 invalid request', new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', message: 'max_tokens: Field required', param: 'max_tokens' }), Anthropic.BadRequestError, 400, 'invalid_request_error'],
    ['401 authentication', new GatewayError({ code: 'SWY_ERR_AUTH', kind: 'authentication', message: 'Invalid API key' }), Anthropic.AuthenticationError, 401, 'authentication_error'],
    ['404 not found', new GatewayError({ code: 'SWY_ERR_MODEL', kind: 'not_found', message: 'model: unknown model' }), Anthropic.NotFoundError, 404, 'not_found_error'],
    ['429 rate limit', new GatewayError({ code: 'SWY_ERR_RATE', kind: 'rate_limit', message: 'Rate limited', retryAfterMs: 2000, upstreamRequestId: 'req_up1' }), Anthropic.RateLimitError, 429, 'rate_limit_error'],
    ['529 overloaded', new GatewayError({ code: 'SWY_ERR_OVERLOADED', kind: 'overloaded', message: 'Overloaded' }), Anthropic.InternalServerError, 529, 'overloaded_error'],
    ['502 upstream', new GatewayError({ code: 'SWY_ERR_UPSTREAM', kind: 'upstream_error', message: 'Upstream failed' }), Anthropic.InternalServerError, 502, 'api_error'],
  ];

  it.each(cases)('%s → SDK error class, status and type', async (_name, error, errorClass, status, type) => {
    serveError(error);
    const failure = await client.messages.create(params).catch((thrown: unknown) => thrown);
    expect(failure).toBeInstanceOf(errorClass);
    const apiError = failure as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(status);
    expect(apiError.type).toBe(type);
    expect(apiError.message).toContain(error.message);
  });

  it('exposes retry-after and the upstream request id to the SDK', async () => {
    serveError(new GatewayError({ code: 'SWY_ERR_RATE', kind: 'rate_limit', message: 'Slow down', retryAfterMs: 2000, upstreamRequestId: 'req_up1' }));
    const failure = (await client.messages.create(params).catch((thrown: unknown) => thrown)) as InstanceType<typeof Anthropic.APIError>;
    expect(failure.headers?.get('retry-after')).toBe('2');
    expect(failure.headers?.get('x-switchyard-upstream-request-id')).toBe('req_up1');
    expect(failure.error).toMatchObject({ request_id: 'req_up1' });
  });
});
