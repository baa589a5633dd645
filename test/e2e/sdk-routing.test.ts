/**
 * The official `openai` and `@anthropic-ai/sdk` clients against routes (the SDK matrix, extended to the
 * routed and fallback paths):
 *
 * 1. Routed requests: each SDK sends a route name as `model` (non-streaming, streaming and the SDKs'
 *    stream helpers; text and a tool call) over candidates on different providers, and gets a normal
 *    SDK result plus the `x-switchyard-*` explain headers through the SDK's raw-response API.
 * 2. Fallback paths: the route's first candidate fails before any content (mock fault behaviours) and
 *    a healthy model of another provider family serves a complete answer; the SDK sees no error.
 * 3. A failure after the first content part: the SDK's stream iteration throws its APIError, after
 *    some text was delivered; the route's fallback is not used.
 *
 * Every case that makes a deployment fail has its own model id: health (cooldown after a 429/529 or
 * overload, breaker) is kept per deployment, so an earlier case cannot change a later one.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startBedrockMock, type BedrockMock } from '../mock-upstreams/bedrock-mock.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';

const BEDROCK_KEY = 'bedrock-api-key-for-sdk-routing-0123';
/** Mock stalls last far longer than the gateway's idle timeout (and than any test takes when things work). */
const STALL_MS = 15_000;
const CASE_TIMEOUT = 30_000;

type Sdk = 'openai' | 'anthropic';
type Family = 'openai' | 'anthropic' | 'bedrock';
/** Non-streaming; a raw stream (`stream: true`, iterated); the SDK's stream helper (`chat.completions.stream` / `messages.stream`). */
const MODES = ['json', 'stream', 'helper'] as const;
type Mode = (typeof MODES)[number];

let openaiMock: OpenAIMock;
let anthropicMock: AnthropicMock;
let bedrockMock: BedrockMock;
let gateway: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;
/** Headers of every response the recording OpenAI client received (its stream helper has no raw-response API). */
const openaiResponses: Headers[] = [];

