import { createRequire } from 'node:module';

/**
 * The o200k_base BPE tokenizer (gpt-tokenizer), loaded on first use. It holds ~70 MB resident once
 * loaded, so a gateway that only proxies real providers never pays for it; it loads for token-count
 * estimates (count_tokens, usage of aborted streams) and the simulated models. Special-token text such
 * as `<|endoftext|>` in user content is counted as ordinary text, never rejected.
 *
 * Bounded cost. gpt-tokenizer splits text into pre-tokens with the o200k regex and merges each
 * pre-token's bytes with a BPE loop that is quadratic in the pre-token's length. A long run without
 * spaces ("aaaa…", one CJK character or emoji repeated) is a single pre-token: an 80 KB run blocked the
 * event loop ~35 s, 1 MB over 10 minutes (and a run of a few million CJK characters overflows the
 * regex engine's stack). Every o200k pre-token is made of at most two runs of characters of one class
 * plus up to four other characters; the classes are letters and marks; symbols (not whitespace, letter
 * or digit); line breaks and slashes; whitespace. So runs of LONG_RUN or more characters of one class
 * are located first (see longRuns, linear), and
 * - the text between such runs is encoded as it is, one call per stretch, so it tokenizes exactly as
 *   before: ordinary prose and code, which has no such run, gets the very same tokens;
 * - each long run is encoded in consecutive chunks of at most LONG_RUN UTF-16 units (never splitting a
 *   surrogate pair). BPE merges never cross a pre-token boundary, so the count differs from the
 *   unbounded encoding only at chunk edges and at the run's two ends, by a token or so per chunk.
 * No pre-token handed to gpt-tokenizer is longer than 3 × LONG_RUN + 1 UTF-16 units, so every estimate
 * costs time linear in the text's length. The token ids still decode to exactly the text.
 */
interface Encoding {
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

/** Runs of at least this many characters of one class are encoded in chunks of at most this many UTF-16 units. */
export const LONG_RUN = 128;

const requireCjs = createRequire(import.meta.url);
const ENCODE_OPTIONS = { disallowedSpecial: new Set<string>() };
let encoding: Encoding | undefined;
let ranks: ReadonlyArray<string | readonly number[]> | undefined;

/*
 * Long runs, in four classes: letters and marks; symbols (anything but whitespace, letters and digits);
 * line breaks and slashes (the tail an o200k symbol pre-token may carry); whitespace. Whitespace runs are
 * found directly. The other runs lie inside "dense" stretches (no whitespace but CR/LF), which are found
 * first with a cheap code-unit regex; only dense stretches of LONG_RUN or more units are searched with
 * the slower Unicode-class regex. The lookbehinds let each search start a run only where it begins, so
 * each search is linear.
 */
const WHITESPACE_RUN = new RegExp(String.raw`(?<!\s)\s{${LONG_RUN}}`, 'g');
const WHITESPACE_END = /\S/g;
const DENSE_RUN = new RegExp(String.raw`(?<![\S\r\n])[\S\r\n]{${LONG_RUN}}`, 'g');
const DENSE_END = /[^\S\r\n]/g;
const CLASS_RUN = new RegExp(
  [
    String.raw`(?<![\p{L}\p{M}])([\p{L}\p{M}]{${LONG_RUN}})`,
    String.raw`(?<![^\s\p{L}\p{N}])([^\s\p{L}\p{N}]{${LONG_RUN}})`,
    String.raw`(?<![\r\n/])[\r\n/]{${LONG_RUN}}`,
  ].join('|'),
  'gu',
);
const LETTERS_END = /[^\p{L}\p{M}]/gu;
const SYMBOLS_END = /[\s\p{L}\p{N}]/gu;
const BREAKS_END = /[^\r\n/]/g;

function loadEncoding(): Encoding {
  encoding ??= requireCjs('gpt-tokenizer/encoding/o200k_base') as Encoding;
  return encoding;
}

/** Where the first match of the global regex `pattern` at or after `from` starts, or `text.length`. */
function indexFrom(pattern: RegExp, text: string, from: number): number {
  pattern.lastIndex = from;
  return pattern.exec(text)?.index ?? text.length;
}

/** The runs of LONG_RUN or more characters of one class, as sorted, disjoint [start, end) ranges. */
function longRuns(text: string): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  WHITESPACE_RUN.lastIndex = 0;
  for (let match = WHITESPACE_RUN.exec(text); match !== null; match = WHITESPACE_RUN.exec(text)) {
    const end = indexFrom(WHITESPACE_END, text, match.index + match[0].length);
    runs.push([match.index, end]);
    WHITESPACE_RUN.lastIndex = end;
  }
  DENSE_RUN.lastIndex = 0;
  for (let dense = DENSE_RUN.exec(text); dense !== null; dense = DENSE_RUN.exec(text)) {
    const offset = dense.index;
    const denseEnd = indexFrom(DENSE_END, text, offset + dense[0].length);
    // These runs end inside the stretch, and the character before it belongs to none of their classes.
    const stretch = text.slice(offset, denseEnd);
    CLASS_RUN.lastIndex = 0;
    for (let match = CLASS_RUN.exec(stretch); match !== null; match = CLASS_RUN.exec(stretch)) {
      const endPattern = match[1] !== undefined ? LETTERS_END : match[2] !== undefined ? SYMBOLS_END : BREAKS_END;
      const end = indexFrom(endPattern, stretch, match.index + match[0].length);
      runs.push([offset + match.index, offset + end]);
      CLASS_RUN.lastIndex = end;
    }
    DENSE_RUN.lastIndex = denseEnd;
  }
  runs.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last !== undefined && run[0] <= last[1]) last[1] = Math.max(last[1], run[1]);
    else merged.push(run);
  }
  return merged;
}

