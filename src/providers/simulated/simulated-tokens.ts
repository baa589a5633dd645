import { countTextTokens, encodeText, tokenRanks } from '../../metering/tokenizer.js';

/**
 * Token arithmetic for the simulator, on the o200k_base vocabulary. Special-token text such as
 * `<|endoftext|>` in user content is counted as ordinary text, never rejected.
 *
 * Tokens are turned back into text with a decoder owned by each call, from the rank table: the
 * library's own `decode` keeps a module-wide streaming TextDecoder, so decoding a token sequence
 * that ends inside a character leaves stray bytes that corrupt the next, unrelated decode.
 */
const utf8 = new TextEncoder();
const tokensOf = encodeText;
export const countTokens = countTextTokens;

/** A piece of text and the number of tokens it took. */
interface TokenPiece {
  text: string;
  tokens: number;
}

/**
 * Splits text into consecutive pieces of one token each, except that the tokens of a character
 * split across tokens (emoji, rare CJK) travel together in one piece. The pieces concatenate to `text`.
 */
function tokenPieces(text: string): TokenPiece[] {
  const decoder = new TextDecoder('utf-8');
  const pieces: TokenPiece[] = [];
  let pendingTokens = 0;
  const ranks = tokenRanks();
  for (const token of tokensOf(text)) {
    const entry = ranks[token];
    const bytes = typeof entry === 'string' ? utf8.encode(entry) : Uint8Array.from(entry);
    const decoded = decoder.decode(bytes, { stream: true });
    pendingTokens += 1;
    if (decoded === '') continue;
    pieces.push({ text: decoded, tokens: pendingTokens });
    pendingTokens = 0;
  }
  const rest = decoder.decode();
  if (rest !== '' || pendingTokens > 0) pieces.push({ text: rest, tokens: pendingTokens });
  // Anything the rank table could not account for (never expected) still reaches the caller.
  const joined = pieces.map((piece) => piece.text).join('');
  return joined === text ? pieces : [{ text, tokens: countTokens(text) }];
}

/** Token-sized pieces of `text` for streaming deltas; they concatenate to exactly `text`. */
export function splitIntoTokenPieces(text: string): string[] {
  return tokenPieces(text)
    .map((piece) => piece.text)
    .filter((piece) => piece !== '');
}

/** The longest prefix of `text`, cut on a token boundary, that counts at most `maxTokens` tokens. */
export function truncateToTokens(text: string, maxTokens: number): string {
  const pieces = tokenPieces(text);
  let used = 0;
  let end = 0;
  for (; end < pieces.length && used + pieces[end].tokens <= maxTokens; end += 1) used += pieces[end].tokens;
  if (end === pieces.length) return text;
  // Re-encoding a prefix can merge differently at the cut; step back until the count fits.
  while (end > 0) {
    const prefix = pieces.slice(0, end).map((piece) => piece.text).join('');
    if (countTokens(prefix) <= maxTokens) return prefix;
    end -= 1;
  }
  return '';
}
