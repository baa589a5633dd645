import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiChatDialect } from '../../src/dialects/openai-chat/index.js';
import type { EncodeContext } from '../../src/dialects/dialect.js';
import { GatewayError, type ChatResult, type ChatStreamPart, type Usage } from '../../src/spec/index.js';

/**
 * The official `openai` SDK consumes what the dialect encodes: a tiny HTTP server replays the encoded
 * bytes and the SDK's own stream parser and accumulator reassemble them.
 */

interface Canned {
  status: number;
  headers: Record<string, string>;
  body: string;
}

let next: Canned = { status: 500, headers: {}, body: '' };
let server: Server;
let client: OpenAI;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(next.status, next.headers);
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-test', maxRetries: 0 });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const usage: Usage = { inputTokens: 30, outputTokens: 12, cacheReadTokens: 10 };

function serveStream(parts: ChatStreamPart[], includeUsage = false): void {
  const context: EncodeContext = { requestedModel: 'smart', servedModel: 'gpt-4o', includeUsage };
  const encoder = openaiChatDialect.createStreamEncoder(context);
  const body = parts.map((part) => encoder.push(part)).join('') + encoder.end();
  next = { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body };
}

const request = { model: 'smart', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('openai SDK reads the encoded stream', () => {
  it('reassembles text and parallel tool calls (ChatCompletionStream.finalChatCompletion)', async () => {
    serveStream([
      { type: 'start', id: 'msg_1', model: 'claude-sonnet-4' },
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, delta: 'hmm' },
      { type: 'reasoning-end', index: 0 },
      { type: 'text-start', index: 1 },
      { type: 'text-delta', index: 1, delta: 'Let me ' },
      { type: 'text-delta', index: 1, delta: 'check.' },
      { type: 'text-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: 'call_a', name: 'get_weather' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":"Par' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: 'is"}' },
      { type: 'tool-call-end', index: 2 },
      { type: 'tool-call-start', index: 3, id: 'call_b', name: 'get_time' },
      { type: 'tool-call-delta', index: 3, argumentsDelta: '{"tz":"CET"}' },
      { type: 'tool-call-end', index: 3 },
      { type: 'finish', finishReason: 'tool-calls', usage },
    ]);
    const stream = client.chat.completions.stream(request);
    const final = await stream.finalChatCompletion();
    expect(final.id).toBe('chatcmpl-msg_1');
    expect(final.model).toBe('claude-sonnet-4');
    expect(final.choices).toHaveLength(1);
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(final.choices[0].message.content).toBe('Let me check.');
    expect(final.choices[0].message.tool_calls?.map((call) => (call.type === 'function' ? call.function : undefined))).toEqual([
      expect.objectContaining({ name: 'get_weather', arguments: '{"city":"Paris"}' }),
      expect.objectContaining({ name: 'get_time', arguments: '{"tz":"CET"}' }),
    ]);
    expect(final.choices[0].message.tool_calls?.map((call) => call.id)).toEqual(['call_a', 'call_b']);
  });

  it('delivers the usage chunk when include_usage was requested', async () => {
    serveStream(
      [
        { type: 'start', id: 'chatcmpl-u', model: 'gpt-4o' },
        { type: 'text-start', index: 0 },
        { type: 'text-delta', index: 0, delta: 'Hi!' },
        { type: 'text-end', index: 0 },
        { type: 'finish', finishReason: 'stop', usage },
      ],
      true,
    );
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) seen.push(chunk);
    expect(seen.map((c) => c.choices[0]?.delta.content ?? null)).toEqual(['', 'Hi!', null, null]);
    expect(seen.at(-1)?.choices).toEqual([]);
    expect(seen.at(-1)?.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 10 } });
  });

  it('throws on the in-stream error, after delivering the chunks before it', async () => {
    const context: EncodeContext = { requestedModel: 'smart', servedModel: 'gpt-4o', includeUsage: false };
    const encoder = openaiChatDialect.createStreamEncoder(context);
    const error = new GatewayError({ code: 'SWY_ERR_UPSTREAM_OVERLOADED', kind: 'overloaded', message: 'Upstream overloaded, try again.' });
    const body =
      encoder.push({ type: 'start', id: 'chatcmpl-e', model: 'gpt-4o' }) +
      encoder.push({ type: 'text-delta', index: 0, delta: 'Par' }) +
      encoder.push({ type: 'error', error }) +
      encoder.end();
    next = { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body };

    const stream = await client.chat.completions.create({ ...request, stream: true });
    const texts: string[] = [];
    let thrown: unknown;
    try {
      for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content ?? '');
    } catch (e) {
      thrown = e;
    }
    expect(texts).toEqual(['', 'Par']);
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
    const apiError = thrown as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.message).toContain('Upstream overloaded, try again.');
    expect(apiError.code).toBe('SWY_ERR_UPSTREAM_OVERLOADED');
    expect(apiError.type).toBe('server_error');
  });
});

describe('openai SDK reads encoded responses and errors', () => {
  it('parses a non-streaming chat.completion with tool calls', async () => {
    const result: ChatResult = {
      id: 'chatcmpl-n',
      model: 'gpt-4o',
      content: [{ type: 'tool-call', id: 'call_1', name: 'f', argumentsJson: '{"x":1}' }],
      finishReason: 'tool-calls',
      usage,
      warnings: [],
    };
    const body = openaiChatDialect.encodeResponse(result, { requestedModel: 'smart', servedModel: 'gpt-4o', includeUsage: false });
    next = { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const completion = await client.chat.completions.create(request);
    expect(completion.choices[0].message.content).toBeNull();
    const call = completion.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual({ x: 1 });
    expect(completion.usage?.total_tokens).toBe(42);
  });

  it('maps encoded errors to the SDK error classes with code, param and type', async () => {
    const serveError = (error: GatewayError) => {
      const rendered = openaiChatDialect.encodeError(error);
      next = { status: rendered.status, headers: { 'content-type': 'application/json', ...rendered.headers }, body: JSON.stringify(rendered.body) };
    };

    serveError(new GatewayError({ code: 'SWY_ERR_RATE_LIMITED', kind: 'rate_limit', message: 'Slow down.', retryAfterMs: 1000 }));
    const rateLimited = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((rateLimited as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');

    serveError(new GatewayError({ code: 'SWY_ERR_MODEL_NOT_FOUND', kind: 'not_found', message: 'No such model.', param: 'model' }));
    const notFound = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).param).toBe('model');

    serveError(new GatewayError({ code: 'SWY_ERR_AUTH_INVALID_KEY', kind: 'authentication', message: 'Bad key.' }));
    const auth = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((auth as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });
});
