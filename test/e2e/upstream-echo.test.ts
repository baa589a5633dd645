/**
 * An upstream that echoes the credentials it was sent in a *successful* answer — in the completion
 * text and in the request-id headers the gateway forwards — must not hand them to the client, in
 * passthrough and translation, whole and streamed. (Error answers: credential-redaction.test.ts.)
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { closeServer, startJsonUpstream } from '../helpers/local-http.js';
import { startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

const OPENAI_KEY = 'sk-proj-echoTEST0123456789abcdefXYZ';
const ANTHROPIC_KEY = 'sk-ant-api03-echoTEST0123456789abcdef';

let upstream: Server;
let gateway: RunningGateway;

beforeAll(async () => {
  const started = await startJsonUpstream((req, res, json) => {
    const body = json as { stream?: boolean };
    const echo = `You sent ${req.headers.authorization ?? req.headers['x-api-key']}`;
    if (req.url?.endsWith('/messages')) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': String(req.headers['x-api-key']) });
      return void res.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [{ type: 'text', text: echo }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }));
    }
    const base = { id: 'c', created: 1, model: 'm' };
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': String(req.headers.authorization) });
      res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: echo }, finish_reason: null }] })}\n\n`);
      return void res.end(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': String(req.headers.authorization) });
    res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: echo }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
  });
  upstream = started.server;
  const url = started.url;
  gateway = await startTestGateway({
    providers: { openai: { type: 'openai', apiKey: OPENAI_KEY, baseUrl: url }, anthropic: { type: 'anthropic', apiKey: ANTHROPIC_KEY, baseUrl: url } },
    models: [
      { id: 'gpt', provider: 'openai' },
      { id: 'claude', provider: 'anthropic' },
    ],
  });
});

afterAll(async () => {
  await gateway?.close();
  await closeServer(upstream);
});

describe('credentials echoed in a successful answer', () => {
  const cases = [
    { model: 'gpt', path: '/v1/chat/completions', stream: false, secret: OPENAI_KEY },
    { model: 'gpt', path: '/v1/chat/completions', stream: true, secret: OPENAI_KEY },
    { model: 'gpt', path: '/v1/messages', stream: false, secret: OPENAI_KEY },
    { model: 'gpt', path: '/v1/messages', stream: true, secret: OPENAI_KEY },
    { model: 'claude', path: '/v1/chat/completions', stream: false, secret: ANTHROPIC_KEY },
    { model: 'claude', path: '/v1/messages', stream: false, secret: ANTHROPIC_KEY },
  ];
  for (const { model, path, stream, secret } of cases) {
    it(`${model} → ${path}${stream ? ' (stream)' : ''}: replaced in the body and in every header`, async () => {
      const res = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` },
        body: JSON.stringify({ model, stream, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).not.toContain(secret);
      expect(text).toContain('You sent ');
      expect(text).toContain('[redacted]');
      for (const [name, value] of res.headers) expect(`${name}: ${value}`).not.toContain(secret);
      if (!stream) expect(() => JSON.parse(text)).not.toThrow(); // still valid JSON, with a correct content-length
    });
  }
});
