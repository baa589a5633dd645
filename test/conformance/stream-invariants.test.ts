import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/spec/errors.js';
import type { ChatStreamPart } from '../../src/spec/index.js';
import { assertStreamGrammar, collectStream, StreamGrammarError } from '../helpers/stream-invariants.js';

const START: ChatStreamPart = { type: 'start', id: 'r1', model: 'm' };
const USAGE = { inputTokens: 10, outputTokens: 5 };
const FINISH: ChatStreamPart = { type: 'finish', finishReason: 'stop', usage: USAGE };
const OVERLOADED = new GatewayError({ code: 'SWY_ERR_UPSTREAM_OVERLOADED', kind: 'overloaded', message: 'overloaded' });

function text(index: number, ...deltas: string[]): ChatStreamPart[] {
  return [{ type: 'text-start', index }, ...deltas.map((delta): ChatStreamPart => ({ type: 'text-delta', index, delta })), { type: 'text-end', index }];
}

function violation(parts: ChatStreamPart[]): string {
  try {
    assertStreamGrammar(parts);
  } catch (error) {
    expect(error).toBeInstanceOf(StreamGrammarError);
    return (error as Error).message;
  }
  throw new Error('expected a grammar violation');
}

describe('assertStreamGrammar', () => {
  it('reassembles a well-formed stream with every block kind', () => {
    const parts: ChatStreamPart[] = [
      START,
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 0 } },
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, delta: 'Think' },
      { type: 'reasoning-delta', index: 0, delta: 'ing.' },
      { type: 'reasoning-signature', index: 0, signature: 'sig' },
      { type: 'reasoning-end', index: 0 },
      { type: 'redacted-reasoning', index: 1, data: 'opaque' },
      ...text(2, 'Hel', 'lo'),
      { type: 'tool-call-start', index: 3, id: 'c1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 3, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 3, argumentsDelta: '"Oslo"}' },
      { type: 'tool-call-end', index: 3 },
      { type: 'tool-call-start', index: 4, id: 'c2', name: 'ping' },
      { type: 'tool-call-end', index: 4 },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 10, outputTokens: 30, reasoningTokens: 3 } },
    ];
    const out = assertStreamGrammar(parts);
    expect(out.content).toEqual([
      { type: 'reasoning', text: 'Thinking.', signature: 'sig' },
      { type: 'redacted-reasoning', data: 'opaque' },
      { type: 'text', text: 'Hello' },
      { type: 'tool-call', id: 'c1', name: 'get_weather', argumentsJson: '{"city":"Oslo"}' },
      { type: 'tool-call', id: 'c2', name: 'ping', argumentsJson: '{}' },
    ]);
    expect(out.text).toBe('Hello');
    expect(out.finishReason).toBe('tool-calls');
    expect(out.usageParts).toHaveLength(1);
    expect(out.deltaCount).toBe(6);
    expect(out.id).toBe('r1');
  });

  it('accepts an error part anywhere, even inside an open block or as the only part', () => {
    expect(assertStreamGrammar([START, { type: 'text-start', index: 0 }, { type: 'text-delta', index: 0, delta: 'x' }, { type: 'error', error: OVERLOADED }]).error).toBe(OVERLOADED);
    expect(assertStreamGrammar([{ type: 'error', error: OVERLOADED }]).error).toBe(OVERLOADED);
  });

  it('rejects streams that break the ordering rules', () => {
    expect(violation([])).toMatch(/empty/);
    expect(violation([...text(0, 'a'), FINISH])).toMatch(/first part must be start/);
    expect(violation([START, START, FINISH])).toMatch(/start must be the first part/);
    expect(violation([START, ...text(0, 'a')])).toMatch(/ended without finish or error/);
    expect(violation([START, FINISH, { type: 'usage', usage: USAGE }])).toMatch(/after finish/);
    expect(violation([START, { type: 'error', error: OVERLOADED }, FINISH])).toMatch(/after error/);
    expect(violation([START, FINISH, FINISH])).toMatch(/after finish/);
  });

  it('rejects interleaved blocks, wrong indexes and parts outside their block', () => {
    expect(violation([START, { type: 'text-start', index: 0 }, { type: 'tool-call-start', index: 1, id: 'c', name: 'n' }])).toMatch(/still open/);
    expect(violation([START, ...text(1, 'a'), FINISH])).toMatch(/block index 1, expected 0/);
    expect(violation([START, ...text(0, 'a'), ...text(0, 'b'), FINISH])).toMatch(/block index 0, expected 1/);
    expect(violation([START, { type: 'text-delta', index: 0, delta: 'a' }])).toMatch(/open block is none/);
    expect(violation([START, { type: 'text-start', index: 0 }, { type: 'reasoning-delta', index: 0, delta: 'a' }])).toMatch(/open block is text 0/);
    expect(violation([START, { type: 'text-start', index: 0 }, FINISH])).toMatch(/finish while text block 0 is still open/);
    expect(violation([START, { type: 'text-start', index: 0 }, { type: 'redacted-reasoning', index: 1, data: 'x' }])).toMatch(/still open/);
  });

  it('rejects signature misuse, bad tool calls and malformed usage', () => {
    expect(
      violation([
        START,
        { type: 'reasoning-start', index: 0 },
        { type: 'reasoning-signature', index: 0, signature: 'a' },
        { type: 'reasoning-signature', index: 0, signature: 'b' },
      ]),
    ).toMatch(/at most one signature/);
    const call = (id: string, index: number, args = '{}'): ChatStreamPart[] => [
      { type: 'tool-call-start', index, id, name: 'f' },
      { type: 'tool-call-delta', index, argumentsDelta: args },
      { type: 'tool-call-end', index },
    ];
    expect(violation([START, ...call('same', 0), ...call('same', 1), FINISH])).toMatch(/used twice/);
    expect(violation([START, ...call('', 0), FINISH])).toMatch(/non-empty/);
    expect(violation([START, ...call('c', 0, '{"a":'), { type: 'finish', finishReason: 'tool-calls', usage: USAGE }])).toMatch(/not valid JSON/);
    expect(violation([START, ...call('c', 0, '[1]'), { type: 'finish', finishReason: 'tool-calls', usage: USAGE }])).toMatch(/not a JSON object/);
    // A stream cut by maxTokens may end inside the arguments.
    expect(assertStreamGrammar([START, ...call('c', 0, '{"a":'), { type: 'finish', finishReason: 'length', usage: USAGE }]).finishReason).toBe('length');
    expect(violation([START, { type: 'usage', usage: { inputTokens: -1, outputTokens: 0 } }, FINISH])).toMatch(/non-negative integer/);
    expect(violation([START, { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1.5, outputTokens: 0 } }])).toMatch(/non-negative integer/);
    expect(violation([START, { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 1, cacheReadTokens: 6 } }])).toMatch(/not inclusive/);
    expect(violation([START, { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 1, reasoningTokens: 2 } }])).toMatch(/not inclusive/);
    expect(violation([START, { type: 'finish', finishReason: 'done' as 'stop', usage: USAGE }])).toMatch(/unknown finishReason/);
    expect(violation([START, { type: 'error', error: new Error('plain') as GatewayError }])).toMatch(/GatewayError/);
  });

  it('collectStream captures what a stream threw after the parts it yielded', async () => {
    async function* failing(): AsyncGenerator<ChatStreamPart> {
      yield START;
      throw new Error('socket closed');
    }
    const collected = await collectStream(failing());
    expect(collected.parts).toEqual([START]);
    expect((collected.thrown as Error).message).toBe('socket closed');
  });
});