/** Healthy models, one per provider family; prices make `cheapest` pick Bedrock. */
const HEALTHY: Record<string, { provider: Family; upstreamModel: string; pricing: { inputPerMTok: number; outputPerMTok: number } }> = {
  'gpt-ok': { provider: 'openai', upstreamModel: 'gpt-4o', pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
  'claude-ok': { provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5', pricing: { inputPerMTok: 3, outputPerMTok: 15 } },
  'bedrock-ok': { provider: 'bedrock', upstreamModel: 'us.anthropic.claude-haiku-mock-v1:0', pricing: { inputPerMTok: 0.8, outputPerMTok: 4 } },
};

/** Routes over several providers, each served (when healthy) by a different family. */
const ROUTED: Array<{ route: string; config: Record<string, unknown>; served: string; family: Family }> = [
  { route: 'chat-priority', config: { candidates: ['gpt-ok', 'claude-ok', 'bedrock-ok'], strategy: 'priority' }, served: 'gpt-ok', family: 'openai' },
  { route: 'chat-anthropic-first', config: { candidates: ['claude-ok', 'bedrock-ok'], strategy: 'priority', fallbacks: ['gpt-ok'] }, served: 'claude-ok', family: 'anthropic' },
  { route: 'chat-cheapest', config: { candidates: ['gpt-ok', 'claude-ok', 'bedrock-ok'], strategy: 'cheapest' }, served: 'bedrock-ok', family: 'bedrock' },
];

/** Faults before the first content part, and the healthy model of another family that absorbs each. */
const FAULTS: Array<{ name: string; family: Family; upstreamModel: string; fallback: string }> = [
  { name: 'OpenAI 503', family: 'openai', upstreamModel: 'error:503', fallback: 'claude-ok' },
  { name: 'OpenAI connection reset before headers', family: 'openai', upstreamModel: 'reset', fallback: 'bedrock-ok' },
  { name: 'OpenAI stall before the first content (idle timeout)', family: 'openai', upstreamModel: 'slow-body', fallback: 'claude-ok' },
  { name: 'Anthropic 529 overloaded', family: 'anthropic', upstreamModel: 'error:529', fallback: 'gpt-ok' },
  { name: 'Anthropic error event after message_start', family: 'anthropic', upstreamModel: 'error-after-start', fallback: 'gpt-ok' },
  { name: 'Bedrock throttlingException after messageStart', family: 'bedrock', upstreamModel: 'exception-after-start:throttlingException', fallback: 'gpt-ok' },
];

/** Failures after the first content part: one deployment per case (an overload also starts a cooldown); the SDK, the faulty family, stream helper or raw stream. */
const MIDSTREAM: Array<{ id: string; sdk: Sdk; family: 'openai' | 'anthropic'; helper: boolean }> = [
  { id: 'mid-openai-sdk-openai-raw', sdk: 'openai', family: 'openai', helper: false },
  { id: 'mid-openai-sdk-openai-helper', sdk: 'openai', family: 'openai', helper: true },
  { id: 'mid-openai-sdk-anthropic-raw', sdk: 'openai', family: 'anthropic', helper: false },
  { id: 'mid-anthropic-sdk-anthropic-raw', sdk: 'anthropic', family: 'anthropic', helper: false },
  { id: 'mid-anthropic-sdk-anthropic-helper', sdk: 'anthropic', family: 'anthropic', helper: true },
  { id: 'mid-anthropic-sdk-openai-helper', sdk: 'anthropic', family: 'openai', helper: true },
];
const MIDSTREAM_FALLBACK = { openai: 'claude-ok', anthropic: 'gpt-ok' } as const;

/** Hedged routes: the first candidate never answers in time, the hedge (another family) wins. One per case. */
const HEDGE_CASES: Array<{ sdk: Sdk; stream: boolean }> = [
  { sdk: 'openai', stream: false },
  { sdk: 'openai', stream: true },
  { sdk: 'anthropic', stream: false },
  { sdk: 'anthropic', stream: true },
];

const slug = (s: string): string => s.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
const faultId = (fault: (typeof FAULTS)[number], sdk: Sdk, mode: Mode): string => `f-${slug(fault.upstreamModel)}-${sdk}-${mode}`;
const hedgeId = (sdk: Sdk, stream: boolean): string => `hedge-slow-${sdk}-${stream ? 'stream' : 'json'}`;

beforeAll(async () => {
  [openaiMock, anthropicMock, bedrockMock] = await Promise.all([
    startOpenAIMock({ delayMs: STALL_MS }),
    startAnthropicMock({ apiKey: 'sk-ant-test', slowMs: STALL_MS }),
    startBedrockMock({ apiKey: BEDROCK_KEY, slowMs: STALL_MS }),
  ]);
  const models: Array<Record<string, unknown>> = Object.entries(HEALTHY).map(([id, m]) => ({ id, ...m }));
  const routes: Record<string, unknown> = {};
  for (const { route, config } of ROUTED) routes[route] = config;
  for (const fault of FAULTS) {
    for (const sdk of ['openai', 'anthropic'] as const) {
      for (const mode of MODES) {
        const id = faultId(fault, sdk, mode);
        models.push({ id, provider: fault.family, upstreamModel: fault.upstreamModel, pricing: { inputPerMTok: 1, outputPerMTok: 2 } });
        // The fallback as the route's second candidate (OpenAI SDK cases) or as its declared fallback (Anthropic SDK cases).
        routes[`r-${id}`] =
          sdk === 'openai'
            ? { candidates: [id, fault.fallback], strategy: 'priority', retries: { attempts: 0 } }
            : { candidates: [id], fallbacks: [fault.fallback], retries: { attempts: 0 } };
      }
    }
  }
  for (const c of MIDSTREAM) {
    models.push({ id: c.id, provider: c.family, upstreamModel: 'midstream-error', pricing: { inputPerMTok: 1, outputPerMTok: 2 } });
    routes[`r-${c.id}`] = { candidates: [c.id], fallbacks: [MIDSTREAM_FALLBACK[c.family]], retries: { attempts: 0 } };
  }
  for (const { sdk, stream } of HEDGE_CASES) {
    const id = hedgeId(sdk, stream);
    models.push({ id, provider: 'openai', upstreamModel: 'slow-headers', pricing: { inputPerMTok: 1, outputPerMTok: 2 } });
    routes[`r-${id}`] = { candidates: [id, 'claude-ok'], strategy: 'priority', retries: { attempts: 0 }, hedge: { delayMs: 300 } };
  }

  gateway = await startTestGateway({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: openaiMock.url },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-test', baseUrl: anthropicMock.url },
      bedrock: { type: 'bedrock', region: 'us-east-1', apiKey: BEDROCK_KEY, baseUrl: bedrockMock.url },
    },
    models,
    routes,
    // idleMs ends the slow-body stall (15 s) long before the mock resumes; firstByteMs is longer than the
    // mocks' stalls, so a slow-headers candidate is only ever beaten by the hedge, never by a timeout.
    timeouts: { connectMs: 5_000, firstByteMs: 20_000, idleMs: 1_500, totalMs: 60_000 },
    // Most requests here fall over once on purpose: the retry budget must not be what is tested.
    routing: { retryBudget: { ratio: 2, floor: 1000 } },
  });
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    openaiResponses.push(response.headers);
    return response;
  };
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: TEST_KEY, maxRetries: 0, fetch: recordingFetch });
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: TEST_KEY, maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([openaiMock?.close(), anthropicMock?.close(), bedrockMock?.close()]);
});

