import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { GatewayError } from '../../src/spec/errors.js';
import type { ChatRequest, ChatStreamPart } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';

function ask(text = 'What is a message queue?'): ChatRequest {
  return { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text }] }] };
}

function track<T>(promise: Promise<T>): { settled: () => boolean; outcome: Promise<T | unknown> } {
  let done = false;
  const outcome = promise.then(
    (value) => {
      done = true;
      return value;
    },
    (error: unknown) => {
      done = true;
      return error;
    },
  );
  return { settled: () => done, outcome };
}

function expectClientClosed(error: unknown): void {
  expect(GatewayError.is(error)).toBe(true);
  expect(error).toMatchObject({ code: 'SWY_ERR_CLIENT_CLOSED', kind: 'invalid_request', status: 499, retryable: false });
}

// Fake timers: these tests check the schedule (what is pending at which simulated time), never wall-clock durations.
describe('simulated latency, pacing and abort', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('chat() answers after latencyMs plus the generation time at tokensPerSecond', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 400, tokensPerSecond: 50 });
    const reference = await createSimulatedProvider('ref', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 }).chat(ask(), testCallContext('sim-small'));
    const total = 400 + (reference.usage.outputTokens * 1000) / 50;
    const call = track(provider.chat(ask(), testCallContext('sim-small')));
    await vi.advanceTimersByTimeAsync(total - 1);
    expect(call.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(call.settled()).toBe(true);
    expect(await call.outcome).toEqual(reference);
  });

  it('keeps the call deadlines like an HTTP upstream: a latency past firstByteMs is the first-byte timeout at firstByteMs', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });
    const timeouts = { firstByteMs: 1_000, totalMs: 5_000 };
    for (const streamed of [false, true]) {
      const request = { ...ask('hi [simulate:latency:9999999]'), stream: streamed };
      const call = track<unknown>(streamed ? provider.chatStream(request, testCallContext('sim-small', { timeouts })) : provider.chat(request, testCallContext('sim-small', { timeouts })));
      await vi.advanceTimersByTimeAsync(999);
      expect(call.settled()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(call.settled()).toBe(true);
      expect(await call.outcome).toMatchObject({ code: 'SWY_ERR_UPSTREAM_FIRST_BYTE_TIMEOUT', kind: 'timeout', retryable: true });
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an answer slower than totalMs ends in the total timeout: at totalMs for chat(), as an error part for a stream', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 100, tokensPerSecond: 2 });
    const timeouts = { firstByteMs: 1_000, totalMs: 3_000 };
    const call = track(provider.chat(ask(), testCallContext('sim-small', { timeouts })));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(call.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await call.outcome).toMatchObject({ code: 'SWY_ERR_UPSTREAM_TOTAL_TIMEOUT', kind: 'timeout' });

    const streamed = await provider.chatStream({ ...ask(), stream: true }, testCallContext('sim-small', { timeouts }));
    const parts: ChatStreamPart[] = [];
    const reading = (async () => {
      for await (const part of streamed.stream) parts.push(part);
    })();
    await vi.advanceTimersByTimeAsync(4_000);
    await reading;
    const last = parts[parts.length - 1];
    expect(last.type).toBe('error');
    expect(last.type === 'error' && last.error.code).toBe('SWY_ERR_UPSTREAM_TOTAL_TIMEOUT');
    expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(0); // it streamed until the deadline
  });

  it('a triggered upstream error arrives after the latency too', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 300, tokensPerSecond: 0 });
    const call = track(provider.chatStream({ ...ask('hi [simulate:error:529]'), stream: true }, testCallContext('sim-small')));
    await vi.advanceTimersByTimeAsync(299);
    expect(call.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await call.outcome).toMatchObject({ kind: 'overloaded' });
  });

  it('aborting during the latency rejects chat() with SWY_ERR_CLIENT_CLOSED and clears the timer', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 60_000, tokensPerSecond: 0 });
    const controller = new AbortController();
    const call = track(provider.chat(ask(), testCallContext('sim-small', { signal: controller.signal })));
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(call.settled()).toBe(true);
    expectClientClosed(await call.outcome);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an already aborted signal rejects both calls at once', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });
    const controller = new AbortController();
    controller.abort();
    const context = testCallContext('sim-small', { signal: controller.signal });
    expectClientClosed(await provider.chat(ask(), context).catch((e: unknown) => e));
    expectClientClosed(await provider.chatStream({ ...ask(), stream: true }, context).catch((e: unknown) => e));
  });

  it('streams the first part after latencyMs, then paces deltas at tokensPerSecond', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 500, tokensPerSecond: 4 });
    const { stream } = await provider.chatStream({ ...ask(), stream: true }, testCallContext('sim-small'));
    const iterator = stream[Symbol.asyncIterator]();
    const first = track(iterator.next());
    await vi.advanceTimersByTimeAsync(499);
    expect(first.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await first.outcome) as IteratorResult<ChatStreamPart>).value?.type).toBe('start');
    // usage, text-start and the first delta follow at once; later deltas come every 250 ms.
    const immediate: string[] = [];
    for (let i = 0; i < 3; i += 1) immediate.push(((await iterator.next()).value as ChatStreamPart).type);
    expect(immediate).toEqual(['usage', 'text-start', 'text-delta']);
    const second = track(iterator.next());
    await vi.advanceTimersByTimeAsync(249);
    expect(second.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await second.outcome) as IteratorResult<ChatStreamPart>).value?.type).toBe('text-delta');
    await iterator.return?.();
  });

  it('[simulate:latency] and [simulate:tps] override the provider settings for one request', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });
    const call = track(provider.chat(ask('Slow please [simulate:latency:1000] [simulate:tps:1000]'), testCallContext('sim-small')));
    await vi.advanceTimersByTimeAsync(999);
    expect(call.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(call.settled()).toBe(true);
  });

  it('aborting a paced stream ends it with an SWY_ERR_CLIENT_CLOSED error part and clears the timers', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 1 });
    const controller = new AbortController();
    const { stream } = await provider.chatStream({ ...ask(), stream: true }, testCallContext('sim-small', { signal: controller.signal }));
    const iterator = stream[Symbol.asyncIterator]();
    let part: ChatStreamPart | undefined;
    do part = (await iterator.next()).value as ChatStreamPart;
    while (part.type !== 'text-delta');
    const pending = track(iterator.next());
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    const last = (await pending.outcome) as IteratorResult<ChatStreamPart>;
    expect(last.value?.type).toBe('error');
    if (last.value?.type === 'error') expectClientClosed(last.value.error);
    expect((await iterator.next()).done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an unpaced stream notices an abort at the next part', async () => {
    const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });
    const controller = new AbortController();
    const { stream } = await provider.chatStream({ ...ask(), stream: true }, testCallContext('sim-small', { signal: controller.signal }));
    const parts: ChatStreamPart[] = [];
    for await (const part of stream) {
      parts.push(part);
      if (part.type === 'text-start') controller.abort();
    }
    expect(parts.map((part) => part.type)).toEqual(['start', 'usage', 'text-start', 'error']);
    const last = parts[parts.length - 1];
    if (last.type === 'error') expectClientClosed(last.error);
  });
});
