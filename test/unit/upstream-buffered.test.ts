import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendUpstreamBuffered } from '../../src/providers/shared/upstream-buffered.js';
import { headerName, parseRawHeaders } from '../../src/providers/shared/upstream-headers.js';
import { pumpBody, type PumpOutcome } from '../helpers/pumped-body.js';
import { MAX_ERROR_BODY_BYTES, MAX_RESPONSE_BODY_BYTES, UpstreamPool } from '../../src/providers/shared/upstream-http.js';
import { closeServer, LOCAL_UPSTREAM_TIMEOUTS, listenLocal } from '../helpers/local-http.js';

/**
 * The non-stream upstream call through undici's dispatcher (sendUpstreamBuffered): the same deadlines,
 * body limits and typed errors as sendUpstream + readBodyBytes, checked against a real HTTP server.
 */

let server: Server;
let base: string;
const pool = new UpstreamPool();
/** Per path: how the server's big response ended. */
const outcomes = new Map<string, Promise<PumpOutcome>>();

function track(path: string, res: import('node:http').ServerResponse, total: number, prefix: string, status: number, headers: Record<string, string>): void {
  res.writeHead(status, headers);
  outcomes.set(path, pumpBody(res, { total, prefix }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url === '/echo') {
        res.setHeader('x-echo-method', req.method ?? '');
        res.setHeader('x-echo-auth', String(req.headers.authorization));
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('X-RateLimit-Remaining-Requests', '42');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: Buffer.concat(chunks).toString('utf8') }));
      }
      if (url.startsWith('/huge-error')) return track(url, res, 10 * 1024 * 1024, 'upstream exploded: ', 500, { 'content-type': 'text/plain' });
      if (url.startsWith('/announced-huge')) return track(url, res, MAX_RESPONSE_BODY_BYTES + 1, '{', 200, { 'content-length': String(MAX_RESPONSE_BODY_BYTES + 1) });
      if (url.startsWith('/chunked-huge')) return track(url, res, MAX_RESPONSE_BODY_BYTES + 16 * 1024 * 1024, '{', 200, { 'content-type': 'application/json' });
      if (url === '/never') return; // headers never come
      if (url === '/trickle') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const timer = setInterval(() => res.write(' '), 40);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (url === '/stall-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
        return; // then silence
      }
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

