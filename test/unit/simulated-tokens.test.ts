import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countTokens, splitIntoTokenPieces, truncateToTokens } from '../../src/providers/simulated/simulated-tokens.js';

const MIXED = 'Plain ASCII, naïve café, 日本語のテキスト, 🦜 parrot, family 👩‍👩‍👧, <|endoftext|> literal.';

describe('simulated tokens', () => {
  it('counts with the o200k tokenizer and treats special-token text as plain text', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(encode('hello world').length);
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('splits text into pieces that concatenate exactly, one token each except split characters', () => {
    const pieces = splitIntoTokenPieces(MIXED);
    expect(pieces.join('')).toBe(MIXED);
    expect(pieces.every((piece) => piece !== '' && !piece.includes('\uFFFD'))).toBe(true);
    // 🦜 takes three tokens, none a whole character: it must arrive as one piece.
    expect(pieces).toContain('🦜');
    expect(pieces.length).toBeLessThan(countTokens(MIXED));
    expect(splitIntoTokenPieces('hello world')).toEqual(['hello', ' world']);
  });

  it('truncates on token boundaries to at most maxTokens tokens, as a prefix', () => {
    for (let max = 0; max <= countTokens(MIXED); max += 1) {
      const prefix = truncateToTokens(MIXED, max);
      expect(MIXED.startsWith(prefix)).toBe(true);
      expect(countTokens(prefix)).toBeLessThanOrEqual(max);
      expect(prefix).not.toContain('\uFFFD');
    }
    expect(truncateToTokens(MIXED, 10_000)).toBe(MIXED);
    expect(truncateToTokens('🦜', 2)).toBe('');
  });

  it('keeps no decoder state between calls (a cut inside a character does not leak into the next text)', () => {
    expect(truncateToTokens('🦜 and more', 1)).toBe('');
    expect(splitIntoTokenPieces('🧬 é').join('')).toBe('🧬 é');
    expect(truncateToTokens('🧬 é', 10)).toBe('🧬 é');
  });
});
