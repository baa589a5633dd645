import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';

/**
 * Token arithmetic for the simulator, on the o200k_base vocabulary. Special-token text such as
 * `<|endoftext|>` in user content is counted as ordinary text, never rejected.
 */
const ENCODE_OPTIONS = { disallowedSpecial: new Set<string>() };

function tokensOf(text: string): number[] {
  return encode(text, ENCODE_OPTIONS);
}

export function countTokens(text: string): number {
  return text === '' ? 0 : tokensOf(text).length;
}

/**
 * Splits text into token-sized pieces whose concatenation is exactly `text`. A character split
 * across several tokens (emoji, CJK) stays whole inside one piece.
 */
export function splitIntoTokenPieces(text: string): string[] {
  const pieces: string[] = [];
  let position = 0;
  let group: number[] = [];
  for (const token of tokensOf(text)) {
    group.push(token);
    const piece = decode(group);
    if (text.startsWith(piece, position)) {
      pieces.push(piece);
      position += piece.length;
      group = [];
    }
  }
  if (position < text.length) pieces.push(text.slice(position));
  return pieces;
}

/** The longest prefix of `text` (cut on a token boundary) that counts at most `maxTokens` tokens. */
export function truncateToTokens(text: string, maxTokens: number): string {
  const tokens = tokensOf(text);
  if (tokens.length <= maxTokens) return text;
  let keep = Math.max(0, maxTokens);
  while (keep > 0) {
    const prefix = decode(tokens.slice(0, keep));
    if (text.startsWith(prefix) && countTokens(prefix) <= maxTokens) return prefix;
    keep -= 1;
  }
  return '';
}
