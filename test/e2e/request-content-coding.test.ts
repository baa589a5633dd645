/**
 * Request bodies sent with a content-encoding: gzip, deflate and br are decoded on the chat fast path
 * and on the Fastify routes (passthrough upstreams get the plain JSON); the body limit applies to the
 * decoded bytes; an unknown coding is a 415 and undecodable bytes a 400, in the dialect's own shape.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';
import { SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

let gateway: RunningGateway;
let mock: OpenAIMock;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  mock = await startOpenAIMock();
  gateway = await startTestGateway({
    ...SIMULATED_ONLY,
    server: { bodyLimitBytes: LIMIT },
    providers: { ...SIMULATED_ONLY.providers, openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: mock.url } },
    models: [...SIMULATED_ONLY.models, { id: 'gpt', provider: 'openai', upstreamModel: 'gpt-4.1-mock' }],
  });
});

afterAll(async () => {
  await gateway?.close();
  await mock?.close();
});

async function post(path: string, body: Buffer, encoding: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: `Bearer ${TEST_KEY}`, 'x-api-key': TEST_KEY },
    body: new Uint8Array(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) };
}

const chat = (model: string, content = 'hello compressed') => JSON.stringify({ model, messages: [{ role: 'user', content }] });
const messages = (model: string) => JSON.stringify({ model, max_tokens: 32, messages: [{ role: 'user', content: 'hello compressed' }] });

describe('compressed request bodies', () => {
  it('gzip, x-gzip, deflate and br chat bodies are decoded and answered', async () => {
    for (const [encoding, encode] of [
      ['gzip', gzipSync],
      ['x-gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const) {
      const res = await post('/v1/chat/completions', encode(chat('sim-small')), encoding);
      expect(res.status, encoding).toBe(200);
      expect(res.json.choices[0].message.content).toContain('hello compressed');
    }
  });

  it('a passthrough upstream gets the decoded JSON, and an Anthropic client is answered too', async () => {
    const before = mock.requests.length;
    const res = await post('/v1/chat/completions', gzipSync(chat('gpt', 'to the upstream')), 'gzip');
    expect(res.status).toBe(200);
    expect(mock.requests.length).toBe(before + 1);
    const received = mock.requests[mock.requests.length - 1];
    expect((received.body as { messages: { content: string }[] }).messages[0].content).toBe('to the upstream');
    expect(received.headers['content-encoding']).toBeUndefined();

    const anthropic = await post('/v1/messages', gzipSync(messages('sim-small')), 'gzip');
    expect(anthropic.status).toBe(200);
    expect(anthropic.json.type).toBe('message');
  });

  it('Fastify routes decode too (count_tokens)', async () => {
    const res = await post('/v1/messages/count_tokens', gzipSync(JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'count me' }] })), 'gzip');
    expect(res.status).toBe(200);
    expect(res.json.input_tokens).toBeGreaterThan(0);
  });

  it('an unknown coding is a 415 in each dialect', async () => {
    const openai = await post('/v1/chat/completions', Buffer.from(chat('sim-small')), 'zstd');
    expect(openai.status).toBe(415);
    expect(openai.json.error).toMatchObject({ code: 'SWY_ERR_UNSUPPORTED_CONTENT_ENCODING' });
    expect(openai.json.error.message).toContain('zstd');
    const anthropic = await post('/v1/messages', Buffer.from(messages('sim-small')), 'compress');
    expect(anthropic.status).toBe(415);
    expect(anthropic.json.type).toBe('error');
    expect(anthropic.json.error.message).toContain('compress');
  });

  it('bytes that do not decode are a 400 that says so', async () => {
    const res = await post('/v1/chat/completions', Buffer.from(chat('sim-small')), 'gzip');
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', code: 'SWY_ERR_BODY_ENCODING' });
    expect(res.json.error.message).toMatch(/content-encoding: gzip but does not decode/);
  });

  it('the body limit applies to the decoded bytes: a small body that expands past it is a 413', async () => {
    const bomb = gzipSync(chat('sim-small', ' '.repeat(LIMIT * 16)), { level: 9 });
    expect(bomb.length).toBeLessThan(LIMIT);
    const chatRes = await post('/v1/chat/completions', bomb, 'gzip');
    expect(chatRes.status).toBe(413);
    expect(chatRes.json.error.code).toBe('SWY_ERR_BODY_TOO_LARGE');
    const counted = await post('/v1/messages/count_tokens', bomb, 'gzip');
    expect(counted.status).toBe(413);
  });
});
