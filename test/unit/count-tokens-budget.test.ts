import { describe, expect, it, vi } from 'vitest';

const tokenized = vi.hoisted(() => ({ chars: 0 }));

/** The real tokenizer, with the characters handed to it counted. */
vi.mock('../../src/metering/tokenizer.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/metering/tokenizer.js')>();
  return {
    ...actual,
    countTextTokens: (text: string) => {
      tokenized.chars += text.length;
      return actual.countTextTokens(text);
    },
  };
});

const { countTokensEstimate, decodeCountTokensRequest } = await import('../../src/dialects/anthropic-messages/count-tokens.js');
const { EXACT_CHARS_PER_ESTIMATE } = await import('../../src/metering/bounded-token-count.js');
const { countInputTokens } = await import('../../src/providers/simulated/simulated-usage.js');

describe('countTokensEstimate across many parts', () => {
  it('tokenizes at most EXACT_CHARS_PER_ESTIMATE characters of a body of many 60 KB parts, and scales the rest', () => {
    // 300 parts under the per-part limit: 18 MB were tokenized whole (~3 s of event loop per request).
    const part = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1050);
    const messages = Array.from({ length: 300 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: part }));
    tokenized.chars = 0;
    const total = countTokensEstimate(decodeCountTokensRequest({ model: 'm', messages }));
    expect(tokenized.chars).toBeLessThanOrEqual(EXACT_CHARS_PER_ESTIMATE);
    tokenized.chars = 0;
    const one = countTokensEstimate(decodeCountTokensRequest({ model: 'm', messages: messages.slice(0, 1) }));
    // The scaled parts are estimated at the ratio of the counted ones: here the same text, so the same count.
    expect(Math.abs(total - 300 * one)).toBeLessThanOrEqual(300);
  });

  it("bounds the simulated provider's prompt count the same way, and keeps small prompts exact", () => {
    const part = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1050);
    const big = { model: 'm', stream: false, messages: Array.from({ length: 300 }, () => ({ role: 'user' as const, content: [{ type: 'text' as const, text: part }] })) };
    tokenized.chars = 0;
    const total = countInputTokens(big);
    expect(tokenized.chars).toBeLessThanOrEqual(EXACT_CHARS_PER_ESTIMATE + 'user'.length * 300);
    const one = countInputTokens({ ...big, messages: big.messages.slice(0, 1) });
    expect(Math.abs(total - (one + (299 * (one - 3))))).toBeLessThanOrEqual(300);
    tokenized.chars = 0;
    countInputTokens({ model: 'm', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }] });
    expect(tokenized.chars).toBe('user'.length + 'Hello there'.length);
  });

  it('counts a small request exactly, every part', () => {
    tokenized.chars = 0;
    countTokensEstimate(decodeCountTokensRequest({ model: 'm', system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] }));
    expect(tokenized.chars).toBe('Be brief.'.length + 'Hello there'.length);
  });
});
