/**
 * Each running gateway owns its upstream connection pool: two gateways in one process neither share
 * nor close each other's connections. Closing one does not wait for, cut or close the other's calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { postJson, startTestGateway } from '../helpers/start-test-gateway.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';

const SLOW_MS = 2500;

let mock: OpenAIMock;
let first: RunningGateway | undefined;
let second: RunningGateway | undefined;

function config() {
  return {
    providers: { openai: { type: 'openai', apiKey: 'sk-pools-test', baseUrl: mock.url } },
    timeouts: { connectMs: 1000, firstByteMs: 10_000, idleMs: 10_000, totalMs: 20_000 },
    models: [
      { id: 'gpt', provider: 'openai', upstreamModel: 'gpt-4.1-mock' },
      { id: 'slow-gpt', provider: 'openai', upstreamModel: 'slow-headers' },
    ],
  };
}

const ask = (model: string, text: string) => ({ model, messages: [{ role: 'user', content: text }] });

beforeAll(async () => {
  mock = await startOpenAIMock({ delayMs: SLOW_MS });
  [first, second] = await Promise.all([startTestGateway(config()), startTestGateway(config())]);
});

afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
  await mock?.close();
});

describe('two gateways in one process', () => {
  it('closing one leaves the other serving, its call in flight untouched and not waited for', async () => {
    // Both gateways have open keep-alive connections to the upstream.
    for (const gateway of [first!, second!]) {
      const warm = await postJson(`${gateway.url}/v1/chat/completions`, ask('gpt', 'warm'));
      expect(warm.status).toBe(200);
    }
    // The second gateway has a call in flight (the upstream holds its headers for SLOW_MS).
    const inFlight = postJson(`${second!.url}/v1/chat/completions`, ask('slow-gpt', 'in flight'));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const started = performance.now();
    await first!.close();
    // A shared pool would make this close wait for the other gateway's call (undici closes gracefully).
    expect(performance.now() - started).toBeLessThan(SLOW_MS - 1000);

    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(slow.json.choices[0].message.content).toBe('Echo: in flight');

    const after = await postJson(`${second!.url}/v1/chat/completions`, ask('gpt', 'still here'));
    expect(after.status).toBe(200);
    expect(after.json.choices[0].message.content).toBe('Echo: still here');

    await expect(postJson(`${first!.url}/v1/chat/completions`, ask('gpt', 'closed'))).rejects.toThrow();
  });
});
