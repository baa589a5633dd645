import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import { closeUpstreamAgents, defaultUpstreamPool, UpstreamPool } from '../../src/providers/shared/upstream-http.js';
import { sendUpstreamBuffered } from '../../src/providers/shared/upstream-buffered.js';
import { GatewayError } from '../../src/spec/errors.js';
import { testCallContext } from '../conformance/call-context.js';

/**
 * Connection pools belong to whoever created them (startGateway creates one per gateway): closing
 * one pool neither closes nor waits for another's connections, and a closed pool refuses calls.
 */

const timeouts = { connectMs: 1000, firstByteMs: 5000, idleMs: 5000, totalMs: 10_000 };

let server: Server;
let base: string;
/** Connections the server accepted so far. */
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const delay = req.url === '/slow' ? 800 : 0;
    setTimeout(() => {
      if (req.url === '/v1/chat/completions') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }, delay);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await closeUpstreamAgents();
});

async function get(pool: UpstreamPool, path = '/'): Promise<string> {
  const response = await sendUpstreamBuffered({ url: `${base}${path}`, method: 'GET', headers: {}, timeouts, signal: new AbortController().signal, provider: 'p' }, pool);
  return response.body.toString('utf8');
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('UpstreamPool', () => {
  it('closing one pool leaves another one serving on its own, still open connection', async () => {
    const first = new UpstreamPool();
    const second = new UpstreamPool();
    expect(await get(first)).toBe('ok');
    expect(await get(second)).toBe('ok');
    const agent = second.agent(timeouts.connectMs);
    const before = connections;
    await first.close();
    expect(await get(second)).toBe('ok');
    expect(second.agent(timeouts.connectMs)).toBe(agent);
    // Served over the keep-alive connection it already had: nothing was closed under it.
    expect(connections).toBe(before);
    await second.close();
  });

  it('closing one pool does not wait for another pool’s call in flight', async () => {
    const first = new UpstreamPool();
    const second = new UpstreamPool();
    expect(await get(first)).toBe('ok');
    const slow = get(second, '/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await first.close();
    expect(performance.now() - started).toBeLessThan(400);
    expect(await slow).toBe('ok');
    await second.close();
  });

  it('a closed pool refuses calls with a retryable shutting-down error; closing twice is fine', async () => {
    const pool = new UpstreamPool();
    expect(await get(pool)).toBe('ok');
    await pool.close();
    await pool.close();
    expect(pool.isClosed).toBe(true);
    const before = connections;
    const error = await rejection(get(pool));
    expect(error).toMatchObject({ code: 'SWY_ERR_SHUTTING_DOWN', status: 503, retryable: true, origin: 'gateway', provider: 'p' });
    expect(connections).toBe(before);
  });

  it('the default pool stays usable after its connections are closed (test teardown)', async () => {
    expect(await get(defaultUpstreamPool)).toBe('ok');
    await closeUpstreamAgents();
    expect(defaultUpstreamPool.size).toBe(0);
    expect(await get(defaultUpstreamPool)).toBe('ok');
  });

  it('an adapter built with a pool sends through it, and fails once its pool is closed', async () => {
    const pool = new UpstreamPool();
    const adapter = createOpenAIProvider('openai', { type: 'openai', apiKey: 'sk-pool-test', baseUrl: `${base}/v1` }, { pool });
    const ask = { model: 'm', messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }], stream: false };
    const result = await adapter.chat(ask, testCallContext('m', { model: { reasoning: false } }));
    expect(result.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(pool.size).toBe(1);
    await pool.close();
    const error = await rejection(adapter.chat(ask, testCallContext('m', { model: { reasoning: false } })));
    expect(error).toMatchObject({ code: 'SWY_ERR_SHUTTING_DOWN', provider: 'openai' });
  });
});
