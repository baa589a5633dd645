import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { resolveSimulatedTier } from '../../src/providers/simulated/simulated-tier.js';
import { countTokens } from '../../src/providers/simulated/simulated-tokens.js';
import type { ChatRequest, ChatResult, ChatStreamPart } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';
import { assertStreamGrammar } from '../helpers/stream-invariants.js';

const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });

function ask(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text }] }], ...extra };
}

function textOf(result: ChatResult): string {
  return result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
}

async function streamParts(request: ChatRequest, model: string): Promise<ChatStreamPart[]> {
  const { stream } = await provider.chatStream({ ...request, stream: true }, testCallContext(model));
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const PROMPTS = [
  'How do I choose a database for a small web shop?',
  'Explain what a load balancer does.',
  'What should I check before deploying on a Friday?',
  'Summarise the pros and cons of microservices.',
  'How can I make my test suite faster?',
];

describe('simulated text', () => {
  it('is deterministic: the same request gives the same bytes, streamed or not', async () => {
    const request = ask(PROMPTS[0], { system: [{ type: 'text', text: 'Be brief.' }] });
    const first = await provider.chat(request, testCallContext('sim-medium'));
    const second = await provider.chat(structuredClone(request), testCallContext('sim-medium'));
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    const streamA = await streamParts(request, 'sim-medium');
    const streamB = await streamParts(structuredClone(request), 'sim-medium');
    expect(JSON.stringify(streamB)).toBe(JSON.stringify(streamA));
    expect(assertStreamGrammar(streamA).text).toBe(textOf(first));
  });

  it('depends on the request content and on the model', async () => {
    const a = textOf(await provider.chat(ask(PROMPTS[0]), testCallContext('sim-medium')));
    const b = textOf(await provider.chat(ask(PROMPTS[1]), testCallContext('sim-medium')));
    const c = textOf(await provider.chat(ask(PROMPTS[0]), testCallContext('sim-medium-2')));
    expect(b).not.toBe(a);
    expect(c).not.toBe(a);
  });

  it('names the model and quotes the question', async () => {
    const text = textOf(await provider.chat(ask('Explain what a load balancer does.'), testCallContext('sim-large')));
    expect(text.startsWith('[simulated sim-large] ')).toBe(true);
    expect(text).toContain('Explain what a load balancer does.');
  });

  it('keeps simulation markers out of the quoted question', async () => {
    const text = textOf(await provider.chat(ask('Explain caching [simulate:tps:0] briefly.'), testCallContext('sim-small')));
    expect(text).not.toContain('[simulate:');
    expect(text).toContain('Explain caching briefly.');
  });

  it('answers longer on larger tiers, and only the large tier structures its answer', async () => {
    for (const prompt of PROMPTS) {
      const tokens: Record<string, number> = {};
      for (const model of ['sim-small', 'sim-medium', 'sim-large']) {
        const result = await provider.chat(ask(prompt), testCallContext(model));
        tokens[model] = result.usage.outputTokens;
        expect(result.usage.outputTokens).toBe(countTokens(textOf(result)));
        const structured = /\n1\. .+\n2\. .+\n3\. /.test(textOf(result));
        expect(structured).toBe(model === 'sim-large');
      }
      expect(tokens['sim-small']).toBeLessThan(tokens['sim-medium']);
      expect(tokens['sim-medium']).toBeLessThan(tokens['sim-large']);
    }
  });

  it('treats unknown model names as the medium tier', () => {
    expect(resolveSimulatedTier('house-model').name).toBe('medium');
    expect(resolveSimulatedTier('sim-medium').name).toBe('medium');
    expect(resolveSimulatedTier('sim-large').name).toBe('large');
    expect(resolveSimulatedTier('SIM-SMALL').name).toBe('small');
    expect(resolveSimulatedTier('smaller-than-you-think').name).toBe('medium');
  });

  it('ignores sampling settings without warnings', async () => {
    const plain = await provider.chat(ask(PROMPTS[2]), testCallContext('sim-medium'));
    const tuned = await provider.chat(
      ask(PROMPTS[2], { temperature: 1.7, topP: 0.2, topK: 5, seed: 42, frequencyPenalty: 1, presencePenalty: -1 }),
      testCallContext('sim-medium'),
    );
    expect(tuned.content).toEqual(plain.content);
    expect(tuned.warnings).toEqual([]);
  });

  it('streams text in token-sized deltas that reassemble exactly, multi-byte characters intact', async () => {
    const prompt = 'Translate 👩‍👩‍👧 and 日本語 and naïve café, please.';
    const parts = await streamParts(ask(prompt), 'sim-small');
    const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []));
    const reassembled = assertStreamGrammar(parts);
    expect(reassembled.text).toContain('👩‍👩‍👧 and 日本語 and naïve café');
    expect(deltas.join('')).toBe(reassembled.text);
    // One delta per token, except that tokens splitting one character travel together.
    expect(deltas.length).toBeLessThanOrEqual(countTokens(reassembled.text));
    expect(deltas.length).toBeGreaterThan(countTokens(reassembled.text) / 2);
    for (const delta of deltas) expect(delta).not.toContain('\uFFFD');
  });
});
