/**
 * The official `openai` and `@anthropic-ai/sdk` clients against the running gateway, for every
 * client dialect × upstream pair: plain text, streaming, tools (single, parallel, multi-turn), images,
 * and errors (the SDK raises its own error class). Upstreams are mock servers speaking the real wire
 * protocols (test/mock-upstreams) plus the in-process simulated provider. Every OpenAI-dialect body and
 * stream chunk is validated against the official OpenAPI spec; every Anthropic stream against the
 * event grammar.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { assertAnthropicEventOrder, parseAnthropicSse } from '../helpers/anthropic-stream-checker.js';
import { validateChatCompletion, validateChatCompletionChunk } from '../helpers/openapi-validator.js';
import { startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startBedrockMock, type BedrockMock } from '../mock-upstreams/bedrock-mock.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';

const AWS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };
const CAPS = { tools: true, images: true, json: true, reasoning: false };

let openaiMock: OpenAIMock;
let anthropicMock: AnthropicMock;
let bedrockMock: BedrockMock;
let gateway: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

const UPSTREAMS = ['openai', 'house', 'azure', 'anthropic', 'bedrock', 'simulated'] as const;
type Upstream = (typeof UPSTREAMS)[number];

beforeAll(async () => {
  [openaiMock, anthropicMock, bedrockMock] = await Promise.all([
    startOpenAIMock({ azureApiKey: 'azure-key' }),
    startAnthropicMock({ apiKey: 'sk-ant-test' }),
    startBedrockMock({ credentials: AWS, region: 'us-east-1' }),
  ]);
  gateway = await startTestGateway({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: openaiMock.url },
      house: { type: 'openai-compatible', baseUrl: openaiMock.url, apiKey: 'house-key' },
      azure: { type: 'openai-compatible', baseUrl: openaiMock.origin, apiKey: 'azure-key', azure: { apiVersion: '2024-10-21' } },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-test', baseUrl: anthropicMock.url },
      bedrock: { type: 'bedrock', region: 'us-east-1', ...AWS, baseUrl: bedrockMock.url },
      simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 },
    },
    models: [
      { id: 'up-openai', provider: 'openai', upstreamModel: 'gpt-4.1-mock', capabilities: CAPS },
      { id: 'up-house', provider: 'house', upstreamModel: 'house-coder', capabilities: { ...CAPS, remoteImages: false } },
      { id: 'up-azure', provider: 'azure', upstreamModel: 'my-gpt4o-deployment', capabilities: CAPS },
      { id: 'up-anthropic', provider: 'anthropic', upstreamModel: 'claude-mock-4', capabilities: CAPS },
      { id: 'up-bedrock', provider: 'bedrock', upstreamModel: 'us.anthropic.claude-mock-v1:0', capabilities: CAPS },
      { id: 'up-simulated', provider: 'simulated', upstreamModel: 'sim-large', capabilities: CAPS },
      { id: 'err-openai-429', provider: 'openai', upstreamModel: 'error:429' },
      { id: 'err-anthropic-529', provider: 'anthropic', upstreamModel: 'error:529' },
      { id: 'err-anthropic-429', provider: 'anthropic', upstreamModel: 'error:429' },
      { id: 'err-bedrock-throttle', provider: 'bedrock', upstreamModel: 'error:ThrottlingException' },
      { id: 'err-bedrock-validation', provider: 'bedrock', upstreamModel: 'error:ValidationException' },
      { id: 'mid-openai', provider: 'openai', upstreamModel: 'midstream-error' },
      { id: 'mid-anthropic', provider: 'anthropic', upstreamModel: 'midstream-error' },
    ],
  });
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: TEST_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([openaiMock?.close(), anthropicMock?.close(), bedrockMock?.close()]);
});

const model = (upstream: Upstream) => `up-${upstream}`;

/** Mocks echo the last user text; the simulated provider answers in its own words, labelled. */
function expectAnswerTo(upstream: Upstream, text: string, userText: string): void {
  if (upstream === 'simulated') expect(text).toMatch(/\[simulated sim-large\]/);
  else expect(text).toContain(`Echo: ${userText}`);
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city', 'unit'] },
};
const timeTool = {
  name: 'get_time',
  description: 'Current time in a timezone',
  schema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
};
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const openaiTools = [weatherTool, timeTool].map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.schema } }));
const anthropicTools = [weatherTool, timeTool].map((t) => ({ name: t.name, description: t.description, input_schema: t.schema as Anthropic.Tool.InputSchema }));