// ---------- helpers ----------

const weatherSchema = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city', 'unit'] };
const openaiTools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema } },
];
const anthropicTools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema as Anthropic.Tool.InputSchema }];

/** How many requests each mock has received so far. */
function mockCounts(): Record<Family, number> {
  return { openai: openaiMock.requests.length, anthropic: anthropicMock.requests.length, bedrock: bedrockMock.requests.length };
}

/** Mock requests since `before`, per family. */
function mockDelta(before: Record<Family, number>): Record<Family, number> {
  const now = mockCounts();
  return { openai: now.openai - before.openai, anthropic: now.anthropic - before.anthropic, bedrock: now.bedrock - before.bedrock };
}

/** The model each mock was asked for in its requests since `before`. */
function upstreamModelsSince(before: Record<Family, number>): Record<Family, string[]> {
  const modelOf = (body: unknown): string => String((body as { model?: unknown }).model);
  return {
    openai: openaiMock.requests.slice(before.openai).map((r) => modelOf(r.body)),
    anthropic: anthropicMock.requests.slice(before.anthropic).map((r) => modelOf(r.body)),
    bedrock: bedrockMock.requests.slice(before.bedrock).map((r) => r.modelId),
  };
}

/** The only OpenAI response received since the mark (the stream helper's). */
function singleOpenAIResponseSince(mark: number): Headers {
  expect(openaiResponses.length - mark).toBe(1);
  return openaiResponses[mark];
}

const anthropicText = (message: Anthropic.Message): string => message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');

function expectWeatherArgs(args: unknown): void {
  const { city, unit } = args as { city: unknown; unit: unknown };
  expect(typeof city).toBe('string');
  expect(['c', 'f']).toContain(unit);
}

interface Served {
  headers: Headers;
  /** The answer's text (empty for a tool call). */
  text: string;
}

