/**
 * An OpenAI-compatible upstream that answers `"stream": true` with a whole `chat.completion`
 * (application/json), as servers without streaming do: the client still gets a correct stream in its
 * own dialect (passthrough and translated), billed from the answer's usage; an HTML page instead of a
 * stream is a typed 502. Unit cases check the synthesised chunks.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageAsEvents } from '../../src/providers/anthropic/anthropic-whole-as-stream.js';
import { completionAsEvents } from '../../src/providers/openai/openai-whole-as-stream.js';
import { streamBodyKind } from '../../src/providers/shared/whole-as-stream.js';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { GatewayError } from '../../src/spec/errors.js';
import { assertAnthropicEventOrder, parseAnthropicSse } from '../helpers/anthropic-stream-checker.js';
import { readFixtureJson } from '../helpers/fixtures.js';
import { closeServer, startJsonUpstream } from '../helpers/local-http.js';
import { startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

const COMPLETION = {
  id: 'chatcmpl-whole',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'house-7b',
  system_fingerprint: 'fp_house',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The whole answer at once.' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 },
};
const TOOL_COMPLETION = {
  ...COMPLETION,
  choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }, finish_reason: 'tool_calls' }],
};

/** The recorded Anthropic answer (../shared/fixtures/headers), and one with thinking and a tool call. */
const CLAUDE_MESSAGE = readFixtureJson<{ body: Record<string, unknown> }>('headers/claude__messages-f84379-POST.json').body;
const CLAUDE_TOOLS = {
  id: 'msg_tools',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4',
  content: [
    { type: 'thinking', thinking: 'The user wants the weather.', signature: 'sig-abc' },
    { type: 'text', text: 'Checking.' },
    { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 40, output_tokens: 25, cache_read_input_tokens: 0 },
};

let upstream: Server;
let gateway: RunningGateway;

beforeAll(async () => {
  const started = await startJsonUpstream((req, res, json) => {
    const body = json as { model: string };
    if (req.url?.endsWith('/v1/messages')) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_whole' });
      return void res.end(JSON.stringify(body.model === 'claude-tools' ? CLAUDE_TOOLS : CLAUDE_MESSAGE));
    }
    if (body.model === 'portal') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end('<html><body>Please log in</body></html>');
    }
    if (body.model === 'plain-labelled') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (body.model === 'mislabelled') {
      // An event stream sent as application/json (a careless server): still a stream, passed on as it comes.
      const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'c-sse', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(`\n${chunk({ role: 'assistant', content: 'streamed ' }, null)}`);
      return void res.end(`${chunk({ content: 'anyway' }, null)}${chunk({}, 'stop')}data: [DONE]\n\n`);
    }
    res.end(JSON.stringify(body.model === 'house-tools' ? TOOL_COMPLETION : COMPLETION));
  });
  upstream = started.server;
  const url = started.url;
  gateway = await startTestGateway({
    providers: { house: { type: 'openai-compatible', baseUrl: url, apiKey: 'sk-house' }, claude: { type: 'anthropic', baseUrl: url, apiKey: 'sk-ant-whole' } },
    models: [
      { id: 'house', provider: 'house', upstreamModel: 'house-7b', pricing: { inputPerMTok: 1, outputPerMTok: 1 }, capabilities: { tools: true } },
      { id: 'house-tools', provider: 'house', upstreamModel: 'house-tools', capabilities: { tools: true } },
      { id: 'portal', provider: 'house', upstreamModel: 'portal' },
      { id: 'mislabelled', provider: 'house', upstreamModel: 'mislabelled' },
      { id: 'plain-labelled', provider: 'house', upstreamModel: 'plain-labelled' },
      { id: 'claude', provider: 'claude', upstreamModel: 'claude-3-5-sonnet-20240620', pricing: { inputPerMTok: 3, outputPerMTok: 15 } },
      { id: 'claude-tools', provider: 'claude', upstreamModel: 'claude-tools', capabilities: { tools: true, reasoning: true } },
    ],
  });
});

afterAll(async () => {
  await gateway?.close();
  await closeServer(upstream);
});

