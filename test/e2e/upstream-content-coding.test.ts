/**
 * Recorded provider answers replayed with the `content-encoding: gzip` their recordings carry (and the
 * body really gzipped): clients of both dialects get plain answers, streams included, and the gateway
 * still reads the usage it bills. The gateway itself asks upstreams for `accept-encoding: identity`.
 */
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { readFixture, readFixtureJson } from '../helpers/fixtures.js';
import { postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

interface RecordedExchange {
  status: number;
  headers: [string, string][];
  body: unknown;
}

const openaiJson = readFixtureJson<RecordedExchange>('headers/openai__completions-f382f0-POST.json');
const anthropicJson = readFixtureJson<RecordedExchange>('headers/claude__messages-f84379-POST.json');
const openaiSse = readFixture('openai/recorded-sse-openai-python/parse_nothing.e2aad469b71d.sse');

let upstream: Server;
let gateway: RunningGateway;
const acceptEncodings: string[] = [];

/** The recorded headers minus framing (the body is re-encoded here), keeping content-encoding: gzip. */
function recordedHeaders(exchange: RecordedExchange): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of exchange.headers) if (!['content-length', 'transfer-encoding', 'connection'].includes(name.toLowerCase())) out[name.toLowerCase()] = value;
  return out;
}

beforeAll(async () => {
  expect(recordedHeaders(openaiJson)['content-encoding']).toBe('gzip');
  expect(recordedHeaders(anthropicJson)['content-encoding']).toBe('gzip');
  upstream = createServer((req, res) => {
    acceptEncodings.push(String(req.headers['accept-encoding']));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
      if (req.url === '/v1/messages') {
        res.writeHead(200, recordedHeaders(anthropicJson));
        return void res.end(gzipSync(JSON.stringify(anthropicJson.body)));
      }
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        return void res.end(gzipSync(openaiSse));
      }
      res.writeHead(200, recordedHeaders(openaiJson));
      res.end(gzipSync(JSON.stringify(openaiJson.body)));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  gateway = await startTestGateway({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: `${url}/v1` },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-test', baseUrl: url },
    },
    models: [
      { id: 'gpt', provider: 'openai', upstreamModel: 'gpt-5.1-chat-latest', pricing: { inputPerMTok: 1, outputPerMTok: 2 } },
      { id: 'claude', provider: 'anthropic', upstreamModel: 'claude-3-5-sonnet-20240620', pricing: { inputPerMTok: 3, outputPerMTok: 15 } },
    ],
  });
});

afterAll(async () => {
  await gateway?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

const openaiBody = (model: string, stream = false) => ({ model, stream, messages: [{ role: 'user', content: 'hello' }], ...(stream ? { stream_options: { include_usage: true } } : {}) });

describe('gzip-coded upstream answers', () => {
  it('OpenAI passthrough: the client gets the plain recorded answer, and its usage is billed', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, openaiBody('gpt'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.json).toEqual({ ...(openaiJson.body as object), model: 'gpt-5.1-chat-latest' });
    // 20 prompt + 18 completion tokens at $1 / $2 per million.
    expect(res.headers.get('x-switchyard-cost-usd')).toBe('0.000056000');
  });

  it('OpenAI stream passthrough: the recorded events, decoded, to [DONE]', async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` }, body: JSON.stringify(openaiBody('gpt', true)) });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content":"I\'m"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('an Anthropic client on an OpenAI upstream (translation) and an OpenAI client on an Anthropic upstream both get decoded answers', async () => {
    const fromOpenAI = await postJson(`${gateway.url}/v1/messages`, { model: 'gpt', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }, { 'x-api-key': TEST_KEY });
    expect(fromOpenAI.status).toBe(200);
    expect(fromOpenAI.json.content[0].text).toBe('Hello! How can I help you today?');
    expect(fromOpenAI.json.usage).toMatchObject({ input_tokens: 20, output_tokens: 18 });

    const fromAnthropic = await postJson(`${gateway.url}/v1/chat/completions`, openaiBody('claude'));
    expect(fromAnthropic.status).toBe(200);
    expect(fromAnthropic.json.choices[0].message.content).toMatch(/^Hello! How can I assist you today\?/);
  });

  it('every upstream call asked for identity', () => {
    expect(acceptEncodings.length).toBeGreaterThanOrEqual(4);
    expect(new Set(acceptEncodings)).toEqual(new Set(['identity']));
  });
});
