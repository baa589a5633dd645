import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendUpstreamStreamed, type StreamedUpstreamResponse } from '../../src/providers/shared/upstream-streamed.js';
import { pumpBody, type PumpOutcome } from '../helpers/pumped-body.js';
import { mapBodyReadError, MAX_ERROR_BODY_BYTES, UpstreamPool } from '../../src/providers/shared/upstream-http.js';
import { closeServer, LOCAL_UPSTREAM_TIMEOUTS, listenLocal } from '../helpers/local-http.js';

/**
 * The streamed upstream call through undici's dispatcher (sendUpstreamStreamed): chunks in order,
 * backpressure to the upstream, abandoning closes the connection, and every deadline and failure is
 * the same typed error as with sendUpstream's body stream. Checked against a real HTTP server.
 */

let server: Server;
let base: string;
const pool = new UpstreamPool();
/** Per path: how the server's big response ended, and whether the socket pushed back. */
const seen = new Map<string, Promise<PumpOutcome>>();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'up-1' });
        let i = 0;
        const next = () => {
          if (i < 5) {
            res.write(`data: ${i++}\n\n`);
            setTimeout(next, 5);
          } else res.end('data: [DONE]\n\n');
        };
        return next();
      }
      if (url.startsWith('/firehose')) {
        // Writes as fast as the socket takes, until it pushes back for good or the client goes away.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // Never ends by itself: only the client's going away or backpressure stops it.
        return void seen.set(url, pumpBody(res, { total: 256 * 1024 * 1024, chunkBytes: 16 * 1024, end: false }));
      }
      if (url === '/stall') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        return; // then silence
      }
      if (url === '/trickle') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => res.write(': keep-alive\n\n'), 30);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (url === '/reset') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        setTimeout(() => res.socket?.resetAndDestroy(), 20);
        return;
      }
      if (url === '/huge-error') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
        return void seen.set(url, pumpBody(res, { total: 10 * 1024 * 1024, fill: 'e' }));
      }
      if (url === '/never') return;
      res.writeHead(404).end();
    });
  });
  base = await listenLocal(server);
});

afterAll(async () => {
  await closeServer(server);
  await pool.close();
});

const timeouts = LOCAL_UPSTREAM_TIMEOUTS;

function call(path: string, overrides: Partial<Parameters<typeof sendUpstreamStreamed>[0]> = {}) {
  return sendUpstreamStreamed({ url: `${base}${path}`, method: 'GET', headers: {}, timeouts, signal: new AbortController().signal, provider: 'p', ...overrides }, pool);
}

function chunksOf(response: StreamedUpstreamResponse) {
  if (!response.ok) throw new Error(`expected a 2xx, got ${response.status}`);
  return response.chunks;
}

async function readAll(response: StreamedUpstreamResponse): Promise<string> {
  let text = '';
  for await (const chunk of chunksOf(response)) text += Buffer.from(chunk).toString('utf8');
  return text;
}

async function readError(response: StreamedUpstreamResponse, signal: AbortSignal) {
  try {
    await readAll(response);
    return undefined;
  } catch (error) {
    return mapBodyReadError(error, 'p', signal);
  }
}

describe('sendUpstreamStreamed', () => {
  it('resolves at the headers and yields the body in order, to the end', async () => {
    const response = await call('/events');
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('up-1');
    expect(await readAll(response)).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: [DONE]\n\n');
  });

  it('a consumer that does not read pauses the upstream (backpressure), and reading resumes it', async () => {
    const response = await call('/firehose-1');
    const chunks = chunksOf(response);
    await new Promise((r) => setTimeout(r, 300));
    let read = 0;
    for (let i = 0; i < 200; i++) {
      const next = await chunks.next();
      if (next.done) break;
      read += next.value.length;
    }
    expect(read).toBeGreaterThan(0);
    await chunks.return!();
    const upstream = await seen.get('/firehose-1')!;
    expect(upstream.pushedBack).toBe(true);
    expect(upstream.finished).toBe(false);
    // Paused: the queue's 64 chunks and the kernel's socket buffers, not the hundreds of MB loopback carries in 300 ms.
    expect(upstream.written).toBeLessThan(32 * 1024 * 1024);
  });

  it('return() closes the upstream connection', async () => {
    const response = await call('/firehose-2');
    const chunks = chunksOf(response);
    await chunks.next();
    await chunks.return!();
    const upstream = await seen.get('/firehose-2')!;
    expect(upstream.finished).toBe(false);
  });

  it('the client going away mid-stream fails the read as a client-closed error', async () => {
    const controller = new AbortController();
    const response = await call('/trickle', { signal: controller.signal });
    setTimeout(() => controller.abort(), 80);
    expect(await readError(response, controller.signal)).toMatchObject({ code: 'SWY_ERR_CLIENT_CLOSED', status: 499 });
  });

  it('a stream that goes silent fails with the idle timeout', async () => {
    const signal = new AbortController().signal;
    const response = await call('/stall', { timeouts: { ...timeouts, idleMs: 200 }, signal });
    expect(await readError(response, signal)).toMatchObject({ code: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT', kind: 'timeout' });
  });

  it('the total timeout cuts a stream that keeps trickling', async () => {
    const signal = new AbortController().signal;
    const response = await call('/trickle', { timeouts: { ...timeouts, totalMs: 300 }, signal });
    expect(await readError(response, signal)).toMatchObject({ code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT' });
  });

  it('a connection reset mid-stream fails the read with a retryable upstream error', async () => {
    const signal = new AbortController().signal;
    const response = await call('/reset', { signal });
    const error = await readError(response, signal);
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_UNREACHABLE', retryable: true });
    expect(error!.message).not.toContain('127.0.0.1');
  });

  it('headers that never come are a first-byte timeout, before anything resolves', async () => {
    const error = await call('/never', { timeouts: { ...timeouts, firstByteMs: 200 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT' });
  });

  it('an error status is read whole up to MAX_ERROR_BODY_BYTES, with its headers, and the rest is not read', async () => {
    const response = await call('/huge-error');
    expect(response.ok).toBe(false);
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    if (response.ok) return;
    expect(response.body.length).toBe(MAX_ERROR_BODY_BYTES);
    const upstream = await seen.get('/huge-error')!;
    expect(upstream.finished).toBe(false);
  });
});