function call(path: string, overrides: Partial<Parameters<typeof sendUpstreamBuffered>[0]> = {}) {
  return sendUpstreamBuffered({ url: `${base}${path}`, headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"q":1}', timeouts, signal: new AbortController().signal, provider: 'p', ...overrides }, pool);
}

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('sendUpstreamBuffered', () => {
  it('sends method, headers and body, and returns status, lower-cased headers (repeats as arrays) and the body', async () => {
    const response = await call('/echo');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({ got: '{"q":1}' });
    expect(response.headers['x-echo-method']).toBe('POST');
    expect(response.headers['x-echo-auth']).toBe('Bearer k');
    expect(response.headers['x-ratelimit-remaining-requests']).toBe('42');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('cuts an error body at MAX_ERROR_BODY_BYTES and closes the connection', async () => {
    const response = await call('/huge-error-1');
    expect(response.status).toBe(500);
    expect(response.body.length).toBe(MAX_ERROR_BODY_BYTES);
    expect(response.body.toString('utf8').startsWith('upstream exploded: ')).toBe(true);
    const upstream = await outcomes.get('/huge-error-1')!;
    expect(upstream.finished).toBe(false);
    expect(upstream.written).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses a 2xx body announced larger than the limit, without reading it', async () => {
    const error = await caught(call('/announced-huge'));
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE', status: 502, retryable: false });
    const upstream = await outcomes.get('/announced-huge')!;
    expect(upstream.finished).toBe(false);
    expect(upstream.written).toBeLessThan(MAX_RESPONSE_BODY_BYTES);
  });

  it('refuses a chunked 2xx body once it grows past the limit', async () => {
    const error = await caught(call('/chunked-huge'));
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE' });
    expect((await outcomes.get('/chunked-huge')!).finished).toBe(false);
  });

  it('a first byte that never comes is a first-byte timeout', async () => {
    const error = await caught(call('/never', { timeouts: { ...timeouts, firstByteMs: 200 } }));
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT', kind: 'timeout', retryable: true });
  });

  it('a body that goes silent is an idle timeout', async () => {
    const error = await caught(call('/stall-body', { timeouts: { ...timeouts, idleMs: 200 } }));
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_IDLE_TIMEOUT', kind: 'timeout' });
  });

  it('the total timeout cuts a body that keeps trickling within the idle timeout', async () => {
    const error = await caught(call('/trickle', { timeouts: { ...timeouts, totalMs: 300 } }));
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT', kind: 'timeout', status: 504 });
  });

  it('the total timeout also bounds the wait for headers when the first-byte timeout is longer', async () => {
    const error = await caught(call('/never', { timeouts: { ...timeouts, firstByteMs: 10_000, totalMs: 250 } }));
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT' });
  });

  it('the client going away mid-call is a client-closed error (499, not retried) and ends the upstream call', async () => {
    const controller = new AbortController();
    const pending = caught(call('/trickle', { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toMatchObject({ code: 'SWY_ERR_CLIENT_CLOSED', status: 499, retryable: false });
  });

  it('a signal aborted before the call sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await caught(call('/echo', { signal: controller.signal }))).toMatchObject({ code: 'SWY_ERR_CLIENT_CLOSED' });
  });

  it('a connection reset before the headers is a retryable unreachable error without the address', async () => {
    const resetter = createTcpServer((socket: Socket) => socket.once('data', () => socket.resetAndDestroy()));
    await new Promise<void>((r) => resetter.listen(0, '127.0.0.1', r));
    const port = (resetter.address() as { port: number }).port;
    try {
      const error = await caught(sendUpstreamBuffered({ url: `http://127.0.0.1:${port}/x`, headers: {}, body: '{}', timeouts, signal: new AbortController().signal, provider: 'house' }, pool));
      expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_UNREACHABLE', status: 502, retryable: true, provider: 'house' });
      expect((error as Error).message).not.toContain('127.0.0.1');
    } finally {
      resetter.close();
    }
  });

  it('a closed pool refuses with the shutting-down error', async () => {
    const closed = new UpstreamPool();
    await closed.close();
    const error = await caught(sendUpstreamBuffered({ url: `${base}/echo`, headers: {}, timeouts, signal: new AbortController().signal, provider: 'p' }, closed));
    expect(error).toMatchObject({ code: 'SWY_ERR_SHUTTING_DOWN' });
  });
});

describe('parseRawHeaders', () => {
  it('lower-cases names, keeps repeats in order, and has no prototype to pollute', () => {
    const headers = parseRawHeaders([Buffer.from('Content-Type'), Buffer.from('a/b'), Buffer.from('X-A'), Buffer.from('1'), Buffer.from('x-a'), Buffer.from('2'), Buffer.from('x-a'), Buffer.from('3'), Buffer.from('__proto__'), Buffer.from('p')]);
    expect(headers['content-type']).toBe('a/b');
    expect(headers['x-a']).toEqual(['1', '2', '3']);
    expect(headers.__proto__).toBe('p');
    expect(Object.getPrototypeOf(headers)).toBe(null);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  it('names seen before come back as the same lower-cased string, whatever their case, and never a wrong one', () => {
    const first = headerName(Buffer.from('X-Request-Id'));
    expect(first).toBe('x-request-id');
    // Cached: the same string again, from other bytes of the same name in another case.
    expect(headerName(Buffer.from('x-REQUEST-id'))).toBe(first);
    // Names that differ only where a case-folding hash could confuse them stay distinct.
    expect(headerName(Buffer.from('x-request-iD'))).toBe('x-request-id');
    expect(headerName(Buffer.from('x-request-i\x04'))).toBe('x-request-i\x04');
    expect(headerName(Buffer.from('X-Request-Ie'))).toBe('x-request-ie');
    // Latin-1 capitals are lower-cased as before (not cached: only ASCII case is folded by the cache).
    expect(headerName(Buffer.from([0x58, 0xc9]))).toBe('x\u00e9');
    expect(headerName(Buffer.from([0x58, 0xc9]))).toBe('x\u00e9');
    // Long names are decoded every time.
    const long = 'X-'.padEnd(100, 'A');
    expect(headerName(Buffer.from(long))).toBe(long.toLowerCase());
    expect(headerName('Already-A-String')).toBe('already-a-string');
  });

  it('stays correct once the name cache is full (a hostile upstream sending ever new names)', () => {
    for (let i = 0; i < 2_000; i++) expect(headerName(Buffer.from(`X-Junk-${i}`))).toBe(`x-junk-${i}`);
    expect(parseRawHeaders([Buffer.from('Content-Type'), Buffer.from('a/b'), Buffer.from('X-Fresh-Name'), Buffer.from('1')])).toEqual({ 'content-type': 'a/b', 'x-fresh-name': '1' });
  });
});
