import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastChatHandler } from '../../src/server/fast-chat.js';
import { Lifecycle } from '../../src/server/lifecycle.js';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * The chat endpoints are served on node:http in front of Fastify (src/server/fast-chat.ts) at their
 * exact paths; the same path with a query string goes through Fastify's route, hook and body parser.
 * Every answer — errors before the handler included — must be the same on both.
 */

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(port: number, path: string, headers: Record<string, string>, body?: string | Buffer, chunked = false): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (body !== undefined && chunked) {
      // No content-length: the body arrives in pieces with transfer-encoding: chunked.
      const bytes = Buffer.from(body);
      for (let i = 0; i < bytes.length; i += 1024) req.write(bytes.subarray(i, i + 1024));
      req.end();
    } else req.end(body);
  });
}

/** What must match between the two paths (ids differ per request). */
function comparable(response: RawResponse) {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = response.body;
  }
  const scrub = (value: unknown): unknown => (typeof value === 'string' ? value.replace(/(req|chatcmpl|msg|sim-req)[-_][\w-]+/g, '<id>') : value);
  const scrubbed = JSON.parse(JSON.stringify(json, (_k, v: unknown) => scrub(v))) as unknown;
  if (scrubbed && typeof scrubbed === 'object' && 'created' in scrubbed) (scrubbed as Record<string, unknown>).created = 0;
  return {
    status: response.status,
    json: scrubbed,
    contentType: response.headers['content-type'],
    errorCode: response.headers['x-switchyard-error-code'],
    model: response.headers['x-switchyard-model'],
    attempts: response.headers['x-switchyard-attempts'],
    connection: response.headers.connection,
  };
}

let gateway: RunningGateway;
let port: number;
const json = { 'content-type': 'application/json' };
const openaiAuth = { authorization: `Bearer ${TEST_KEY}` };
const anthropicAuth = { 'x-api-key': TEST_KEY };
const openaiBody = JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'hello there' }] });
const anthropicBody = JSON.stringify({ model: 'sim-small', max_tokens: 64, messages: [{ role: 'user', content: 'hello there' }] });
const deep = `{"model":"sim-small","messages":[{"role":"user","content":"x"}],"x":${'{"a":'.repeat(30)}1${'}'.repeat(30)}}`;
const large = JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'x'.repeat(8000) }] });

beforeAll(async () => {
  gateway = await startTestGateway({ ...SIMULATED_ONLY, server: { maxJsonDepth: 20, bodyLimitBytes: 4096 } });
  port = Number(new URL(gateway.url).port);
});

afterAll(async () => {
  await gateway?.close();
});

const cases: Array<[string, string, Record<string, string>, string | undefined, boolean?]> = [
  ['openai: a valid request', '/v1/chat/completions', { ...json, ...openaiAuth }, openaiBody],
  ['openai: form-encoded content type, JSON body', '/v1/chat/completions', { 'content-type': 'application/x-www-form-urlencoded', ...openaiAuth }, openaiBody],
  ['openai: no key', '/v1/chat/completions', json, openaiBody],
  ['openai: a wrong key', '/v1/chat/completions', { ...json, authorization: 'Bearer sk-swy-wrong' }, openaiBody],
  ['openai: empty body with a content type', '/v1/chat/completions', { ...json, ...openaiAuth }, ''],
  ['openai: no content type and no body', '/v1/chat/completions', { ...openaiAuth, 'content-length': '0' }, undefined],
  ['openai: invalid JSON', '/v1/chat/completions', { ...json, ...openaiAuth }, '{"model": "sim-small", '],
  ['openai: a JSON array', '/v1/chat/completions', { ...json, ...openaiAuth }, '[1,2]'],
  ['openai: nested too deep', '/v1/chat/completions', { ...json, ...openaiAuth }, deep],
  ['openai: body over the limit (content-length)', '/v1/chat/completions', { ...json, ...openaiAuth }, large],
  ['openai: body over the limit (chunked)', '/v1/chat/completions', { ...json, ...openaiAuth }, large, true],
  ['openai: an unknown model', '/v1/chat/completions', { ...json, ...openaiAuth }, JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })],
  ['anthropic: a valid request', '/v1/messages', { ...json, ...anthropicAuth }, anthropicBody],
  ['anthropic: no key', '/v1/messages', json, anthropicBody],
  ['anthropic: invalid JSON', '/v1/messages', { ...json, ...anthropicAuth }, '{'],
  ['anthropic: body over the limit', '/v1/messages', { ...json, ...anthropicAuth }, large],
  ['anthropic: missing max_tokens', '/v1/messages', { ...json, ...anthropicAuth }, openaiBody],
];

describe('the node:http chat path answers exactly as the Fastify route', () => {
  it.each(cases)('%s', async (_name, path, headers, body, chunked) => {
    const fast = await raw(port, path, headers, body, chunked);
    const viaFastify = await raw(port, `${path}?via=fastify`, headers, body, chunked);
    expect(comparable(fast)).toEqual(comparable(viaFastify));
    expect(fast.status).toBeGreaterThanOrEqual(200);
  });

  it('spot checks: the answers are what they should be, not merely equal', async () => {
    expect((await raw(port, '/v1/chat/completions', { ...json, ...openaiAuth }, openaiBody)).status).toBe(200);
    expect(comparable(await raw(port, '/v1/chat/completions', json, openaiBody))).toMatchObject({ status: 401, errorCode: 'SWY_ERR_MISSING_API_KEY' });
    expect(comparable(await raw(port, '/v1/chat/completions', { ...json, ...openaiAuth }, large))).toMatchObject({ status: 413, json: { error: { message: expect.stringContaining('4096 bytes') } } });
    expect(comparable(await raw(port, '/v1/chat/completions', { ...json, ...openaiAuth }, large, true))).toMatchObject({ status: 413 });
    expect(comparable(await raw(port, '/v1/chat/completions', { ...json, ...openaiAuth }, deep)).json).toMatchObject({ error: { message: expect.stringContaining('20 levels') } });
    const anthropic = comparable(await raw(port, '/v1/messages', { ...json, ...anthropicAuth }, '{'));
    expect(anthropic).toMatchObject({ status: 400, json: { type: 'error', error: { type: 'invalid_request_error' } } });
  });
});

describe('fastChatHandler', () => {
  it('takes only POST to the two exact chat paths', () => {
    const handler = fastChatHandler({
      lifecycle: new Lifecycle(),
      verify: () => undefined,
      bodyLimitBytes: 1024,
      maxJsonDepth: 10,
      serve: async () => undefined,
    });
    const fakeRes = { destroyed: true } as never;
    const req = (method: string, url: string) => ({ method, url, headers: {} }) as never;
    expect(handler(req('POST', '/v1/chat/completions'), fakeRes)).toBe(true);
    expect(handler(req('POST', '/v1/messages'), fakeRes)).toBe(true);
    expect(handler(req('GET', '/v1/chat/completions'), fakeRes)).toBe(false);
    expect(handler(req('POST', '/v1/chat/completions?x=1'), fakeRes)).toBe(false);
    expect(handler(req('POST', '/v1/messages/count_tokens'), fakeRes)).toBe(false);
    expect(handler(req('POST', '/v1/models'), fakeRes)).toBe(false);
  });
});
