import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import type { CallContext } from '../../src/providers/provider.js';
import { closeUpstreamAgents, MAX_ERROR_BODY_BYTES, MAX_RESPONSE_BODY_BYTES } from '../../src/providers/shared/upstream-http.js';
import { sendUpstreamBuffered } from '../../src/providers/shared/upstream-buffered.js';
import { GatewayError } from '../../src/spec/errors.js';
import { pumpBody, type PumpOutcome } from '../helpers/pumped-body.js';

/**
 * Upstream bodies read whole are bounded: an error body is cut at MAX_ERROR_BODY_BYTES and the
 * connection closed (the upstream sees it and stops sending), and a 2xx body announced larger than
 * MAX_RESPONSE_BODY_BYTES is refused with a typed error before it is read.
 */

const HUGE_BYTES = 10 * 1024 * 1024;
let server: Server;
let base: string;
/** Every big response the server sent, in order: how it ended. */
const streams: Array<{ done: Promise<PumpOutcome> }> = [];

function streamBody(res: ServerResponse, total: number, prefix: string): void {
  streams.push({ done: pumpBody(res, { total, prefix }) });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const url = req.url ?? '/';
    req.on('end', () => {
      if (url.startsWith('/huge-error')) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return streamBody(res, HUGE_BYTES, 'upstream exploded: ');
      }
      if (url.startsWith('/small-error')) {
        res.writeHead(503, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: { message: 'Service busy', type: 'server_error' } }));
      }
      if (url.startsWith('/announced-huge')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_RESPONSE_BODY_BYTES + 1) });
        return streamBody(res, MAX_RESPONSE_BODY_BYTES + 1, '{"id":"x","choices":[');
      }
      if (url.startsWith('/v1/chat/completions')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        return streamBody(res, HUGE_BYTES, '{"error":{"message":"Invalid model, and a very long story: ');
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await closeUpstreamAgents();
});

const timeouts = { connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 20_000 };

function send(path: string) {
  return sendUpstreamBuffered({ url: `${base}${path}`, method: 'GET', headers: {}, timeouts, signal: new AbortController().signal, provider: 'p' });
}

const text = (response: { body: Buffer }) => response.body.toString('utf8');

describe('error bodies are read up to MAX_ERROR_BODY_BYTES', () => {
  it('cuts a 10 MB error body at the limit and closes the connection', async () => {
    const before = streams.length;
    const started = performance.now();
    const response = await send('/huge-error');
    expect(response.status).toBe(500);
    expect(text(response).length).toBe(MAX_ERROR_BODY_BYTES);
    expect(text(response).startsWith('upstream exploded: ')).toBe(true);
    const upstream = await streams[before].done;
    expect(upstream.finished).toBe(false);
    expect(upstream.written).toBeLessThan(HUGE_BYTES);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('reads a small error body whole', async () => {
    const response = await send('/small-error');
    expect(JSON.parse(text(response))).toEqual({ error: { message: 'Service busy', type: 'server_error' } });
  });

  it('ten concurrent huge error bodies each cost at most the limit', async () => {
    const before = streams.length;
    const texts = await Promise.all(Array.from({ length: 10 }, async () => text(await send('/huge-error'))));
    for (const body of texts) expect(body.length).toBe(MAX_ERROR_BODY_BYTES);
    const upstream = await Promise.all(streams.slice(before).map((s) => s.done));
    expect(upstream).toHaveLength(10);
    for (const result of upstream) expect(result.finished).toBe(false);
  });

  it('an adapter answers a huge upstream 500 promptly with a typed error', async () => {
    const before = streams.length;
    const openai = createOpenAIProvider('big', { type: 'openai', apiKey: 'test-key', baseUrl: `${base}/v1` });
    const context: CallContext = {
      upstreamModel: 'gpt-x',
      signal: new AbortController().signal,
      timeouts,
      model: { reasoning: false, tools: true, images: false, json: true, remoteImages: false },
    };
    const started = performance.now();
    const error = await openai
      .chat({ model: 'gpt-x', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false }, context)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(performance.now() - started).toBeLessThan(5000);
    expect(GatewayError.is(error) && error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_ERROR', kind: 'upstream_error', upstreamStatus: 500, status: 502 });
    expect((error as GatewayError).message).toContain('Invalid model');
    expect((error as GatewayError).message.length).toBeLessThan(1000);
    expect((await streams[before].done).finished).toBe(false);
  });
});

describe('2xx bodies read whole are bounded by MAX_RESPONSE_BODY_BYTES', () => {
  it('refuses a body announced larger than the limit, before reading it', async () => {
    const before = streams.length;
    const error = await send('/announced-huge').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE', kind: 'upstream_error', status: 502, retryable: false });
    const upstream = await streams[before].done;
    expect(upstream.finished).toBe(false);
    expect(upstream.written).toBeLessThan(MAX_RESPONSE_BODY_BYTES);
  });

  it('reads an ordinary 2xx body as before', async () => {
    expect(text(await send('/ok'))).toBe('{"ok":true}');
  });
});