describe.each(UPSTREAMS)('OpenAI SDK → %s upstream', (upstream) => {
  it('plain text', async () => {
    const completion = await openai.chat.completions.create({
      model: model(upstream),
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there' },
      ],
    });
    expectAnswerTo(upstream, completion.choices[0].message.content ?? '', 'Hello there');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    expect(validateChatCompletion(completion).errors).toEqual([]);
  });

  it('streaming with usage, every chunk valid against the OpenAPI spec', async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({ model: model(upstream), messages: [{ role: 'user', content: 'Stream to me' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(validateChatCompletionChunk(chunk).errors).toEqual([]);
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expectAnswerTo(upstream, text, 'Stream to me');
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('a forced tool call with schema-valid arguments', async () => {
    const completion = await openai.chat.completions.create({
      model: model(upstream),
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: openaiTools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const choice = completion.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    // mocks call the tool silently; the simulated model says what it is about to do first
    if (upstream !== 'simulated') expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    const args = JSON.parse(call.function.arguments) as { city: unknown; unit: unknown };
    expect(typeof args.city).toBe('string');
    expect(['c', 'f']).toContain(args.unit);
    expect(validateChatCompletion(completion).errors).toEqual([]);
  });

  it('parallel tool calls, streamed', async () => {
    const stream = openai.chat.completions.stream({
      model: model(upstream),
      messages: [{ role: 'user', content: 'Use get_weather and get_time for Tokyo.' }],
      tools: openaiTools,
      tool_choice: 'required',
    });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => c.function.name).sort()).toEqual(['get_time', 'get_weather']);
    for (const call of calls) expect(() => JSON.parse(call.function.arguments)).not.toThrow();
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    expect(final.choices[0].finish_reason).toBe('tool_calls');
  });

  it('multi-turn: tool results go back and the answer uses them', async () => {
    const completion = await openai.chat.completions.create({
      model: model(upstream),
      messages: [
        { role: 'user', content: 'Weather in Paris and the time?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
            { id: 'call_t1', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_w1', content: 'sunny-22C' },
        { role: 'tool', tool_call_id: 'call_t1', content: 'noon-1200' },
      ],
      tools: openaiTools,
    });
    const text = completion.choices[0].message.content ?? '';
    expect(text).toContain('sunny-22C');
    expect(completion.choices[0].finish_reason).toBe('stop');
  });

  it('an image as a data URL', async () => {
    const completion = await openai.chat.completions.create({
      model: model(upstream),
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } },
          ],
        },
      ],
    });
    const text = completion.choices[0].message.content ?? '';
    if (upstream === 'simulated') expect(text).toMatch(/received 1 image/);
    else expect(text).toContain('[images: 1]');
  });
});

describe.each(UPSTREAMS)('Anthropic SDK → %s upstream', (upstream) => {
  it('plain text with a system prompt', async () => {
    const message = await anthropic.messages.create({
      model: model(upstream),
      max_tokens: 200,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    expectAnswerTo(upstream, text, 'Hello there');
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streaming in the exact event order, reassembled by the SDK', async () => {
    const raw = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: model(upstream), max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'Stream to me' }] }),
    });
    expect(raw.headers.get('content-type')).toMatch(/text\/event-stream/);
    assertAnthropicEventOrder(parseAnthropicSse(await raw.text()));

    const stream = anthropic.messages.stream({ model: model(upstream), max_tokens: 200, messages: [{ role: 'user', content: 'Stream to me' }] });
    const final = await stream.finalMessage();
    const text = final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    expectAnswerTo(upstream, text, 'Stream to me');
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('a forced tool call with schema-valid input', async () => {
    const message = await anthropic.messages.create({
      model: model(upstream),
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: anthropicTools,
      tool_choice: { type: 'tool', name: 'get_weather' },
    });
    expect(message.stop_reason).toBe('tool_use');
    const block = message.content.find((b) => b.type === 'tool_use');
    expect(block).toMatchObject({ type: 'tool_use', name: 'get_weather' });
    const input = (block as Anthropic.ToolUseBlock).input as { city: unknown; unit: unknown };
    expect(typeof input.city).toBe('string');
    expect(['c', 'f']).toContain(input.unit);
  });

  it('parallel tool use, streamed', async () => {
    const stream = anthropic.messages.stream({
      model: model(upstream),
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Use get_weather and get_time for Tokyo.' }],
      tools: anthropicTools,
      tool_choice: { type: 'any' },
    });
    const final = await stream.finalMessage();
    const uses = final.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(uses.map((u) => u.name).sort()).toEqual(['get_time', 'get_weather']);
    for (const use of uses) expect(typeof use.input).toBe('object');
    expect(final.stop_reason).toBe('tool_use');
  });

  it('multi-turn: tool_result blocks go back and the answer uses them', async () => {
    const message = await anthropic.messages.create({
      model: model(upstream),
      max_tokens: 300,
      tools: anthropicTools,
      messages: [
        { role: 'user', content: 'Weather in Paris and the time?' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_w1', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
            { type: 'tool_use', id: 'toolu_t1', name: 'get_time', input: { timezone: 'Europe/Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_w1', content: 'sunny-22C' },
            { type: 'tool_result', tool_use_id: 'toolu_t1', content: [{ type: 'text', text: 'noon-1200' }] },
          ],
        },
      ],
    });
    const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    expect(text).toContain('sunny-22C');
    expect(message.stop_reason).toBe('end_turn');
  });

  it('an image block', async () => {
    const message = await anthropic.messages.create({
      model: model(upstream),
      max_tokens: 200,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } },
            { type: 'text', text: 'What is this?' },
          ],
        },
      ],
    });
    const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    if (upstream === 'simulated') expect(text).toMatch(/received 1 image/);
    else expect(text).toContain('[images: 1]');
  });
});

