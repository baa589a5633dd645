import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { reasoningTarget, simulatedSignature } from '../../src/providers/simulated/simulated-reasoning.js';
import { resolveSimulatedTier } from '../../src/providers/simulated/simulated-tier.js';
import { countTokens } from '../../src/providers/simulated/simulated-tokens.js';
import type { ChatRequest, ChatStreamPart, ReasoningConfig } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';
import { assertStreamGrammar } from '../helpers/stream-invariants.js';

const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });

function ask(reasoning?: ReasoningConfig, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'Is 91 prime?' }] }], reasoning, ...extra };
}

describe('simulated reasoning', () => {
  it('reasons first, with a signature, and counts reasoning inside output tokens', async () => {
    const result = await provider.chat(ask({ budgetTokens: 2048 }), testCallContext('sim-large'));
    const [reasoning, text] = result.content;
    expect(reasoning.type).toBe('reasoning');
    expect(text.type).toBe('text');
    if (reasoning.type !== 'reasoning' || text.type !== 'text') return;
    expect(reasoning.signature).toBe(simulatedSignature(reasoning.text));
    expect(result.usage.reasoningTokens).toBe(countTokens(reasoning.text));
    expect(result.usage.outputTokens).toBe(countTokens(reasoning.text) + countTokens(text.text));
    expect(result.usage.reasoningTokens).toBeLessThanOrEqual(reasoningTarget({ budgetTokens: 2048 }, resolveSimulatedTier('sim-large')) ?? 0);
  });

  it('never spends more than the budget, and more effort means more reasoning', async () => {
    for (const budgetTokens of [1, 10, 64]) {
      const result = await provider.chat(ask({ budgetTokens }), testCallContext('sim-medium'));
      expect(result.usage.reasoningTokens ?? 0).toBeLessThanOrEqual(budgetTokens);
    }
    const lengths = [];
    for (const effort of ['minimal', 'low', 'medium', 'high'] as const) {
      lengths.push((await provider.chat(ask({ effort }), testCallContext('sim-medium'))).usage.reasoningTokens ?? 0);
    }
    expect([...lengths].sort((a, b) => a - b)).toEqual(lengths);
    expect(lengths[0]).toBeLessThan(lengths[3]);
  });

  it('does not change the answer text, only adds reasoning before it', async () => {
    const plain = await provider.chat(ask(), testCallContext('sim-medium'));
    const reasoned = await provider.chat(ask({ effort: 'low' }), testCallContext('sim-medium'));
    expect(reasoned.content.slice(1)).toEqual(plain.content);
    expect(plain.usage.reasoningTokens).toBeUndefined();
  });

  it('streams reasoning deltas, then the signature, then the text block', async () => {
    const result = await provider.chat(ask({ effort: 'medium' }), testCallContext('sim-large'));
    const { stream } = await provider.chatStream({ ...ask({ effort: 'medium' }), stream: true }, testCallContext('sim-large'));
    const parts: ChatStreamPart[] = [];
    for await (const part of stream) parts.push(part);
    const reassembled = assertStreamGrammar(parts);
    expect(reassembled.content).toEqual(result.content);
    const types = parts.map((part) => part.type);
    expect(types.indexOf('reasoning-signature')).toBe(types.indexOf('reasoning-end') - 1);
    expect(types.lastIndexOf('reasoning-delta')).toBeLessThan(types.indexOf('reasoning-signature'));
  });

  it('warns and skips reasoning on a model that does not reason', async () => {
    const result = await provider.chat(ask({ budgetTokens: 1024 }), testCallContext('sim-small', { model: { reasoning: false } }));
    expect(result.content.map((part) => part.type)).toEqual(['text']);
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'thinking.budget_tokens' })]);
  });

  it('needs a budget or an effort to reason', async () => {
    const result = await provider.chat(ask({}), testCallContext('sim-large'));
    expect(result.content.map((part) => part.type)).toEqual(['text']);
    expect(result.warnings).toEqual([]);
  });
});
