import { createServer } from 'node:net';
import { errors as undiciErrors } from 'undici';
import { describe, expect, it } from 'vitest';
import { mapBodyReadError, mapNetworkError } from '../../src/providers/shared/upstream-http.js';
import { sendUpstreamBuffered as sendUpstream } from '../../src/providers/shared/upstream-buffered.js';
import { sendUpstreamStreamed } from '../../src/providers/shared/upstream-streamed.js';

const timeouts = { connectMs: 500, firstByteMs: 500, idleMs: 500, totalMs: 5000 };

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('upstream HTTP errors', () => {
  it('an unreachable upstream is a retryable 502 naming the provider and the cause', async () => {
    const port = await closedPort();
    const error = await sendUpstream({ url: `http://127.0.0.1:${port}/v1/x`, headers: {}, body: '{}', timeouts, signal: new AbortController().signal, provider: 'house' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_UNREACHABLE', status: 502, retryable: true, provider: 'house', origin: 'upstream' });
    expect((error as Error).message).toMatch(/house could not be reached \(ECONNREFUSED\)/);
  });

  it('maps undici timeouts to typed, retryable timeout errors', () => {
    expect(mapNetworkError(new undiciErrors.ConnectTimeoutError(), 'p')).toMatchObject({ code: 'SWY_ERR_UPSTREAM_CONNECT_TIMEOUT', kind: 'timeout', status: 504, retryable: true });
    expect(mapNetworkError(new undiciErrors.HeadersTimeoutError(), 'p')).toMatchObject({ code: 'SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT', kind: 'timeout' });
    expect(mapNetworkError(new undiciErrors.BodyTimeoutError(), 'p')).toMatchObject({ code: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT', kind: 'timeout' });
  });

  it('tells a client abort (499, not retried) from the total timeout while a body is read', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    const client = new AbortController();
    expect(mapBodyReadError(abort, 'p', client.signal)).toMatchObject({ code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT', retryable: true });
    client.abort();
    expect(mapBodyReadError(abort, 'p', client.signal)).toMatchObject({ code: 'SWY_ERR_CLIENT_CLOSED', status: 499, retryable: false });
  });

  it('the total timeout cuts a call that keeps the upstream waiting', async () => {
    const server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const error = await sendUpstream({
        url: `http://127.0.0.1:${port}/`,
        headers: {},
        body: '{}',
        timeouts: { connectMs: 1000, firstByteMs: 10_000, idleMs: 10_000, totalMs: 300 },
        signal: new AbortController().signal,
        provider: 'p',
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT', kind: 'timeout', status: 504 });
    } finally {
      server.close();
    }
  });
});

describe('total timeout while the body streams', () => {
  it('cuts a body that keeps trickling within the idle timeout', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: {}\n\n'), 50);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const signal = new AbortController().signal;
      const response = await sendUpstreamStreamed({
        url: `http://127.0.0.1:${port}/`,
        headers: {},
        timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, totalMs: 400 },
        signal,
        provider: 'p',
        method: 'GET',
      });
      if (!response.ok) throw new Error(`expected a 2xx, got ${response.status}`);
      let error: unknown;
      try {
        for await (const _chunk of response.chunks) {
          // read until the total timeout cuts the body
        }
      } catch (caught) {
        error = mapBodyReadError(caught, 'p', signal);
      }
      expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT', kind: 'timeout' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
