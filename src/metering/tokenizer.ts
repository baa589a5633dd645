import { createRequire } from 'node:module';

/**
 * The o200k_base BPE tokenizer (gpt-tokenizer), loaded on first use. It holds ~70 MB resident once
 * loaded, so a gateway that only proxies real providers never pays for it; it loads for token-count
 * estimates (count_tokens, usage of aborted streams) and the simulated models. Special-token text such
 * as `<|endoftext|>` in user content is counted as ordinary text, never rejected.
 */
interface Encoding {
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
}

const requireCjs = createRequire(import.meta.url);
const ENCODE_OPTIONS = { disallowedSpecial: new Set<string>() };
let encoding: Encoding | undefined;
let ranks: ReadonlyArray<string | readonly number[]> | undefined;

export function encodeText(text: string): number[] {
  encoding ??= requireCjs('gpt-tokenizer/encoding/o200k_base') as Encoding;
  return encoding.encode(text, ENCODE_OPTIONS);
}

export function countTextTokens(text: string): number {
  return text === '' ? 0 : encodeText(text).length;
}

/** Token id → its text (a string) or its raw bytes (an array) for tokens that are not valid UTF-8 alone. */
export function tokenRanks(): ReadonlyArray<string | readonly number[]> {
  ranks ??= (requireCjs('gpt-tokenizer/bpeRanks/o200k_base') as { default: Array<string | number[]> }).default;
  return ranks;
}
