import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import type { ChatRequest, ChatResult, Message, ToolDefinition } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';
import { assertStreamGrammar, collectStream } from '../helpers/stream-invariants.js';

const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });

const BOOKING: ToolDefinition = {
  name: 'book_flight',
  description: 'Books a flight.',
  inputSchema: {
    type: 'object',
    properties: {
      from: { type: 'string', minLength: 3, maxLength: 3 },
      to: { type: 'string', pattern: '^[A-Z]{3}$', examples: ['CDG'] },
      date: { type: 'string', format: 'date' },
      passengers: { type: 'integer', minimum: 1, maximum: 9 },
      cabin: { type: 'string', enum: ['economy', 'business'] },
      contact: {
        type: 'object',
        properties: { email: { type: 'string', format: 'email' }, phone: { type: ['string', 'null'] } },
        required: ['email'],
        additionalProperties: false,
      },
      legs: { type: 'array', minItems: 2, items: { type: 'object', properties: { flight: { type: 'string' }, seat: { anyOf: [{ type: 'null' }, { type: 'string' }] } }, required: ['flight', 'seat'] } },
      price: { type: 'number', exclusiveMinimum: 0 },
      refundable: { type: 'boolean' },
    },
    required: ['from', 'to', 'date', 'passengers', 'cabin', 'contact', 'legs', 'price', 'refundable'],
    additionalProperties: false,
  },
};
const WEATHER: ToolDefinition = { name: 'get_weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const TIME: ToolDefinition = { name: 'get_time', inputSchema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } };
const NO_ARGS: ToolDefinition = { name: 'ping', inputSchema: { type: 'object', properties: {} } };

function ask(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text }] }], ...extra };
}

function callsOf(result: Pick<ChatResult, 'content'>) {
  return result.content.flatMap((part) => (part.type === 'tool-call' ? [part] : []));
}

function textOf(result: Pick<ChatResult, 'content'>): string {
  return result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
}

