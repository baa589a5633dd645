/**
 * A 2xx that is not an answer — an error object under a 200 (some OpenAI-compatible servers and
 * proxies do this), a chat.completion without choices, a Message without content — is the upstream's
 * failure in passthrough too: a typed error in the client's dialect, and another candidate of the
 * route is tried, instead of a 200 the client's SDK cannot read.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { closeServer, startJsonUpstream } from '../helpers/local-http.js';
import { postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

const OPENAI_ANSWER = { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
const BODIES: Record<string, unknown> = {
  'error-200': { error: { message: 'The server had an error while processing your request.', type: 'server_error' } },
  'no-choices': { id: 'c', object: 'chat.completion', created: 1, model: 'm' },
  good: OPENAI_ANSWER,
  'anthropic-error-200': { type: 'error', error: { type: 'api_error', message: 'Internal server error' } },
  'anthropic-no-content': { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude' },
};

let upstream: Server;
let gateway: RunningGateway;

beforeAll(async () => {
  const started = await startJsonUpstream((req, res, json) => {
    const { model } = json as { model: string };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(BODIES[model]));
  });
  upstream = started.server;
  const url = started.url;
  gateway = await startTestGateway({
    providers: { openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: url }, anthropic: { type: 'anthropic', apiKey: 'sk-ant-test', baseUrl: url } },
    models: [
      { id: 'error-200', provider: 'openai', upstreamModel: 'error-200' },
      { id: 'no-choices', provider: 'openai', upstreamModel: 'no-choices' },
      { id: 'good', provider: 'openai', upstreamModel: 'good' },
      { id: 'anthropic-error-200', provider: 'anthropic', upstreamModel: 'anthropic-error-200' },
      { id: 'anthropic-no-content', provider: 'anthropic', upstreamModel: 'anthropic-no-content' },
    ],
    routes: { chain: { candidates: ['error-200', 'good'], strategy: 'priority', retries: { attempts: 0 } } },
  });
});

afterAll(async () => {
  await gateway?.close();
  await closeServer(upstream);
});

const chat = (model: string) => postJson(`${gateway.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] });
const messages = (model: string) => postJson(`${gateway.url}/v1/messages`, { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': TEST_KEY });

describe('a 2xx that is not an answer (passthrough)', () => {
  it("an error object under a 200 is the upstream's error, with its message, in the client's dialect", async () => {
    const res = await chat('error-200');
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.json.error.message).toContain('The server had an error');
  });

  it('a chat.completion without choices is a typed bad response', async () => {
    const res = await chat('no-choices');
    expect(res.status).toBe(502);
    expect(res.json.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_BAD_RESPONSE' });
    expect(res.json.error.message).toContain('no choices');
  });

  it('a route falls over from it to the next candidate', async () => {
    const res = await chat('chain');
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toBe('fine');
    expect(res.headers.get('x-switchyard-attempts')).toMatch(/^2; 1=openai\/error-200/);
  });

  it('an Anthropic error body under a 200, and a Message without content, fail the same way', async () => {
    const error = await messages('anthropic-error-200');
    expect(error.status).toBeGreaterThanOrEqual(500);
    expect(error.json).toMatchObject({ type: 'error', error: { message: expect.stringContaining('Internal server error') } });
    const empty = await messages('anthropic-no-content');
    expect(empty.status).toBe(502);
    expect(empty.json.error.message).toContain('no content');
  });
});