/** One OpenAI SDK request by `mode`; checks the result is a complete, normal completion and returns headers and text. */
async function openaiAsk(model: string, prompt: string, mode: Mode, tool: boolean): Promise<Served> {
  const base: { model: string; messages: OpenAI.ChatCompletionMessageParam[]; tools?: OpenAI.ChatCompletionTool[]; tool_choice?: OpenAI.ChatCompletionToolChoiceOption } = {
    model,
    messages: [{ role: 'user', content: prompt }],
    ...(tool ? { tools: openaiTools, tool_choice: { type: 'function', function: { name: 'get_weather' } } } : {}),
  };
  if (mode === 'json') {
    const { data, response } = await openai.chat.completions.create(base).withResponse();
    const choice = data.choices[0];
    expect(choice.finish_reason).toBe(tool ? 'tool_calls' : 'stop');
    if (tool) {
      const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
      expect(call.function.name).toBe('get_weather');
      expectWeatherArgs(JSON.parse(call.function.arguments));
    }
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    return { headers: response.headers, text: choice.message.content ?? '' };
  }
  if (mode === 'stream') {
    const { data: stream, response } = await openai.chat.completions.create({ ...base, stream: true, stream_options: { include_usage: true } }).withResponse();
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    let text = '';
    let args = '';
    let toolName: string | undefined;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      text += delta?.content ?? '';
      for (const call of delta?.tool_calls ?? []) {
        toolName ??= call.function?.name;
        args += call.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(finish).toBe(tool ? 'tool_calls' : 'stop');
    if (tool) {
      expect(toolName).toBe('get_weather');
      expectWeatherArgs(JSON.parse(args));
    }
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    return { headers: response.headers, text };
  }
  const mark = openaiResponses.length;
  const stream = openai.chat.completions.stream({ ...base, stream_options: { include_usage: true } });
  let deltas = '';
  stream.on('content', (delta) => {
    deltas += delta;
  });
  const final = await stream.finalChatCompletion();
  const choice = final.choices[0];
  expect(choice.finish_reason).toBe(tool ? 'tool_calls' : 'stop');
  if (tool) {
    const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    expectWeatherArgs(JSON.parse(call.function.arguments));
  } else {
    expect(deltas).toBe(choice.message.content);
  }
  expect(final.usage!.completion_tokens).toBeGreaterThan(0);
  return { headers: singleOpenAIResponseSince(mark), text: choice.message.content ?? '' };
}

/** One Anthropic SDK request by `mode`; checks the result is a complete, normal message and returns headers and text. */
async function anthropicAsk(model: string, prompt: string, mode: Mode, tool: boolean): Promise<Served> {
  const base: Anthropic.MessageCreateParamsNonStreaming = {
    model,
    max_tokens: 200,
    messages: [{ role: 'user', content: prompt }],
    ...(tool ? { tools: anthropicTools, tool_choice: { type: 'tool', name: 'get_weather' } } : {}),
  };
  let message: Anthropic.Message;
  let headers: Headers;
  if (mode === 'json') {
    const { data, response } = await anthropic.messages.create(base).withResponse();
    message = data;
    headers = response.headers;
  } else if (mode === 'stream') {
    // The raw event stream (the SDK's Stream) and the Response, via .withResponse().
    const { data: stream, response } = await anthropic.messages.create({ ...base, stream: true }).withResponse();
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const types: string[] = [];
    let text = '';
    let json = '';
    let toolName: string | undefined;
    let stop: string | null = null;
    let outputTokens = 0;
    let inputTokens = 0;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'message_start') inputTokens = event.message.usage.input_tokens;
      if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') toolName = event.content_block.name;
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') json += event.delta.partial_json;
      if (event.type === 'message_delta') {
        stop = event.delta.stop_reason;
        outputTokens = event.usage.output_tokens;
      }
    }
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(stop).toBe(tool ? 'tool_use' : 'end_turn');
    if (tool) {
      expect(toolName).toBe('get_weather');
      expectWeatherArgs(JSON.parse(json));
    }
    expect(inputTokens + outputTokens).toBeGreaterThan(0);
    expect(outputTokens).toBeGreaterThan(0);
    return { headers: response.headers, text };
  } else {
    const { data: stream, response } = await anthropic.messages.stream(base).withResponse();
    let deltas = '';
    stream.on('text', (delta) => {
      deltas += delta;
    });
    message = await stream.finalMessage();
    headers = response.headers;
    if (!tool) expect(deltas).toBe(anthropicText(message));
  }
  expect(message.stop_reason).toBe(tool ? 'tool_use' : 'end_turn');
  if (tool) {
    const use = message.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(use?.name).toBe('get_weather');
    expectWeatherArgs(use?.input);
  }
  expect(message.usage.input_tokens).toBeGreaterThan(0);
  expect(message.usage.output_tokens).toBeGreaterThan(0);
  return { headers, text: anthropicText(message) };
}

function ask(sdk: Sdk, model: string, prompt: string, mode: Mode, tool = false): Promise<Served> {
  return sdk === 'openai' ? openaiAsk(model, prompt, mode, tool) : anthropicAsk(model, prompt, mode, tool);
}

// ---------- 1. routed requests ----------

