import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * A client that stops reading a stream must stop the upstream too: the gateway decodes each upstream
 * chunk as it arrives (passthrough and translation alike), so without backpressure it would buffer an
 * upstream's firehose without bound. Here an OpenAI-speaking upstream writes content chunks as fast as
 * its socket takes them, forever; the client reads the first bytes and then nothing. The upstream must
 * be pushed back and stay far below what loopback carries, and the client's going away must close it.
 */

interface Pumped {
  written: number;
  pushedBack: boolean;
  closed: Promise<void>;
}

const EVENT = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'x'.repeat(1000) }, finish_reason: null }] })}\n\n`;
const ROLE = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`;

let upstream: Server;
let gateway: RunningGateway;
const pumps: Pumped[] = [];

/** Writes content events until the socket pushes back, then waits for 'drain'; never ends. */
function firehose(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(ROLE);
  const chunk = Buffer.from(EVENT.repeat(16));
  let markClosed!: () => void;
  const state: Pumped = { written: 0, pushedBack: false, closed: new Promise((resolve) => (markClosed = resolve)) };
  pumps.push(state);
  let closed = false;
  res.on('close', () => {
    closed = true;
    markClosed();
  });
  const pump = () => {
    while (!closed) {
      state.written += chunk.length;
      if (!res.write(chunk)) {
        state.pushedBack = true;
        return void res.once('drain', pump);
      }
    }
  };
  pump();
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => firehose(res));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}/v1`;
  gateway = await startTestGateway({
    providers: { up: { type: 'openai', apiKey: 'sk-test-upstream-key', baseUrl: url } },
    models: [{ id: 'firehose', provider: 'up', upstreamModel: 'gpt-4o', pricing: { inputPerMTok: 1, outputPerMTok: 1 } }],
  });
}, 30_000);

afterAll(async () => {
  await gateway?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

/** Sends a streaming request on a raw socket, reads until some content arrived, then stops reading. */
async function stalledClient(path: string, body: unknown): Promise<Socket> {
  const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const payload = JSON.stringify(body);
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TEST_KEY}\r\nx-api-key: ${TEST_KEY}\r\nanthropic-version: 2023-06-01\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
  );
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('xxxxxxxxxx')) {
        socket.off('data', onData);
        socket.pause(); // the client stops reading
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  expect(seen.startsWith('HTTP/1.1 200')).toBe(true);
  return socket;
}

describe('a client that stops reading a stream', () => {
  for (const [mode, path, body] of [
    ['passthrough (OpenAI client)', '/v1/chat/completions', { model: 'firehose', stream: true, messages: [{ role: 'user', content: 'go' }] }],
    ['translation (Anthropic client)', '/v1/messages', { model: 'firehose', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'go' }] }],
  ] as const) {
    it(`pushes back on the upstream and closes it when the client leaves: ${mode}`, async () => {
      const socket = await stalledClient(path, body);
      const pumped = pumps.at(-1)!;
      // Wait until the upstream has been pushed back, then give it time it could have used to run away.
      for (let i = 0; i < 200 && !pumped.pushedBack; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(pumped.pushedBack).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const afterPause = pumped.written;
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Paused: what sits in the kernel's socket buffers and the gateway's bounded queues, not the
      // gigabytes loopback carries in a second; and no longer growing.
      expect(pumped.written).toBeLessThan(48 * 1024 * 1024);
      expect(pumped.written - afterPause).toBeLessThan(4 * 1024 * 1024);
      socket.destroy();
      await pumped.closed; // the client went away: the upstream call is aborted
    });
  }
});
