import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jsonNestingDepth } from '../../src/server/parse-json-body.js';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';
import { postJson, SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/** `{"a":{"a":…1…}}` nested `levels` deep (0 levels = the bare number). */
function nested(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** A valid chat body whose unknown field `x` holds `levels` nested objects: its depth is max(3, levels + 1) (`messages` is 3 deep). */
function openaiBody(model: string, levels: number): string {
  return `{"model":${JSON.stringify(model)},"messages":[{"role":"user","content":"deep"}],"x":${nested(levels)}}`;
}

function anthropicBody(model: string, levels: number): string {
  return `{"model":${JSON.stringify(model)},"max_tokens":64,"messages":[{"role":"user","content":"deep"}],"x":${nested(levels)}}`;
}

const depthOf = (text: string): number => jsonNestingDepth(Buffer.from(text), Number.MAX_SAFE_INTEGER);

describe('jsonNestingDepth', () => {
  it('counts objects and arrays, not brackets inside strings or escaped quotes', () => {
    expect(depthOf('{"a":"[[[[\\"{{{{"}')).toBe(1);
    expect(depthOf('{"a":"\\\\"}')).toBe(1);
    // An escaped backslash before the closing quote ends the string: the `[` after it counts.
    expect(depthOf('{"a":"\\\\","b":[[1]]}')).toBe(3);
    expect(depthOf('{"a":"\\"[","b":[1]}')).toBe(2);
    expect(depthOf('[]')).toBe(1);
    expect(depthOf('1')).toBe(0);
    expect(depthOf(nested(6000))).toBe(6000);
    expect(depthOf('[{"a":[{}]},{"b":{}}]')).toBe(4);
  });

  it('stops once the limit is passed', () => {
    expect(jsonNestingDepth(Buffer.from(nested(6000)), 20)).toBe(21);
  });
});

describe('JSON nesting limit', () => {
  let gateway: RunningGateway;
  let small: RunningGateway;
  let mock: OpenAIMock;

  beforeAll(async () => {
    mock = await startOpenAIMock();
    const document = {
      ...SIMULATED_ONLY,
      providers: { ...SIMULATED_ONLY.providers, openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: mock.url } },
      models: [...SIMULATED_ONLY.models, { id: 'gpt', provider: 'openai', upstreamModel: 'gpt-4.1-mock' }],
    };
    [gateway, small] = await Promise.all([startTestGateway(document), startTestGateway({ ...document, server: { maxJsonDepth: 20 } })]);
  });

  afterAll(async () => {
    await Promise.all([gateway?.close(), small?.close()]);
    await mock?.close();
  });

  it('answers a 6,000-deep body on /v1/chat/completions with an OpenAI-shaped 400', async () => {
    const body = openaiBody('sim-large', 6000);
    expect(body.length).toBeGreaterThan(30_000);
    const res = await postJson(`${gateway.url}/v1/chat/completions`, body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { message: expect.stringContaining('128 levels'), type: 'invalid_request_error', param: null, code: 'SWY_ERR_BODY_TOO_DEEP' },
    });
    expect(res.headers.get('x-switchyard-error-code')).toBe('SWY_ERR_BODY_TOO_DEEP');
  });

  it('answers a 6,000-deep body on /v1/messages with an Anthropic-shaped 400', async () => {
    const res = await postJson(`${gateway.url}/v1/messages`, anthropicBody('sim-large', 6000), { 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('128 levels') } });
  });

  it('a deep array is refused the same way as deep objects', async () => {
    const body = `{"model":"sim-large","messages":[{"role":"user","content":"deep"}],"x":${'['.repeat(6000)}${']'.repeat(6000)}}`;
    const res = await postJson(`${gateway.url}/v1/chat/completions`, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('SWY_ERR_BODY_TOO_DEEP');
  });

  it('a body exactly at the configured depth passes; one level more is refused', async () => {
    const atLimit = openaiBody('sim-large', 19);
    const over = openaiBody('sim-large', 20);
    expect(depthOf(atLimit)).toBe(20);
    expect(depthOf(over)).toBe(21);

    const ok = await postJson(`${small.url}/v1/chat/completions`, atLimit);
    expect(ok.status).toBe(200);
    expect(ok.json.object).toBe('chat.completion');
    expect(typeof ok.json.choices[0].message.content).toBe('string');

    const refused = await postJson(`${small.url}/v1/chat/completions`, over);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ type: 'invalid_request_error', code: 'SWY_ERR_BODY_TOO_DEEP', message: expect.stringContaining('20 levels') });

    const okAnthropic = await postJson(`${small.url}/v1/messages`, anthropicBody('sim-large', 19), { 'anthropic-version': '2023-06-01' });
    expect(okAnthropic.status).toBe(200);
    expect(okAnthropic.json.type).toBe('message');
    const refusedAnthropic = await postJson(`${small.url}/v1/messages`, anthropicBody('sim-large', 20), { 'anthropic-version': '2023-06-01' });
    expect(refusedAnthropic.status).toBe(400);
    expect(refusedAnthropic.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('brackets inside strings do not count towards the limit', async () => {
    const body = JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: `${'[{'.repeat(200)} "quoted" \\ ${'}]'.repeat(200)}` }] });
    const res = await postJson(`${small.url}/v1/chat/completions`, body);
    expect(res.status).toBe(200);
  });

  it('a passthrough model gets the 400 without any upstream request', async () => {
    // The same model takes normal bodies through to the mock, so the deep one is stopped by the gateway, not by routing.
    const before = mock.requests.length;
    const fine = await postJson(`${gateway.url}/v1/chat/completions`, openaiBody('gpt', 10));
    expect(fine.status).toBe(200);
    expect(mock.requests.length).toBe(before + 1);
    expect((mock.requests[mock.requests.length - 1].body as { x: unknown }).x).toEqual(JSON.parse(nested(10)));

    const deep = await postJson(`${gateway.url}/v1/chat/completions`, openaiBody('gpt', 6000));
    expect(deep.status).toBe(400);
    expect(deep.json.error).toMatchObject({ type: 'invalid_request_error', code: 'SWY_ERR_BODY_TOO_DEEP' });
    const streamed = await postJson(`${gateway.url}/v1/chat/completions`, openaiBody('gpt', 6000).replace('"model":', '"stream":true,"model":'));
    expect(streamed.status).toBe(400);
    expect(mock.requests.length).toBe(before + 1);
  });
});