describe('routed requests: both SDKs send a route name as model', () => {
  for (const { route, served, family } of ROUTED) {
    for (const sdk of ['openai', 'anthropic'] as const) {
      for (const mode of MODES) {
        for (const tool of [false, true]) {
          it(`${sdk} SDK → ${route} (${mode}, ${tool ? 'tool call' : 'text'}) is served by ${served}`, async () => {
            const before = mockCounts();
            const prompt = `Routed ${route} ${mode}`;
            const { headers, text } = await ask(sdk, route, prompt, mode, tool);
            if (!tool) expect(text).toContain(`Echo: ${prompt}`);
            expect(headers.get('x-switchyard-route')).toBe(route);
            expect(headers.get('x-switchyard-model')).toBe(served);
            expect(headers.get('x-switchyard-provider')).toBe(family);
            expect(headers.get('x-switchyard-attempts')).toBe('1');
            expect(headers.get('x-switchyard-decision')).toBeTruthy();
            // Exactly one upstream request, to the served model's provider, for its upstream model.
            expect(mockDelta(before)).toEqual({ openai: 0, anthropic: 0, bedrock: 0, [family]: 1 });
            expect(upstreamModelsSince(before)[family]).toEqual([HEALTHY[served].upstreamModel]);
          });
        }
      }
    }
  }

  it('the raw response via .asResponse() carries the route headers too (both SDKs)', async () => {
    const openaiRaw = await openai.chat.completions.create({ model: 'chat-anthropic-first', messages: [{ role: 'user', content: 'raw' }] }).asResponse();
    expect(openaiRaw.status).toBe(200);
    expect(openaiRaw.headers.get('x-switchyard-route')).toBe('chat-anthropic-first');
    expect(openaiRaw.headers.get('x-switchyard-model')).toBe('claude-ok');
    const openaiBody = (await openaiRaw.json()) as OpenAI.ChatCompletion;
    expect(openaiBody.choices[0].message.content).toContain('Echo: raw');

    const anthropicRaw = await anthropic.messages.create({ model: 'chat-priority', max_tokens: 50, messages: [{ role: 'user', content: 'raw' }] }).asResponse();
    expect(anthropicRaw.status).toBe(200);
    expect(anthropicRaw.headers.get('x-switchyard-route')).toBe('chat-priority');
    expect(anthropicRaw.headers.get('x-switchyard-model')).toBe('gpt-ok');
    const anthropicBody = (await anthropicRaw.json()) as Anthropic.Message;
    expect(anthropicText(anthropicBody)).toContain('Echo: raw');
  });
});

describe('hedged route: the first candidate stalls, the hedge on another provider wins', () => {
  for (const { sdk, stream } of HEDGE_CASES) {
    it(`${sdk} SDK (${stream ? 'stream' : 'non-stream'})`, async () => {
      const id = hedgeId(sdk, stream);
      const route = `r-${id}`;
      const before = mockCounts();
      const { headers, text } = await ask(sdk, route, 'Hedge me', stream ? 'helper' : 'json');
      expect(text).toContain('Echo: Hedge me');
      expect(headers.get('x-switchyard-route')).toBe(route);
      expect(headers.get('x-switchyard-model')).toBe('claude-ok');
      // Two attempts; the first is named as the hedge that lost (cancelled, not failed).
      expect(headers.get('x-switchyard-attempts')).toMatch(/^2; 1=openai\/[\w-]+:(lost-hedge|\d+:SWY_ERR_ATTEMPT_CANCELLED)$/);
      // Both were started: the stalled one first, then the hedge; the loser's upstream request is cancelled.
      const asked = upstreamModelsSince(before);
      expect(asked.openai).toEqual(['slow-headers']);
      expect(asked.anthropic).toEqual([HEALTHY['claude-ok'].upstreamModel]);
      const loser = openaiMock.requests[before.openai];
      await vi.waitFor(() => expect(loser.aborted).toBe(true), { timeout: 10_000, interval: 50 });
    }, CASE_TIMEOUT);
  }
});

// ---------- 2. fallback paths ----------

