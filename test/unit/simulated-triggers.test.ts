import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { readTriggers } from '../../src/providers/simulated/simulated-triggers.js';
import { GatewayError } from '../../src/spec/errors.js';
import type { ChatRequest, Message } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';
import { assertStreamGrammar, collectStream } from '../helpers/stream-invariants.js';

const provider = createSimulatedProvider('house-sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });

function ask(text: string): ChatRequest {
  return { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text }] }] };
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(GatewayError.is(error)).toBe(true);
  return error as GatewayError;
}

describe('simulated error triggers', () => {
  const cases = [
    { status: 429, kind: 'rate_limit', clientStatus: 429, retryable: true, retryAfterMs: 1000, code: 'SWY_ERR_UPSTREAM_RATE_LIMIT' },
    { status: 500, kind: 'upstream_error', clientStatus: 502, retryable: true, retryAfterMs: undefined, code: 'SWY_ERR_UPSTREAM_ERROR' },
    { status: 529, kind: 'overloaded', clientStatus: 529, retryable: true, retryAfterMs: undefined, code: 'SWY_ERR_UPSTREAM_OVERLOADED' },
    { status: 503, kind: 'overloaded', clientStatus: 529, retryable: true, retryAfterMs: undefined, code: 'SWY_ERR_UPSTREAM_OVERLOADED' },
    { status: 400, kind: 'invalid_request', clientStatus: 400, retryable: false, retryAfterMs: undefined, code: 'SWY_ERR_UPSTREAM_INVALID_REQUEST' },
  ] as const;

  for (const c of cases) {
    it(`[simulate:error:${c.status}] fails like an upstream answering HTTP ${c.status}, streamed or not`, async () => {
      const request = ask(`Hello [simulate:error:${c.status}] there`);
      for (const error of [
        await rejection(provider.chat(request, testCallContext('sim-medium'))),
        await rejection(provider.chatStream({ ...request, stream: true }, testCallContext('sim-medium'))),
      ]) {
        expect(error).toMatchObject({
          code: c.code,
          kind: c.kind,
          status: c.clientStatus,
          retryable: c.retryable,
          origin: 'upstream',
          upstreamStatus: c.status,
          provider: 'house-sim',
        });
        expect(error.retryAfterMs).toBe(c.retryAfterMs);
        expect(error.upstreamRequestId).toMatch(/^sim-req-[0-9a-f]{16}$/);
      }
    });
  }

  it('[simulate:midstream-error] streams part of the answer, then an error part; chat() fails', async () => {
    const request = ask('Tell me about queues. [simulate:midstream-error]');
    const { stream } = await provider.chatStream({ ...request, stream: true }, testCallContext('sim-large'));
    const collected = await collectStream(stream);
    expect(collected.thrown).toBeUndefined();
    const reassembled = assertStreamGrammar(collected.parts);
    expect(reassembled.deltaCount).toBeGreaterThan(0);
    expect(reassembled.text.startsWith('[simulated sim-large]')).toBe(true);
    expect(reassembled.finishReason).toBeUndefined();
    expect(reassembled.error).toMatchObject({ kind: 'overloaded', retryable: true, origin: 'upstream', code: 'SWY_ERR_UPSTREAM_OVERLOADED' });
    const error = await rejection(provider.chat(request, testCallContext('sim-large')));
    expect(error.kind).toBe('overloaded');
  });

  it('only reads markers in the last user message, so a conversation can continue after a failure', async () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'First try [simulate:error:500]' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Recovered answer.' }] },
      { role: 'user', content: [{ type: 'text', text: 'And now?' }] },
    ];
    const result = await provider.chat({ model: 'any', stream: false, messages }, testCallContext('sim-medium'));
    expect(result.finishReason).toBe('stop');
  });

  it('parses every marker and ignores malformed ones', () => {
    expect(readTriggers('a [simulate:error:429] b [simulate:latency:250] [simulate:tps:40] [simulate:midstream-error]')).toEqual({
      errorStatus: 429,
      midstreamError: true,
      latencyMs: 250,
      tokensPerSecond: 40,
    });
    expect(readTriggers('[simulate:error:200] [simulate:error:42] [simulate:latency:-1] [simulate:tps:x]')).toEqual({
      errorStatus: undefined,
      midstreamError: false,
      latencyMs: undefined,
      tokensPerSecond: undefined,
    });
  });
});

describe('simulated mid-stream failure without deltas', () => {
  it('still ends with the error part when a stop sequence leaves nothing to stream', async () => {
    const request: ChatRequest = { ...ask('Anything [simulate:midstream-error]'), stopSequences: ['[simulated'] };
    const { stream } = await provider.chatStream({ ...request, stream: true }, testCallContext('sim-small'));
    const reassembled = assertStreamGrammar((await collectStream(stream)).parts);
    expect(reassembled.deltaCount).toBe(0);
    expect(reassembled.finishReason).toBeUndefined();
    expect(reassembled.error?.kind).toBe('overloaded');
  });
});
