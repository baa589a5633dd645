import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import type { CallContext } from '../../src/providers/provider.js';
import { closeUpstreamAgents, MAX_ERROR_BODY_BYTES, MAX_RESPONSE_BODY_BYTES } from '../../src/providers/shared/upstream-http.js';
import { sendUpstreamBuffered } from '../../src/providers/shared/upstream-buffered.js';
import { GatewayError } from '../../src/spec/errors.js';

/**
 * Upstream bodies read whole are bounded: an error body is cut at MAX_ERROR_BODY_BYTES and the
 * connection closed (the upstream sees it and stops sending), and a 2xx body announced larger than
 * MAX_RESPONSE_BODY_BYTES is refused with a typed error before it is read.
 */

const HUGE_BYTES = 10 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

interface Stream {
  written: number;
  /** Resolves when the response ended or its connection closed; `finished` tells which. */
  done: Promise<{ finished: boolean; written: number }>;
}

let server: Server;
let base: string;
const streams: Stream[] = [];

/** Writes `total` bytes in chunks, honouring backpressure, until done or the client goes away. */
function streamBody(res: ServerResponse, total: number, prefix: string): void {
  const stream: Stream = { written: 0, done: Promise.resolve({ finished: false, written: 0 }) };
  stream.done = new Promise((resolve) => {
    let closed = false;
    res.on('close', () => {
      closed = true;
      resolve({ finished: res.writableFinished, written: stream.written });
    });
    const pump = () => {
      while (!closed && stream.written < total) {
        const piece = stream.written === 0 ? Buffer.concat([Buffer.from(prefix), CHUNK]) : CHUNK;
        stream.written += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (!closed) res.end();
    };
    pump();
  });
  streams.push(stream);
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
