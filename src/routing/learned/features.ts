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

/** 32-bit FNV-1a of a string, with a seed folded in. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // final avalanche (murmur3 fmix32) so low bits are usable as an index
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const WORD = /[a-z0-9_]+|[^\sa-z0-9_]/g;
const CODE_MARKERS =
  /```|\bdef \w+\(|\bfunction\b|\breturn\b|=>|\bconst \w+|\bimport \w+|#include|\bclass \w+|\bpublic \w+|[{};]\s*$|^\s{4}\S/gm;
const CHOICE_LINE = /^\s*\(?[A-Ea-e][).:]\s+\S/gm;
const MATH_CHARS = /[=+\-*/^<>%$\\]/g;
const WRITE_IMPERATIVE = /\b(write|implement|create|generate|complete|define)\b[^.\n]{0,40}\b(function|program|code|script|class|method|query|regex)\b/i;

/** Computes the representation of a prompt (its window only). `tools` is a hint from the request. */
export function extractFeatures(text: string, hints?: { tools?: boolean }): PromptFeatures {
  const window = promptWindow(text);
  const lower = window.toLowerCase();
  const counts = new Map<number, number>();
  const sketch = new Float32Array(SKETCH_DIMS);
  const add = (gram: string, weight: number) => {
    const h = hashString(gram);
    const signed = h & 0x80000000 ? -weight : weight;
    const idx = h & (HASH_DIMS - 1);
    counts.set(idx, (counts.get(idx) ?? 0) + signed);
    const s = (h >>> HASH_BITS) % SKETCH_DIMS;
    sketch[s] += h & 0x40000000 ? -weight : weight;
  };

  // words and word bigrams
  const words = lower.match(WORD) ?? [];
  let longWords = 0;
  let prev = '<s>';
  for (const word of words) {
    add(`w:${word}`, 1);
    add(`b:${prev} ${word}`, 0.7);
    if (word.length >= 9) longWords += 1;
    prev = word;
  }
  add(`b:${prev} </s>`, 0.7);
  // character 4-grams over whitespace-collapsed text
  const squeezed = ` ${lower.replace(/\s+/g, ' ')} `;
  for (let i = 0; i + 4 <= squeezed.length; i += 1) add(`c:${squeezed.slice(i, i + 4)}`, 0.35);

  // log-scaled, L2-normalised hashed block
  const index: number[] = [];
  const value: number[] = [];
  let norm = 0;
  for (const [idx, raw] of counts) {
    if (raw === 0) continue;
    const v = Math.sign(raw) * Math.log1p(Math.abs(raw));
    index.push(idx);
    value.push(v);
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < value.length; i += 1) value[i] /= norm;

  // structural features, each squashed into [0, 1]
  const n = Math.max(window.length, 1);
  let digits = 0;
  let upper = 0;
  let punct = 0;
  let newlines = 0;
  for (let i = 0; i < window.length; i += 1) {
    const c = window.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += 1;
    else if (c >= 65 && c <= 90) upper += 1;
    else if (c === 10) newlines += 1;
    else if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) punct += 1;
  }
  const math = (window.match(MATH_CHARS) ?? []).length;
  const code = (window.match(CODE_MARKERS) ?? []).length;
  const questions = (window.match(/\?/g) ?? []).length;
  const choices = (window.match(CHOICE_LINE) ?? []).length;
  const struct = [
    1,
    Math.min(Math.log1p(text.length) / 10, 1),
    Math.min(Math.log1p(words.length) / 8, 1),
    Math.min((digits / n) * 5, 1),
    Math.min((math / n) * 10, 1),
    Math.min((upper / n) * 5, 1),
    Math.min((punct / n) * 5, 1),
    Math.min((newlines / n) * 20, 1),
    Math.min(code / 5, 1),
    Math.min(questions / 3, 1),
    choices >= 2 ? 1 : 0,
    Math.min(choices / 5, 1),
    hints?.tools ? 1 : 0,
    /\b_\b|_{2,}/.test(window) ? 1 : 0,
    Math.min((longWords / Math.max(words.length, 1)) * 5, 1),
    WRITE_IMPERATIVE.test(window) ? 1 : 0,
  ];
  for (let i = 0; i < STRUCT_DIMS; i += 1) {
    if (struct[i] === 0) continue;
    index.push(HASH_DIMS + i);
    value.push(struct[i]);
  }

  let sketchNorm = 0;
  for (let i = 0; i < SKETCH_DIMS; i += 1) {
    const v = Math.sign(sketch[i]) * Math.log1p(Math.abs(sketch[i]));
    sketch[i] = v;
    sketchNorm += v * v;
  }
  sketchNorm = Math.sqrt(sketchNorm) || 1;
  for (let i = 0; i < SKETCH_DIMS; i += 1) sketch[i] /= sketchNorm;

  return { vector: { index: Int32Array.from(index), value: Float32Array.from(value) }, sketch };
}

/** w · x for a sparse x over a dense weight row starting at `offset`. */
export function sparseDot(weights: ArrayLike<number>, x: SparseVector, offset = 0): number {
  let sum = 0;
  const { index, value } = x;
  for (let i = 0; i < index.length; i += 1) sum += weights[offset + index[i]] * value[i];
  return sum;
}