/**
 * Calls `each` with every stretch of text that holds no long run, and with every chunk of a long run, in
 * order; the pieces concatenate to `text`.
 */
function forEachPiece(text: string, each: (piece: string) => void): void {
  if (text.length < LONG_RUN) {
    each(text);
    return;
  }
  let position = 0;
  for (const [runStart, runEnd] of longRuns(text)) {
    if (runStart > position) each(text.slice(position, runStart));
    for (let start = runStart; start < runEnd; ) {
      let end = Math.min(start + LONG_RUN, runEnd);
      // Never cut between the two halves of a surrogate pair.
      if (end < runEnd && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
      each(text.slice(start, end));
      start = end;
    }
    position = runEnd;
  }
  if (position < text.length) each(position === 0 ? text : text.slice(position));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * The pieces encodeText and countTextTokens hand to gpt-tokenizer one by one, in order; they concatenate
 * to `text`. Exposed so tests and the bench can check that no piece holds a long pre-token.
 */
export function encodingPieces(text: string): string[] {
  const pieces: string[] = [];
  forEachPiece(text, (piece) => pieces.push(piece));
  return pieces;
}

/** The o200k token ids of `text`, in time linear in its length (see above); they decode to exactly `text`. */
export function encodeText(text: string): number[] {
  const enc = loadEncoding();
  let tokens: number[] | undefined;
  const add = (piece: string): void => {
    const encoded = enc.encode(piece, ENCODE_OPTIONS);
    if (tokens === undefined) tokens = encoded;
    else for (const token of encoded) tokens.push(token);
  };
  forEachPiece(text, add);
  return tokens ?? [];
}

/** The number of tokens `encodeText(text)` returns, without building the array. */
export function countTextTokens(text: string): number {
  if (text === '') return 0;
  const enc = loadEncoding();
  let count = 0;
  const add = (piece: string): void => {
    count += enc.countTokens(piece, ENCODE_OPTIONS);
  };
  forEachPiece(text, add);
  return count;
}

/** Token id → its text (a string) or its raw bytes (an array) for tokens that are not valid UTF-8 alone. */
export function tokenRanks(): ReadonlyArray<string | readonly number[]> {
  ranks ??= (requireCjs('gpt-tokenizer/bpeRanks/o200k_base') as { default: Array<string | number[]> }).default;
  return ranks;
}
