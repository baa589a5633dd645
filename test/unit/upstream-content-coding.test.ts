import { createServer, type Server, type ServerResponse } from 'node:http';
import { brotliCompressSync, constants, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentCodingOf, createContentDecoder } from '../../src/providers/shared/content-coding.js';
import { sendUpstreamBuffered } from '../../src/providers/shared/upstream-buffered.js';
import { mapBodyReadError, MAX_RESPONSE_BODY_BYTES, UpstreamPool, type UpstreamRequest } from '../../src/providers/shared/upstream-http.js';
import { sendUpstreamStreamed, type StreamedUpstreamResponse } from '../../src/providers/shared/upstream-streamed.js';
import { GatewayError } from '../../src/spec/errors.js';
import { closeServer, LOCAL_UPSTREAM_TIMEOUTS, listenLocal } from '../helpers/local-http.js';

/**
 * Upstream answers in a content coding (gzip, deflate, br) reach the gateway's readers decoded, both
 * read whole and streamed; a body that only claims a coding is read as it is; an unknown coding or a
 * body that does not decode is a typed 502; decoding is bounded by the readers' own limits.
 */

const JSON_BODY = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'héllo ✓' } }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
const EVENTS = ['data: {"n":0}\n\n', 'data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: [DONE]\n\n'];

let server: Server;
let base: string;
const pool = new UpstreamPool();
/** Per path: resolves when the streamed answer's first event was written, with a function that sends the rest. */
const held = new Map<string, { release(): void }>();
const seenAcceptEncoding: string[] = [];

