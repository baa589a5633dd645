import { describe, expect, it } from 'vitest';
import { applyLimits } from '../../src/providers/simulated/simulated-limits.js';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { countTokens } from '../../src/providers/simulated/simulated-tokens.js';
import type { AssistantContentPart, ChatRequest, ChatResult, ChatStreamPart } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';
import { assertStreamGrammar } from '../helpers/stream-invariants.js';

const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });
const PROMPT = 'Write a detailed plan for migrating a monolith to services.';

function ask(extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }], ...extra };
}

function textOf(result: Pick<ChatResult, 'content'>): string {
  return result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
}

async function streamed(request: ChatRequest, model = 'sim-large') {
  const { stream } = await provider.chatStream({ ...request, stream: true }, testCallContext(model));
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return assertStreamGrammar(parts);
}

describe('simulated maxTokens', () => {
  it('truncates the answer to maxTokens tokens with finish length; the text is a prefix of the full answer', async () => {
    const full = await provider.chat(ask(), testCallContext('sim-large'));
    expect(full.finishReason).toBe('stop');
    for (const maxTokens of [1, 5, 17, 40]) {
      const cut = await provider.chat(ask({ maxTokens }), testCallContext('sim-large'));
      expect(cut.finishReason).toBe('length');
      expect(cut.usage.outputTokens).toBeLessThanOrEqual(maxTokens);
      expect(cut.usage.outputTokens).toBe(countTokens(textOf(cut)));
      expect(textOf(full).startsWith(textOf(cut))).toBe(true);
      expect(textOf(cut).length).toBeLessThan(textOf(full).length);
      const stream = await streamed(ask({ maxTokens }));
      expect(stream.finishReason).toBe('length');
      expect(stream.text).toBe(textOf(cut));
      expect(stream.usage).toEqual(cut.usage);
    }
  });

  it('leaves an answer that fits alone', async () => {
    const full = await provider.chat(ask(), testCallContext('sim-small'));
    const roomy = await provider.chat(ask({ maxTokens: full.usage.outputTokens }), testCallContext('sim-small'));
    expect(roomy.finishReason).toBe('stop');
    expect(roomy.content).toEqual(full.content);
  });

  it('rejects a maxTokens that is not a positive integer, naming the field', async () => {
    await expect(provider.chat(ask({ maxTokens: 0 }), testCallContext('sim-small'))).rejects.toMatchObject({
      kind: 'invalid_request',
      status: 400,
      param: 'maxTokens',
    });
  });

  it('counts reasoning against maxTokens: a cut reasoning block loses its signature and the text', () => {
    const content: AssistantContentPart[] = [
      { type: 'reasoning', text: 'Let me think about this carefully and at some length.', signature: 'sig' },
      { type: 'text', text: 'The answer.' },
    ];
    const limited = applyLimits(content, undefined, 4);
    expect(limited.finishReason).toBe('length');
    expect(limited.content).toHaveLength(1);
    expect(limited.content[0]).toEqual({ type: 'reasoning', text: 'Let me think about' });
  });

  it('drops a tool call that does not fit whole, so arguments are never partial JSON', () => {
    const content: AssistantContentPart[] = [
      { type: 'tool-call', id: 'a', name: 'get_weather', argumentsJson: '{"location":"Paris"}' },
      { type: 'tool-call', id: 'b', name: 'get_time', argumentsJson: '{"timezone":"Europe/Paris"}' },
    ];
    const firstCost = countTokens('get_weather') + countTokens('{"location":"Paris"}');
    const limited = applyLimits(content, undefined, firstCost + 2);
    expect(limited.finishReason).toBe('length');
    expect(limited.content).toEqual([content[0]]);
    expect(applyLimits(content, undefined, 1000).finishReason).toBe('tool-calls');
  });
});

describe('simulated stop sequences', () => {
  it('cuts at the first occurrence with finish stop-sequence and the sequence reported', async () => {
    const full = textOf(await provider.chat(ask(), testCallContext('sim-large')));
    const stop = '**Steps:**';
    expect(full).toContain(stop);
    const result = await provider.chat(ask({ stopSequences: ['never-occurs', stop] }), testCallContext('sim-large'));
    expect(result.finishReason).toBe('stop-sequence');
    expect(result.stopSequence).toBe(stop);
    expect(textOf(result)).toBe(full.slice(0, full.indexOf(stop)));
    expect(result.usage.outputTokens).toBe(countTokens(textOf(result)));
    const stream = await streamed(ask({ stopSequences: ['never-occurs', stop] }));
    expect(stream.finishReason).toBe('stop-sequence');
    expect(stream.stopSequence).toBe(stop);
    expect(stream.text).toBe(textOf(result));
  });

  it('picks the sequence that occurs earliest, whatever its position in the list', async () => {
    const full = textOf(await provider.chat(ask(), testCallContext('sim-large')));
    const result = await provider.chat(ask({ stopSequences: ['\n1. ', 'Summary'] }), testCallContext('sim-large'));
    expect(result.stopSequence).toBe('Summary');
    expect(textOf(result)).toBe(full.slice(0, full.indexOf('Summary')));
  });

  it('finishes normally when no sequence occurs, and lets maxTokens win when it comes first', async () => {
    const plain = await provider.chat(ask({ stopSequences: ['zzz-not-there'] }), testCallContext('sim-large'));
    expect(plain.finishReason).toBe('stop');
    expect(plain.stopSequence).toBeUndefined();
    const both = await provider.chat(ask({ stopSequences: ['**Steps:**'], maxTokens: 3 }), testCallContext('sim-large'));
    expect(both.finishReason).toBe('length');
    expect(both.stopSequence).toBeUndefined();
  });

  it('drops an empty text part when the answer starts with the stop sequence', async () => {
    const result = await provider.chat(ask({ stopSequences: ['[simulated'] }), testCallContext('sim-medium'));
    expect(result.finishReason).toBe('stop-sequence');
    expect(result.content).toEqual([]);
    expect(result.usage.outputTokens).toBe(0);
  });
});
