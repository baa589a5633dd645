/**
 * The learned router's prompt representation: hashed word and character n-grams plus a few cheap
 * structural features, computed by this file alone (no model to download, nothing loaded at start).
 *
 * Cost is bounded whatever the prompt's size: only a fixed prefix and suffix of the text are read
 * (`WINDOW_HEAD` + `WINDOW_TAIL` characters), so a 5 MB prompt costs what a 4 KB one does, and two
 * prompts that differ only in their middle get the same features.
 *
 * The vector has `HASH_DIMS` hashed dimensions (signed feature hashing, log-scaled counts, L2
 * normalised) followed by `STRUCT_DIMS` structural features in [0, 1]. A second, tiny hashed
 * "sketch" of the same n-grams (`SKETCH_DIMS`) is what prompts are clustered on.
 */
import { fmix32 } from '../hash32.js';

/** Characters read from the start of a long prompt. */
export const WINDOW_HEAD = 2048;
/** Characters read from the end of a long prompt (the question usually comes last). */
export const WINDOW_TAIL = 2048;
/** log2 of the hashed dimensions. */
export const HASH_BITS = 14;
export const HASH_DIMS = 1 << HASH_BITS;
/** Dimensions of the clustering sketch. */
export const SKETCH_DIMS = 64;

/** Names of the structural features, in vector order (after the hashed block). */
export const STRUCT_FEATURES = [
  'bias',
  'log_chars',
  'log_words',
  'digit_ratio',
  'math_ratio',
  'upper_ratio',
  'punct_ratio',
  'newline_ratio',
  'code_markers',
  'question_marks',
  'multiple_choice',
  'choice_count',
  'tools',
  'fill_blank',
  'long_words',
  'imperative_write',
] as const;
export const STRUCT_DIMS = STRUCT_FEATURES.length;
/** Total length of a feature vector. */
export const FEATURE_DIMS = HASH_DIMS + STRUCT_DIMS;

/** A sparse feature vector: parallel index and value arrays (indices unique, unsorted). */
export interface SparseVector {
  readonly index: Int32Array;
  readonly value: Float32Array;
}

export interface PromptFeatures {
  /** Hashed n-grams and structural features, over FEATURE_DIMS. */
  readonly vector: SparseVector;
  /** L2-normalised dense sketch for clustering (SKETCH_DIMS). */
  readonly sketch: Float32Array;
}

/** The part of `text` the analyzer reads: all of it up to HEAD + TAIL characters, else its head and tail. */
export function promptWindow(text: string): string {
  if (text.length <= WINDOW_HEAD + WINDOW_TAIL) return text;
  return `${text.slice(0, WINDOW_HEAD)}\n${text.slice(text.length - WINDOW_TAIL)}`;
}

const SEED_WORD = 0x5bd1e995;
const SEED_BIGRAM = 0x27d4eb2f;
const SEED_CHAR = 0x165667b1;
const WEIGHT_WORD = 1;
const WEIGHT_BIGRAM = 0.7;
const WEIGHT_CHAR = 0.35;

/** Scratch buffers reused by every call (the analyzer is synchronous): no allocation per n-gram. */
const scratch = new Float64Array(HASH_DIMS);
const touched = new Int32Array(HASH_DIMS);