describe('upstream errors reach each SDK as its own error class', () => {
  const openaiCases: Array<[string, new (...args: never[]) => Error, number]> = [
    ['err-openai-429', OpenAI.RateLimitError, 429],
    ['err-anthropic-429', OpenAI.RateLimitError, 429],
    ['err-bedrock-throttle', OpenAI.RateLimitError, 429],
    ['err-anthropic-529', OpenAI.InternalServerError, 503],
    ['err-bedrock-validation', OpenAI.BadRequestError, 400],
  ];
  it.each(openaiCases)('OpenAI SDK: %s', async (id, ErrorClass, status) => {
    const error = await openai.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'hi' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as { status: number }).status).toBe(status);
  });

  const anthropicCases: Array<[string, new (...args: never[]) => Error, number]> = [
    ['err-anthropic-429', Anthropic.RateLimitError, 429],
    ['err-openai-429', Anthropic.RateLimitError, 429],
    ['err-bedrock-throttle', Anthropic.RateLimitError, 429],
    ['err-anthropic-529', Anthropic.InternalServerError, 529],
    ['err-bedrock-validation', Anthropic.BadRequestError, 400],
  ];
  it.each(anthropicCases)('Anthropic SDK: %s', async (id, ErrorClass, status) => {
    const error = await anthropic.messages.create({ model: id, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as { status: number }).status).toBe(status);
  });

  it('a mid-stream upstream failure makes the OpenAI SDK throw', async () => {
    for (const id of ['mid-openai', 'mid-anthropic']) {
      const stream = await openai.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'hi' }], stream: true });
      await expect(
        (async () => {
          for await (const _chunk of stream) void _chunk;
        })(),
      ).rejects.toThrow();
    }
  });

  it('a mid-stream upstream failure makes the Anthropic SDK throw', async () => {
    for (const id of ['mid-openai', 'mid-anthropic']) {
      const stream = anthropic.messages.stream({ model: id, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      await expect(stream.finalMessage()).rejects.toThrow();
    }
  });

  it('a remote image URL for an upstream that cannot fetch it is a clear 400', async () => {
    const error = await openai.chat.completions
      .create({ model: 'up-bedrock', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(/does not fetch image URLs/);
  });
});