async function stream(path: string, body: Record<string, unknown>): Promise<{ status: number; type: string | null; text: string; cost: string | null }> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}`, 'x-api-key': TEST_KEY },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, cost: res.headers.get('x-switchyard-cost-usd') };
}

const dataEvents = (text: string) =>
  text
    .split('\n\n')
    .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)) as Record<string, any>);

describe('a whole JSON answer to a streaming request', () => {
  it('reaches an OpenAI client as a stream: content, finish, usage (asked for), [DONE]', async () => {
    const res = await stream('/v1/chat/completions', { model: 'house', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/event-stream/);
    expect(res.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const events = dataEvents(res.text);
    expect(events.every((e) => e.object === 'chat.completion.chunk' && e.id === 'chatcmpl-whole')).toBe(true);
    expect(events.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe('The whole answer at once.');
    expect(events.find((e) => e.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    expect(events[events.length - 1].usage).toEqual(COMPLETION.usage);
  });

  it('reaches an Anthropic client through translation, tool calls included', async () => {
    const text = await stream('/v1/messages', { model: 'house', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(text.status).toBe(200);
    expect(text.text).toContain('event: message_stop');
    expect(text.text).toContain('"text":"The whole answer at once."');
    expect(text.text).toMatch(/"output_tokens":6/);

    const tools = await stream('/v1/messages', {
      model: 'house-tools',
      max_tokens: 50,
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    expect(tools.status).toBe(200);
    expect(tools.text).toContain('"type":"tool_use"');
    expect(tools.text).toContain('"name":"get_weather"');
    expect(tools.text).toContain('"stop_reason":"tool_use"');
  });

  it('an event stream labelled application/json is still read as the stream it is', async () => {
    const openai = await stream('/v1/chat/completions', { model: 'mislabelled', messages: [{ role: 'user', content: 'hi' }] });
    expect(openai.status).toBe(200);
    expect(dataEvents(openai.text).map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe('streamed anyway');
    const anthropic = await stream('/v1/messages', { model: 'mislabelled', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    expect(anthropic.status).toBe(200);
    expect(anthropic.text).toContain('event: message_stop');
  });

  it('an event stream the upstream labelled text/plain reaches the client as text/event-stream', async () => {
    const answer = await stream('/v1/chat/completions', { model: 'plain-labelled', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('text/event-stream; charset=utf-8');
    expect(answer.text).toContain('data: [DONE]');
  });

  it('an HTML page instead of a stream is a typed 502 before anything is sent', async () => {
    const res = await stream('/v1/chat/completions', { model: 'portal', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_BAD_RESPONSE' });
    expect(JSON.parse(res.text).error.message).toMatch(/HTML page, not an event stream/);
  });
});

describe('a whole Messages answer to a streaming request', () => {
  it('reaches an Anthropic client as a stream in the exact event order, with the recorded text and usage', async () => {
    const res = await stream('/v1/messages', { model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/event-stream/);
    const events = parseAnthropicSse(res.text);
    assertAnthropicEventOrder(events);
    const text = events.map((e) => ((e.json as { delta?: { text?: string } }).delta?.text ?? '')).join('');
    expect(text).toBe((CLAUDE_MESSAGE.content as { text: string }[])[0].text);
    const usage = CLAUDE_MESSAGE.usage as { input_tokens: number; output_tokens: number };
    expect(res.text).toContain(`"output_tokens":${usage.output_tokens}`);
    expect(res.cost).not.toBe('0.000000000');
  });

  it('thinking, text and a tool call survive, to an Anthropic client and through translation to an OpenAI one', async () => {
    const anthropic = await stream('/v1/messages', { model: 'claude-tools', max_tokens: 50, messages: [{ role: 'user', content: 'weather?' }] });
    const events = parseAnthropicSse(anthropic.text);
    assertAnthropicEventOrder(events);
    expect(anthropic.text).toContain('"type":"signature_delta","signature":"sig-abc"');
    expect(anthropic.text).toContain('"partial_json":"{\\"city\\":\\"Oslo\\"}"');
    expect(anthropic.text).toContain('"stop_reason":"tool_use"');

    const openai = await stream('/v1/chat/completions', {
      model: 'claude-tools',
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    expect(openai.status).toBe(200);
    const chunks = dataEvents(openai.text);
    expect(chunks.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe('Checking.');
    const call = chunks.flatMap((e) => e.choices[0]?.delta?.tool_calls ?? []);
    expect(call[0].function.name).toBe('get_weather');
    expect(call.map((c: { function: { arguments?: string } }) => c.function.arguments ?? '').join('')).toBe('{"city":"Oslo"}');
    expect(chunks.find((e) => e.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('tool_calls');
  });
});

describe('completionAsEvents', () => {
  it('one delta per choice with everything, then the finishes, usage and [DONE]; tool calls get their index', () => {
    const two = { ...COMPLETION, choices: [COMPLETION.choices[0], { ...TOOL_COMPLETION.choices[0], index: 1 }] };
    const events = completionAsEvents(two, 'p', undefined).split('\n\n').filter(Boolean);
    expect(events[events.length - 1]).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? (c.usage ? 'usage' : null))).toEqual([null, null, 'stop', 'tool_calls', 'usage']);
    expect(chunks[1].choices[0].delta.tool_calls).toEqual([{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
    expect(chunks[0].system_fingerprint).toBe('fp_house');
  });

  it('an error object becomes an in-stream error event; anything else is a typed bad response', () => {
    expect(completionAsEvents({ error: { message: 'model overloaded' } }, 'p', undefined)).toBe('data: {"error":{"message":"model overloaded"}}\n\n');
    for (const bad of [[1, 2], { id: 'x' }, 'text', null]) {
      expect(() => completionAsEvents(bad, 'p', undefined)).toThrow(GatewayError);
    }
  });

  it('a Messages error body becomes an error event; a body that is not a message is a typed bad response', () => {
    expect(messageAsEvents({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'p', undefined)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
    for (const bad of [{ type: 'message' }, [], 'x']) expect(() => messageAsEvents(bad, 'p', undefined)).toThrow(GatewayError);
  });

  it('reads the content type: event streams and unknown types as SSE, JSON as a whole answer, HTML as a failure', () => {
    expect(streamBodyKind({})).toBe('sse');
    expect(streamBodyKind({ 'content-type': 'text/event-stream; charset=utf-8' })).toBe('sse');
    expect(streamBodyKind({ 'content-type': 'text/plain' })).toBe('sse');
    expect(streamBodyKind({ 'content-type': 'Application/JSON; charset=utf-8' })).toBe('json');
    expect(streamBodyKind({ 'content-type': 'application/problem+json' })).toBe('json');
    expect(streamBodyKind({ 'content-type': 'text/html' })).toBe('html');
  });
});