describe('simulated tool calls', () => {
  it('calls the tool with arguments that validate against a demanding schema', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajvFormats.default(ajv);
    const validate = ajv.compile(BOOKING.inputSchema);
    const result = await provider.chat(ask('Book me a flight to Paris.', { tools: [BOOKING] }), testCallContext('sim-medium'));
    expect(result.finishReason).toBe('tool-calls');
    const [call] = callsOf(result);
    expect(call.name).toBe('book_flight');
    expect(validate(JSON.parse(call.argumentsJson)), JSON.stringify(validate.errors)).toBe(true);
    expect(call.id).toMatch(/^call_sim_[0-9a-f]{12}_0$/);
  });

  it('sends "{}" for a tool without parameters', async () => {
    const [call] = callsOf(await provider.chat(ask('Are you there?', { tools: [NO_ARGS] }), testCallContext('sim-small')));
    expect(call.argumentsJson).toBe('{}');
  });

  it('calls the forced tool, and only it', async () => {
    const result = await provider.chat(ask('Weather please, get_weather.', { tools: [WEATHER, TIME], toolChoice: { type: 'tool', name: 'get_time' } }), testCallContext('sim-medium'));
    expect(callsOf(result).map((call) => call.name)).toEqual(['get_time']);
    expect(result.finishReason).toBe('tool-calls');
  });

  it('rejects a forced tool that is not in tools, naming toolChoice', async () => {
    await expect(
      provider.chat(ask('hi', { tools: [WEATHER], toolChoice: { type: 'tool', name: 'get_stock' } }), testCallContext('sim-medium')),
    ).rejects.toMatchObject({ kind: 'invalid_request', status: 400, param: 'toolChoice', code: 'SWY_ERR_UPSTREAM_INVALID_REQUEST' });
  });

  it('calls the first tool under auto or required when none is named, and the named one when one is', async () => {
    for (const toolChoice of [{ type: 'auto' as const }, { type: 'required' as const }, undefined]) {
      const first = await provider.chat(ask('Help me out.', { tools: [WEATHER, TIME], toolChoice }), testCallContext('sim-medium'));
      expect(callsOf(first).map((call) => call.name)).toEqual(['get_weather']);
    }
    const named = await provider.chat(ask('Use get_time for Tokyo.', { tools: [WEATHER, TIME] }), testCallContext('sim-medium'));
    expect(callsOf(named).map((call) => call.name)).toEqual(['get_time']);
  });

  it('finds mentions as whole words, case-insensitively, and never for a name no provider accepts', async () => {
    const dotted: ToolDefinition = { name: 'get.stock', inputSchema: { type: 'object' } };
    const mentioned = async (text: string) => callsOf(await provider.chat(ask(text, { tools: [WEATHER, TIME, dotted] }), testCallContext('sim-medium'))).map((call) => call.name);
    expect(await mentioned('GET_TIME then Get_Weather')).toEqual(['get_time', 'get_weather']);
    expect(await mentioned('get_times and xget_weather and get_weather-2')).toEqual(['get_weather']); // none named: the first tool
    expect(await mentioned('(get_time), get.stock')).toEqual(['get_time']);
  });

  // A regex per tool over the whole text took ~15 s for 40,000 tools and 2 MB on a 2-core machine (this one ~35 s, past the test timeout).
  it('finds mentions among 60,000 tools in a 3 MB message in linear time', async () => {
    const tools = Array.from({ length: 60_000 }, (_, i): ToolDefinition => ({ name: `tool_${i}`, inputSchema: { type: 'object' } }));
    const text = `${'lorem ipsum '.repeat(250_000)} call tool_59999 and tool_7`;
    const result = await provider.chat(ask(text, { tools }), testCallContext('sim-medium'));
    expect(callsOf(result).map((call) => call.name)).toEqual(['tool_59999', 'tool_7']);
  });

  it('calls every named tool in parallel, in order of mention, with distinct ids', async () => {
    const request = ask('First get_time for Tokyo, then get_weather for Oslo.', { tools: [WEATHER, TIME] });
    const result = await provider.chat(request, testCallContext('sim-medium'));
    const calls = callsOf(result);
    expect(calls.map((call) => call.name)).toEqual(['get_time', 'get_weather']);
    expect(new Set(calls.map((call) => call.id)).size).toBe(2);
    const stream = assertStreamGrammar((await collectStream((await provider.chatStream({ ...request, stream: true }, testCallContext('sim-medium'))).stream)).parts);
    expect(stream.content).toEqual(result.content);
  });

  it('makes one call when parallel tool calls are disabled', async () => {
    const result = await provider.chat(ask('get_time and get_weather please', { tools: [WEATHER, TIME], parallelToolCalls: false }), testCallContext('sim-medium'));
    expect(callsOf(result)).toHaveLength(1);
  });

  it('announces tool calls on the large tier only, before the calls', async () => {
    const large = await provider.chat(ask('get_time and get_weather please', { tools: [WEATHER, TIME] }), testCallContext('sim-large'));
    expect(large.content.map((part) => part.type)).toEqual(['text', 'tool-call', 'tool-call']);
    expect(textOf(large)).toBe("[simulated sim-large] I'll call get_time and get_weather in parallel to answer this.");
    const small = await provider.chat(ask('get_time and get_weather please', { tools: [WEATHER, TIME] }), testCallContext('sim-small'));
    expect(small.content.map((part) => part.type)).toEqual(['tool-call', 'tool-call']);
  });

  it('answers in text when toolChoice is none', async () => {
    const result = await provider.chat(ask('Use get_weather.', { tools: [WEATHER], toolChoice: { type: 'none' } }), testCallContext('sim-medium'));
    expect(callsOf(result)).toHaveLength(0);
    expect(result.finishReason).toBe('stop');
  });

  it('answers from tool results, quoting them, instead of calling again', async () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and time in Tokyo? get_weather get_time' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', id: 'c1', name: 'get_weather', argumentsJson: '{"city":"Oslo"}' },
          { type: 'tool-call', id: 'c2', name: 'get_time', argumentsJson: '{"zone":"Asia/Tokyo"}' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool-result', toolCallId: 'c1', content: [{ type: 'text', text: 'Oslo: -3 °C, snow' }] },
          { type: 'tool-result', toolCallId: 'c2', content: [{ type: 'text', text: 'no such zone' }], isError: true },
        ],
      },
    ];
    const result = await provider.chat({ model: 'any', stream: false, messages, tools: [WEATHER, TIME] }, testCallContext('sim-medium'));
    expect(result.finishReason).toBe('stop');
    expect(callsOf(result)).toHaveLength(0);
    expect(textOf(result)).toContain('According to get_weather: "Oslo: -3 °C, snow".');
    expect(textOf(result)).toContain('get_time reported an error: "no such zone".');
  });

  it('rejects tools for a model without tool support, naming tools', async () => {
    await expect(provider.chat(ask('hi', { tools: [WEATHER] }), testCallContext('sim-small', { model: { tools: false } }))).rejects.toMatchObject({
      kind: 'invalid_request',
      status: 400,
      param: 'tools',
    });
  });
});