describe('fallback: the first candidate fails before content, another family answers, the SDK sees no error', () => {
  for (const fault of FAULTS) {
    for (const sdk of ['openai', 'anthropic'] as const) {
      for (const mode of MODES) {
        it(`${fault.name} → ${fault.fallback} (${sdk} SDK, ${mode})`, async () => {
          const id = faultId(fault, sdk, mode);
          const route = `r-${id}`;
          const before = mockCounts();
          const prompt = `Fallback ${id}`;
          const { headers, text } = await ask(sdk, route, prompt, mode);
          expect(text).toContain(`Echo: ${prompt}`);
          expect(headers.get('x-switchyard-route')).toBe(route);
          expect(headers.get('x-switchyard-model')).toBe(fault.fallback);
          expect(headers.get('x-switchyard-provider')).toBe(HEALTHY[fault.fallback].provider);
          // This deployment is used by this case only, so its fault was really tried (never skipped for a cooldown).
          expect(headers.get('x-switchyard-attempts')).toMatch(new RegExp(`^2; 1=${fault.family}/${id}:`));
          const asked = upstreamModelsSince(before);
          expect(asked[fault.family]).toEqual([fault.upstreamModel]);
          expect(asked[HEALTHY[fault.fallback].provider]).toEqual([HEALTHY[fault.fallback].upstreamModel]);
        }, CASE_TIMEOUT);
      }
    }
  }
});

// ---------- 3. a failure after the first content part ----------

describe('a failure after the first content part reaches the SDK as its stream error (no fallback)', () => {
  for (const c of MIDSTREAM) {
    const upstream = c.family === 'openai' ? 'OpenAI in-stream {"error"}' : 'Anthropic in-stream overloaded_error';
    it(`${c.sdk} SDK ${c.helper ? 'stream helper' : 'raw stream'}, ${upstream}`, async () => {
      const route = `r-${c.id}`;
      const before = mockCounts();
      const fallbackFamily = HEALTHY[MIDSTREAM_FALLBACK[c.family]].provider;
      let text = '';
      let headers: Headers | undefined;
      let error: unknown;
      try {
        if (c.sdk === 'openai') {
          const params = { model: route, messages: [{ role: 'user' as const, content: 'Tell me' }] };
          if (c.helper) {
            const mark = openaiResponses.length;
            const stream = openai.chat.completions.stream(params);
            stream.on('content', (delta) => {
              text += delta;
            });
            try {
              await stream.finalChatCompletion();
            } finally {
              headers = singleOpenAIResponseSince(mark);
            }
          } else {
            const { data: stream, response } = await openai.chat.completions.create({ ...params, stream: true }).withResponse();
            headers = response.headers;
            for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
          }
        } else {
          const params = { model: route, max_tokens: 200, messages: [{ role: 'user' as const, content: 'Tell me' }] };
          if (c.helper) {
            const { data: stream, response } = await anthropic.messages.stream(params).withResponse();
            headers = response.headers;
            stream.on('text', (delta) => {
              text += delta;
            });
            await stream.finalMessage();
          } else {
            const { data: stream, response } = await anthropic.messages.create({ ...params, stream: true }).withResponse();
            headers = response.headers;
            for await (const event of stream) {
              if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
            }
          }
        }
      } catch (e) {
        error = e;
      }
      // The SDK's own error class for an error inside a 200 stream: the base APIError, without a status.
      if (c.sdk === 'openai') {
        expect(error).toBeInstanceOf(OpenAI.APIError);
        expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
        if (c.family === 'openai') expect((error as Error).message).toMatch(/server had an error/i);
      } else {
        expect(error).toBeInstanceOf(Anthropic.APIError);
        expect((error as InstanceType<typeof Anthropic.APIError>).status).toBeUndefined();
        if (c.family === 'anthropic') {
          expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
          expect((error as Error).message).toMatch(/overloaded/i);
        }
      }
      // Some text had reached the client before the failure.
      expect(text.length).toBeGreaterThan(0);
      if (c.family === 'openai') expect(text).toContain('Partial');
      // The stream had committed to the first candidate: the fallback was never asked.
      expect(headers!.get('x-switchyard-model')).toBe(c.id);
      expect(headers!.get('x-switchyard-route')).toBe(route);
      expect(headers!.get('x-switchyard-attempts')).toBe('1');
      expect(mockDelta(before)[c.family]).toBe(1);
      if (fallbackFamily !== c.family) expect(mockDelta(before)[fallbackFamily]).toBe(0);
    }, CASE_TIMEOUT);
  }
});