const sockets = new Set<Socket>();

/** A raw socket that records whether (and with what) the server closed it. */
function openSocket(url: string): Promise<{ socket: Socket; closed: Promise<string>; received: () => string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    sockets.add(socket);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    // Writes after the server closed fail with EPIPE/ECONNRESET: that is a close too.
    socket.on('error', () => {});
    const closed = new Promise<string>((done) => socket.on('close', () => done(received)));
    socket.once('connect', () => resolve({ socket, closed, received: () => received }));
    socket.once('error', reject);
  });
}

/** Resolves with the received bytes when the socket closes, or 'still open' after `ms`. */
function closedWithin(closed: Promise<string>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still open'), ms);
  });
  return Promise.race([closed, open]).finally(() => clearTimeout(timer));
}

/** Writes one byte every `everyMs` until the socket closes. */
function trickle(socket: Socket, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write('a');
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return () => clearInterval(timer);
}

// Generous: the deadlines are 300/500 ms, checked every ~75 ms; anything under this bound passes.
const CLOSE_BOUND_MS = 10_000;

describe('client deadlines (headers, whole request)', () => {
  let gateway: RunningGateway;
  let defaults: RunningGateway;

  beforeAll(async () => {
    [gateway, defaults] = await Promise.all([
      startTestGateway({ ...SIMULATED_ONLY, server: { requestTimeoutMs: 500, headersTimeoutMs: 300 } }),
      startTestGateway(SIMULATED_ONLY),
    ]);
  });

  afterEach(() => {
    // A failing test must not leave a socket holding the gateway open.
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });

  afterAll(async () => {
    await Promise.all([gateway?.close(), defaults?.close()]);
  });

  const head = (key: string, length: number) =>
    `POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

  it('closes a socket that trickles its body (a 408 or a plain close)', async () => {
    const { socket, closed } = await openSocket(gateway.url);
    socket.write(head(TEST_KEY, 1000));
    trickle(socket, 100);
    const received = await closedWithin(closed, CLOSE_BOUND_MS);
    expect(received).not.toBe('still open');
    // Whatever was answered (if anything), it was not a success: the body never completed.
    if (received !== '') expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a socket that sends part of its headers and stops', async () => {
    const { socket, closed } = await openSocket(gateway.url);
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bear');
    const received = await closedWithin(closed, CLOSE_BOUND_MS);
    expect(received).not.toBe('still open');
    if (received !== '') expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a socket with a wrong key that trickles its body (not held after the 401)', async () => {
    const { socket, closed } = await openSocket(gateway.url);
    socket.write(head('sk-swy-wrong-key-000000000000000000', 1000));
    trickle(socket, 100);
    const received = await closedWithin(closed, CLOSE_BOUND_MS);
    expect(received).not.toBe('still open');
    // The key is checked on the headers, so the 401 comes first; the socket is then cut by the request deadline.
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    expect(received).toContain('"code":"invalid_api_key"');
  });

  it('without the small deadlines, the same trickling socket is still open after the bound used above would have cut it', async () => {
    // The control: it shows the closes above come from the configured deadlines, not from the test
    // client. The default deadlines (15 s headers, 60 s request) are far beyond this wait.
    const { socket, closed } = await openSocket(defaults.url);
    socket.write(head(TEST_KEY, 1000));
    const stop = trickle(socket, 100);
    const received = await closedWithin(closed, 1_500);
    stop();
    socket.destroy();
    expect(received).toBe('still open');
  });

  it('a normal request still works with the small deadlines', async () => {
    const first = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'sim-large', messages: [{ role: 'user', content: 'hello' }] });
    expect(first.status).toBe(200);
    expect(first.json.choices[0].message.content.length).toBeGreaterThan(0);
    const streamed = await postJson(`${gateway.url}/v1/messages`, { model: 'sim-large', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hello' }] }, { 'anthropic-version': '2023-06-01' });
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('event: message_stop');
  });

  it('a keep-alive connection idle for longer than the request deadline still serves its next request', async () => {
    const body = JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hello' }] });
    const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TEST_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const { socket, closed, received } = await openSocket(gateway.url);
    const statuses = () => received().match(/HTTP\/1\.1 \d{3}/g) ?? [];
    const waitFor = async (count: number) => {
      for (let waited = 0; statuses().length < count && waited < CLOSE_BOUND_MS; waited += 20) await new Promise((r) => setTimeout(r, 20));
    };
    socket.write(request);
    await waitFor(1);
    // Idle between requests: the header and request deadlines (300/500 ms) must not apply to an idle keep-alive socket.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await closedWithin(closed, 0)).toBe('still open');
    socket.write(request);
    await waitFor(2);
    expect(statuses()).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    socket.destroy();
  });
});

describe('requests that are not valid HTTP', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(SIMULATED_ONLY);
  });

  afterEach(() => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  /** Sends raw bytes; the whole answer once the gateway closes the connection. */
  async function raw(bytes: string): Promise<{ status: number; headers: string; body: any }> {
    const { socket, closed } = await openSocket(gateway.url);
    socket.write(bytes);
    const answer = await closedWithin(closed, CLOSE_BOUND_MS);
    const [head, body] = answer.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
  }

  it('bad framing gets a 400 in the dialect its path names, and the connection is closed', async () => {
    const openai = await raw('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}');
    expect(openai.status).toBe(400);
    expect(openai.headers).toContain('connection: close');
    expect(openai.body.error).toMatchObject({ type: 'invalid_request_error', code: 'SWY_ERR_BAD_HTTP' });
    expect(openai.body.error.message).toContain('HPE_INVALID_CONTENT_LENGTH');

    const anthropic = await raw('POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}');
    expect(anthropic.status).toBe(400);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });

    const garbage = await raw('BLAH\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.code).toBe('SWY_ERR_BAD_HTTP');
  });

  it('headers larger than the server reads are a 431 in the same shape', async () => {
    const big = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(big.status).toBe(431);
    expect(big.body.error.code).toBe('SWY_ERR_HEADERS_TOO_LARGE');
  });
});
