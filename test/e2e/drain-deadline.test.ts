import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * Shutdown with a drain deadline (server.drainTimeoutMs). The simulated model streams at 20 tokens/s
 * and its answers here are ~150 tokens (~7 s), so a stream that has shown its first content is still
 * running when a 300 ms drain deadline passes, however slow the machine.
 */
const SLOW_SIMULATED = { ...SIMULATED_ONLY, providers: { simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 20 } } };
const PROMPT = 'Write a long, detailed essay about rivers, please.';

const gateways: RunningGateway[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
});

async function start(server: Record<string, unknown>, sqlitePath = ':memory:'): Promise<RunningGateway> {
  const gateway = await startTestGateway({ ...SLOW_SIMULATED, server }, { sqlitePath });
  gateways.push(gateway);
  return gateway;
}

const openaiRequest = (extra: Record<string, unknown> = {}) => ({
  model: 'sim-large',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: PROMPT }],
  ...extra,
});
const anthropicRequest = (extra: Record<string, unknown> = {}) => ({ model: 'sim-large', max_tokens: 4000, stream: true, messages: [{ role: 'user', content: PROMPT }], ...extra });

/** A streaming response read incrementally: `until` waits for some text, `rest` reads to the end. */
async function openStream(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    requestId: response.headers.get('x-switchyard-request-id')!,
    async until(pattern: RegExp): Promise<string> {
      while (!pattern.test(text)) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text.slice(-300)}`);
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
    async rest(): Promise<string> {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

const OPENAI_CONTENT = /"delta":\{[^}]*"content":"[^"]+/;
const ANTHROPIC_CONTENT = /"type":"text_delta","text":"[^"]+/;

/** The SSE events of a body, as [event name | undefined, data] pairs. */
function sseEvents(body: string): Array<{ event?: string; data: string }> {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { event, data };
    });
}

/** A raw keep-alive HTTP/1.1 connection; `received()` is everything the server sent so far. */
async function rawConnection(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  sockets.push(socket);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed };
}

function rawRequest(path: string, body: unknown, headers: Record<string, string> = {}): string {
  const json = JSON.stringify(body);
  const lines = [`POST ${path} HTTP/1.1`, 'Host: localhost', `Authorization: Bearer ${TEST_KEY}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(json)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${json}`;
}

async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The first response after `offset` in raw HTTP/1.1 bytes with a content-length body: status, headers, parsed body. */
function responseAfter(raw: string, offset: number): { status: number; headers: Record<string, string>; body: unknown } {
  const start = raw.indexOf('HTTP/1.1 ', offset);
  expect(start).toBeGreaterThanOrEqual(0);
  const headEnd = raw.indexOf('\r\n\r\n', start);
  const [statusLine, ...headerLines] = raw.slice(start, headEnd).split('\r\n');
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const length = Number(headers['content-length']);
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(raw.slice(headEnd + 4, headEnd + 4 + length)) };
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('drain deadline', () => {
  it("ends streams still open at the deadline with the dialect's error event, meters them and flushes the ledger", async () => {
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'swy-drain-')), 'ledger.db');
    const gateway = await start({ drainTimeoutMs: 300 }, sqlitePath);
    const [openai, anthropic] = await Promise.all([
      openStream(`${gateway.url}/v1/chat/completions`, openaiRequest()),
      openStream(`${gateway.url}/v1/messages`, anthropicRequest(), { 'anthropic-version': '2023-06-01' }),
    ]);
    // Both streams have delivered content: they are committed and being metered.
    await Promise.all([openai.until(OPENAI_CONTENT), anthropic.until(ANTHROPIC_CONTENT)]);

    const closing = gateway.close();
    const [openaiBody, anthropicBody] = await Promise.all([openai.rest(), anthropic.rest()]);
    await closing;

    // OpenAI: the last event is `data: {"error":…}` about the shutdown; no [DONE], no finish_reason, no usage chunk.
    const openaiEvents = sseEvents(openaiBody);
    const lastOpenAI = JSON.parse(openaiEvents[openaiEvents.length - 1].data) as { error: { message: string; type: string; code: string } };
    expect(lastOpenAI.error).toMatchObject({ type: 'server_error', code: 'SWY_ERR_SHUTTING_DOWN', message: expect.stringMatching(/shutting down/) });
    expect(openaiBody).not.toContain('[DONE]');
    expect(openaiBody).not.toMatch(/"finish_reason":"(stop|length)"/);
    expect(openaiEvents.filter((e) => e.data.includes('"error"'))).toHaveLength(1);

    // Anthropic: `event: error` (overloaded_error: the encoder's mapping of the 503 shutdown) and nothing after it.
    const anthropicEvents = sseEvents(anthropicBody);
    const lastAnthropic = anthropicEvents[anthropicEvents.length - 1];
    expect(lastAnthropic.event).toBe('error');
    expect(JSON.parse(lastAnthropic.data)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/shutting down/) } });
    expect(anthropicEvents.map((e) => e.event)).not.toContain('message_stop');
    expect(anthropicEvents.map((e) => e.event)).toContain('content_block_delta');

    // close() flushed the ledger: one row per stream, cut by the shutdown, billed for what was delivered.
    const db = new Database(sqlitePath, { readonly: true });
    const rows = db
      .prepare('select request_id, dialect, stream, output_tokens, input_tokens, error_code, usage_source from usage_ledger where request_id in (?, ?) order by dialect')
      .all(openai.requestId, anthropic.requestId) as Array<Record<string, unknown>>;
    db.close();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ stream: 1, error_code: 'SWY_ERR_SHUTTING_DOWN', usage_source: 'estimated' });
      expect(row.output_tokens).toBeGreaterThan(0);
      expect(row.input_tokens).toBeGreaterThan(0);
    }
    expect(rows.map((r) => r.dialect)).toEqual(['anthropic-messages', 'openai-chat']);
  });

  it("answers a request that arrives on an open keep-alive connection during the drain with a 503 in the caller's dialect", async () => {
    // Node closes idle keep-alive connections at close(), so a request can only arrive during the drain
    // on a connection that was busy then: here, each connection carries a long stream and the second
    // request is sent behind it (HTTP/1.1 pipelining) after close() was called.
    const gateway = await start({ drainTimeoutMs: 300 });
    const openaiConn = await rawConnection(gateway.url);
    const anthropicConn = await rawConnection(gateway.url);
    openaiConn.socket.write(rawRequest('/v1/chat/completions', openaiRequest()));
    anthropicConn.socket.write(rawRequest('/v1/messages', anthropicRequest(), { 'anthropic-version': '2023-06-01' }));
    await waitFor(() => OPENAI_CONTENT.test(openaiConn.received()) && ANTHROPIC_CONTENT.test(anthropicConn.received()), 'both streams to show content');

    const closing = gateway.close();
    const openaiOffset = openaiConn.received().length;
    const anthropicOffset = anthropicConn.received().length;
    openaiConn.socket.write(rawRequest('/v1/chat/completions', { model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }));
    anthropicConn.socket.write(rawRequest('/v1/messages', { model: 'sim-large', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' }));
    await Promise.all([openaiConn.closed, anthropicConn.closed]);
    await closing;

    // Each stream was cut at the deadline, then the queued second response followed on the same connection.
    const openaiRaw = openaiConn.received();
    expect(openaiRaw.slice(openaiOffset)).toContain('SWY_ERR_SHUTTING_DOWN');
    const refusedOpenAI = responseAfter(openaiRaw, openaiOffset);
    expect(refusedOpenAI.status).toBe(503);
    expect(refusedOpenAI.headers['content-type']).toMatch(/^application\/json/);
    expect(refusedOpenAI.headers['connection']).toBe('close');
    expect(refusedOpenAI.headers['retry-after']).toBe('1');
    expect(refusedOpenAI.body).toEqual({ error: { message: expect.stringMatching(/shutting down/), type: 'server_error', param: null, code: 'SWY_ERR_SHUTTING_DOWN' } });

    // Anthropic's overloaded status is 529 (the dialect's encoder maps the gateway's 503 "overloaded" to it).
    const anthropicRaw = anthropicConn.received();
    expect(anthropicRaw.slice(anthropicOffset)).toContain('event: error');
    const refusedAnthropic = responseAfter(anthropicRaw, anthropicOffset);
    expect(refusedAnthropic.status).toBe(529);
    expect(refusedAnthropic.headers['connection']).toBe('close');
    expect(refusedAnthropic.body).toEqual({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/shutting down/) } });
  });

  it('finishes as soon as open requests end, without waiting for the deadline, even when their keep-alive connections stay open', async () => {
    // A 20-token answer at 20 tokens/s (~1 s) against a 60 s deadline: close() must not wait for the deadline
    // because the client keeps its connection alive after the stream ended.
    const gateway = await start({ drainTimeoutMs: 60_000 });
    const conn = await rawConnection(gateway.url);
    conn.socket.write(rawRequest('/v1/chat/completions', openaiRequest({ max_tokens: 20 })));
    await waitFor(() => OPENAI_CONTENT.test(conn.received()), 'the stream to show content');

    const closing = gateway.close();
    const closedInTime = await settlesWithin(closing, 20_000);
    expect(closedInTime).toBe(true);
    // The stream was not cut: it finished normally during the drain.
    expect(conn.received()).toContain('data: [DONE]');
    expect(conn.received()).not.toContain('SWY_ERR_SHUTTING_DOWN');
    await conn.closed;
  }, 40_000);
});