function send(res: ServerResponse, status: number, encoding: string, body: Buffer, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-encoding': encoding, 'content-length': String(body.length) });
  res.end(body);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    seenAcceptEncoding.push(String(req.headers['accept-encoding']));
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url === '/gzip') return send(res, 200, 'gzip', gzipSync(JSON_BODY));
      if (url === '/x-gzip') return send(res, 200, 'x-gzip', gzipSync(JSON_BODY));
      if (url === '/deflate') return send(res, 200, 'deflate', deflateSync(JSON_BODY));
      if (url === '/br') return send(res, 200, 'br', brotliCompressSync(JSON_BODY));
      if (url === '/identity-listed') return send(res, 200, 'identity', Buffer.from(JSON_BODY));
      if (url === '/claims-gzip') return send(res, 200, 'gzip', Buffer.from(JSON_BODY)); // a replay that kept the header
      if (url === '/zstd') return send(res, 200, 'zstd', Buffer.from('(zstd bytes)'));
      if (url === '/stacked') return send(res, 200, 'gzip, br', Buffer.from('x'));
      if (url === '/corrupt') return send(res, 200, 'gzip', Buffer.concat([gzipSync(JSON_BODY).subarray(0, 10), Buffer.alloc(64, 0xff)]));
      if (url === '/error-gzip') return send(res, 429, 'gzip', gzipSync(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error' } })));
      if (url === '/bomb') return send(res, 200, 'gzip', gzipSync(Buffer.alloc(MAX_RESPONSE_BODY_BYTES + 1024 * 1024, 0x20), { level: 9 }));
      if (url.startsWith('/stream-gzip')) {
        // One gzip member flushed per event, the way a compressing proxy sends SSE: each event is decodable on arrival.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        const gzip = createGzip();
        gzip.pipe(res);
        gzip.write(EVENTS[0]);
        gzip.flush(constants.Z_SYNC_FLUSH);
        held.set(url, {
          release() {
            for (const event of EVENTS.slice(1)) gzip.write(event);
            gzip.end();
          },
        });
        return;
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

function request(path: string): UpstreamRequest {
  return { url: `${base}${path}`, method: 'GET', headers: { 'accept-encoding': 'identity' }, timeouts, signal: new AbortController().signal, provider: 'p' };
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('content-encoding values', () => {
  it('names the coding to undo, none for identity, and unsupported for unknown or stacked codings', () => {
    expect(contentCodingOf(undefined)).toBeUndefined();
    expect(contentCodingOf('identity')).toBeUndefined();
    expect(contentCodingOf(' ')).toBeUndefined();
    expect(contentCodingOf('GZIP')).toBe('gzip');
    expect(contentCodingOf('x-gzip')).toBe('gzip');
    expect(contentCodingOf('identity, br')).toBe('br');
    expect(contentCodingOf(['deflate'])).toBe('deflate');
    expect(contentCodingOf('zstd')).toBe('unsupported');
    expect(contentCodingOf('gzip, br')).toBe('unsupported');
  });

  it('reads a body as it is when its first bytes are not in the claimed coding (gzip and deflate have signatures)', () => {
    expect(createContentDecoder('gzip', Buffer.from('{"a":1}'))).toBeUndefined();
    expect(createContentDecoder('deflate', Buffer.from('data: x\n\n'))).toBeUndefined();
    expect(createContentDecoder('gzip', gzipSync('x'))).toBeDefined();
    expect(createContentDecoder('deflate', deflateSync('x'))).toBeDefined();
    expect(createContentDecoder('br', Buffer.from('{'))).toBeDefined();
  });
});

describe('coded answers read whole', () => {
  for (const path of ['/gzip', '/x-gzip', '/deflate', '/br', '/identity-listed', '/claims-gzip']) {
    it(`${path}: the decoded body, without content-encoding or the coded content-length`, async () => {
      const response = await sendUpstreamBuffered(request(path), pool);
      expect(response.status).toBe(200);
      expect(response.body.toString('utf8')).toBe(JSON_BODY);
      expect(response.headers['content-encoding']).toBeUndefined();
      if (path !== '/identity-listed' && path !== '/claims-gzip') expect(response.headers['content-length']).toBeUndefined();
    });
  }

  it('an error status with a coded body is decoded too (its message explains the error)', async () => {
    const response = await sendUpstreamBuffered(request('/error-gzip'), pool);
    expect(response.status).toBe(429);
    expect(JSON.parse(response.body.toString('utf8')).error.message).toBe('slow down');
  });

  it('an unknown or stacked coding is a typed 502 naming the coding', async () => {
    for (const path of ['/zstd', '/stacked']) {
      const error = await failure(sendUpstreamBuffered(request(path), pool));
      expect(error.code).toBe('SWY_ERR_UPSTREAM_BAD_RESPONSE');
      expect(error.status).toBe(502);
      expect(error.message).toMatch(/content-encoding: (zstd|gzip, br)/);
    }
  });

  it('a body that does not decode is a typed, retryable 502', async () => {
    const error = await failure(sendUpstreamBuffered(request('/corrupt'), pool));
    expect(error.code).toBe('SWY_ERR_UPSTREAM_BAD_RESPONSE');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/content-encoding: gzip that does not decode/);
  });

  it('a small body that expands past the read limit fails as too large instead of filling memory', async () => {
    const error = await failure(sendUpstreamBuffered(request('/bomb'), pool));
    expect(error.code).toBe('SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE');
  });

  it('the request asked for identity', () => {
    expect(seenAcceptEncoding.length).toBeGreaterThan(0);
    expect(new Set(seenAcceptEncoding)).toEqual(new Set(['identity']));
  });
});

describe('coded streams', () => {
  it('each event is decoded as it arrives, before the upstream finishes, and the stream ends', async () => {
    const response: StreamedUpstreamResponse = await sendUpstreamStreamed(request('/stream-gzip-1'), pool);
    if (!response.ok) throw new Error(`expected a 2xx, got ${response.status}`);
    expect(response.headers['content-encoding']).toBeUndefined();
    const chunks = response.chunks;
    const first = await chunks.next();
    expect(Buffer.from(first.value!).toString('utf8')).toBe(EVENTS[0]);
    held.get('/stream-gzip-1')!.release();
    let rest = '';
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      rest += Buffer.from(next.value).toString('utf8');
    }
    expect(rest).toBe(EVENTS.slice(1).join(''));
  });

  it('a consumer that stops reading abandons the call and its decoder', async () => {
    const response = await sendUpstreamStreamed(request('/stream-gzip-2'), pool);
    if (!response.ok) throw new Error('expected a 2xx');
    await response.chunks.next();
    await response.chunks.return!();
    held.get('/stream-gzip-2')!.release(); // writing to a closed connection must not reach the abandoned reader
    const after = await response.chunks.next();
    expect(after.done).toBe(true);
  });

  it('a corrupt coded stream fails the read with the typed error', async () => {
    const response = await sendUpstreamStreamed(request('/corrupt'), pool);
    if (!response.ok) throw new Error('expected a 2xx');
    const signal = new AbortController().signal;
    let caught: unknown;
    try {
      for await (const _ of response.chunks) void _;
    } catch (error) {
      caught = error;
    }
    expect(mapBodyReadError(caught, 'p', signal).code).toBe('SWY_ERR_UPSTREAM_BAD_RESPONSE');
  });
});