const CODE_MARKERS =
  /```|\bdef \w+\(|\bfunction\b|\breturn\b|=>|\bconst \w+|\bimport \w+|#include|\bclass \w+|\bpublic \w+|[{};]\s*$|^\s{4}\S/gm;
const CHOICE_LINE = /^\s*\(?[A-Ea-e][).:]\s+\S/gm;
const WRITE_IMPERATIVE = /\b(write|implement|create|generate|complete|define)\b[^.\n]{0,40}\b(function|program|code|script|class|method|query|regex)\b/i;

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c > 127 && c !== 160 && c !== 0x2028 && c !== 0x2029 && c !== 0x3000);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 || c === 160;
}

/**
 * Computes the representation of a prompt (its window only). `tools` is a hint from the request.
 * n-grams are hashed straight from character codes: lower-cased words (runs of letters, digits and
 * `_`; any other non-space character is a word of its own), word bigrams, and character 4-grams of
 * the text with whitespace runs collapsed to one space.
 */
export function extractFeatures(text: string, hints?: { tools?: boolean }): PromptFeatures {
  const window = promptWindow(text);
  const lower = window.toLowerCase();
  const sketch = new Float32Array(SKETCH_DIMS);
  let touchedCount = 0;
  const add = (h: number, weight: number) => {
    const idx = h & (HASH_DIMS - 1);
    if (scratch[idx] === 0) touched[touchedCount++] = idx;
    const w = h & 0x80000000 ? -weight : weight;
    scratch[idx] += w === 0 ? 0 : w;
    if (scratch[idx] === 0) scratch[idx] = Number.MIN_VALUE; // stays "touched"
    sketch[(h >>> HASH_BITS) % SKETCH_DIMS] += h & 0x40000000 ? -weight : weight;
  };

  // one pass: words, bigrams, char 4-grams, character classes
  let words = 0;
  let longWords = 0;
  let prevWord = 0x811c9dc5; // sentence start
  let wordHash = 0;
  let wordLength = 0;
  let c0 = 32;
  let c1 = 32;
  let c2 = 32;
  let lastWasSpace = true;
  let grams = 0;
  let digits = 0;
  let upper = 0;
  let punct = 0;
  let newlines = 0;
  let math = 0;
  let questions = 0;
  const endWord = () => {
    if (wordLength === 0) return;
    add(fmix32(wordHash ^ SEED_WORD), WEIGHT_WORD);
    add(fmix32(Math.imul(prevWord, 0x2c1b3c6d) ^ wordHash ^ SEED_BIGRAM), WEIGHT_BIGRAM);
    prevWord = wordHash;
    words += 1;
    if (wordLength >= 9) longWords += 1;
    wordLength = 0;
  };
  const n = lower.length;
  for (let i = 0; i <= n; i += 1) {
    // i === n: a final space closes the last word and 4-gram
    const c = i < n ? lower.charCodeAt(i) : 32;
    if (i < n) {
      const o = window.charCodeAt(i);
      if (o >= 48 && o <= 57) digits += 1;
      else if (o >= 65 && o <= 90) upper += 1;
      else if (o === 10) newlines += 1;
      else if ((o >= 33 && o <= 47) || (o >= 58 && o <= 64) || (o >= 91 && o <= 96) || (o >= 123 && o <= 126)) punct += 1;
      if (o === 61 || o === 43 || o === 45 || o === 42 || o === 47 || o === 94 || o === 60 || o === 62 || o === 37 || o === 36 || o === 92) math += 1;
      if (o === 63) questions += 1;
    }
    const space = isSpace(c);
    if (isWordChar(c)) {
      if (wordLength === 0) wordHash = 0x811c9dc5;
      wordHash = Math.imul(wordHash ^ c, 0x01000193) >>> 0;
      wordLength += 1;
    } else {
      endWord();
      if (!space) {
        wordHash = Math.imul(0x811c9dc5 ^ c, 0x01000193) >>> 0;
        wordLength = 1;
        endWord();
      }
    }
    // character 4-grams over the whitespace-collapsed text
    if (space && lastWasSpace) continue;
    const c3 = space ? 32 : c;
    lastWasSpace = space;
    grams += 1;
    if (grams >= 3) {
      let h = (0x811c9dc5 ^ SEED_CHAR) >>> 0;
      h = Math.imul(h ^ c0, 0x01000193);
      h = Math.imul(h ^ c1, 0x01000193);
      h = Math.imul(h ^ c2, 0x01000193);
      h = Math.imul(h ^ c3, 0x01000193);
      add(fmix32(h), WEIGHT_CHAR);
    }
    c0 = c1;
    c1 = c2;
    c2 = c3;
  }
  add(fmix32(Math.imul(prevWord, 0x2c1b3c6d) ^ 0x2f73 ^ SEED_BIGRAM), WEIGHT_BIGRAM); // sentence end

  // log-scaled, L2-normalised hashed block (sorted indices: the order of the vector never depends on hashing order)
  const sorted = touched.subarray(0, touchedCount).sort();
  const index = new Int32Array(touchedCount + STRUCT_DIMS);
  const value = new Float32Array(touchedCount + STRUCT_DIMS);
  let count = 0;
  let norm = 0;
  for (let k = 0; k < touchedCount; k += 1) {
    const idx = sorted[k];
    const raw = scratch[idx];
    scratch[idx] = 0;
    if (Math.abs(raw) < 1e-9) continue;
    const v = Math.sign(raw) * Math.log1p(Math.abs(raw));
    index[count] = idx;
    value[count] = v;
    norm += v * v;
    count += 1;
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < count; k += 1) value[k] /= norm;

  // structural features, each squashed into [0, 1]
  const len = Math.max(window.length, 1);
  const code = window.match(CODE_MARKERS)?.length ?? 0;
  const choices = window.match(CHOICE_LINE)?.length ?? 0;
  const struct = [
    1,
    Math.min(Math.log1p(text.length) / 10, 1),
    Math.min(Math.log1p(words) / 8, 1),
    Math.min((digits / len) * 5, 1),
    Math.min((math / len) * 10, 1),
    Math.min((upper / len) * 5, 1),
    Math.min((punct / len) * 5, 1),
    Math.min((newlines / len) * 20, 1),
    Math.min(code / 5, 1),
    Math.min(questions / 3, 1),
    choices >= 2 ? 1 : 0,
    Math.min(choices / 5, 1),
    hints?.tools ? 1 : 0,
    /\b_\b|_{2,}/.test(window) ? 1 : 0,
    Math.min((longWords / Math.max(words, 1)) * 5, 1),
    WRITE_IMPERATIVE.test(window) ? 1 : 0,
  ];
  for (let i = 0; i < STRUCT_DIMS; i += 1) {
    if (struct[i] === 0) continue;
    index[count] = HASH_DIMS + i;
    value[count] = struct[i];
    count += 1;
  }

  let sketchNorm = 0;
  for (let i = 0; i < SKETCH_DIMS; i += 1) {
    const v = Math.sign(sketch[i]) * Math.log1p(Math.abs(sketch[i]));
    sketch[i] = v;
    sketchNorm += v * v;
  }
  sketchNorm = Math.sqrt(sketchNorm) || 1;
  for (let i = 0; i < SKETCH_DIMS; i += 1) sketch[i] /= sketchNorm;

  return { vector: { index: index.slice(0, count), value: value.slice(0, count) }, sketch };
}

/** w · x for a sparse x over a dense weight row starting at `offset`. */
export function sparseDot(weights: ArrayLike<number>, x: SparseVector, offset = 0): number {
  let sum = 0;
  const { index, value } = x;
  for (let i = 0; i < index.length; i += 1) sum += weights[offset + index[i]] * value[i];
  return sum;
}
