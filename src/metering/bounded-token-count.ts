import { countTextTokens } from './tokenizer.js';

/** Text up to this many characters per part is counted with the tokenizer; beyond it, by sampling. */
const EXACT_CHARS = 64 * 1024;
/**
 * Characters one estimate hands to the tokenizer at most, across all its parts: a body of many parts
 * each under EXACT_CHARS (300 messages of 60 KB) would otherwise be tokenized whole, seconds of event
 * loop for a 20 MB body. Text past it is estimated at the tokens-per-character ratio counted so far.
 */
export const EXACT_CHARS_PER_ESTIMATE = 256 * 1024;
/** Tokens per character assumed before anything has been counted. */
const DEFAULT_TOKENS_PER_CHAR = 0.25;

/**
 * Tokens of text parts (one instance per estimate: a request's prompt), bounded in cost whatever the
 * lengths and however many parts (count_tokens, the routing estimate, the simulated provider's usage):
 * the tokenizer is linear but costs up to ~1 ms per KB on random text. Each part is counted exactly up
 * to EXACT_CHARS (a longer part's count of its head is scaled to its whole length) while the estimate's
 * budget of EXACT_CHARS_PER_ESTIMATE lasts; after that parts are scaled by the ratio seen (an estimate;
 * provider usage remains the truth for metering).
 */
export class BoundedTokenCount {
  private exactChars = 0;
  private exactTokens = 0;

  count(text: string): number {
    const room = Math.min(EXACT_CHARS, EXACT_CHARS_PER_ESTIMATE - this.exactChars);
    if (text.length <= room) return this.countExactly(text);
    const cut = surrogateSafeCut(text, room);
    if (cut <= 0) return Math.ceil(text.length * this.tokensPerChar());
    return Math.ceil((this.countExactly(text.slice(0, cut)) * text.length) / cut);
  }

  private countExactly(text: string): number {
    const tokens = countTextTokens(text);
    this.exactChars += text.length;
    this.exactTokens += tokens;
    return tokens;
  }

  private tokensPerChar(): number {
    return this.exactChars > 0 ? this.exactTokens / this.exactChars : DEFAULT_TOKENS_PER_CHAR;
  }
}

/** `at`, or one less when that would split a surrogate pair. */
function surrogateSafeCut(text: string, at: number): number {
  if (at <= 0) return 0;
  const last = text.charCodeAt(at - 1);
  return last >= 0xd800 && last <= 0xdbff ? at - 1 : at;
}
