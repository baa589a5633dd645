/**
 * An OpenAI-compatible upstream that answers `"stream": true` with a whole `chat.completion`
 * (application/json), as servers without streaming do: the client still gets a correct stream in its
 * own dialect (passthrough and translated), billed from the answer's usage; an HTML page instead of a
 * stream is a typed 502. Unit cases check the synthesised chunks.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionAsEvents, streamBodyKind } from '../../src/providers/openai/openai-whole-as-stream.js';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { GatewayError } from '../../src/spec/errors.js';
import { closeServer, listenLocal } from '../helpers/local-http.js';
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

let upstream: Server;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(text) as { model: string };
      if (body.model === 'portal') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end('<html><body>Please log in</body></html>');
      }
      if (body.model === 'mislabelled') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body.model === 'house-tools' ? TOOL_COMPLETION : COMPLETION));
    });
  });
  const url = await listenLocal(upstream);
  gateway = await startTestGateway({
    providers: { house: { type: 'openai-compatible', baseUrl: url, apiKey: 'sk-house' } },
    models: [
      { id: 'house', provider: 'house', upstreamModel: 'house-7b', pricing: { inputPerMTok: 1, outputPerMTok: 1 }, capabilities: { tools: true } },
      { id: 'house-tools', provider: 'house', upstreamModel: 'house-tools', capabilities: { tools: true } },
      { id: 'portal', provider: 'house', upstreamModel: 'portal' },
      { id: 'mislabelled', provider: 'house', upstreamModel: 'mislabelled' },
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

  it('an event stream the upstream labelled text/plain reaches the client as text/event-stream', async () => {
    const answer = await stream('/v1/chat/completions', { model: 'mislabelled', messages: [{ role: 'user', content: 'hi' }] });
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

  it('reads the content type: event streams and unknown types as SSE, JSON as a whole answer, HTML as a failure', () => {
    expect(streamBodyKind({})).toBe('sse');
    expect(streamBodyKind({ 'content-type': 'text/event-stream; charset=utf-8' })).toBe('sse');
    expect(streamBodyKind({ 'content-type': 'text/plain' })).toBe('sse');
    expect(streamBodyKind({ 'content-type': 'Application/JSON; charset=utf-8' })).toBe('json');
    expect(streamBodyKind({ 'content-type': 'application/problem+json' })).toBe('json');
    expect(streamBodyKind({ 'content-type': 'text/html' })).toBe('html');
  });
});
