/**
 * The analyzer's difficulty estimate: a ridge regression over a few dense, task-independent features
 * of the prompt, trained on the soft target 1 − (mean score of every model of a training row).
 *
 * Why dense features and not the hashed n-grams: on cross-validation and leave-one-task-out over the
 * train splits, the n-gram regression mostly learned which benchmark a prompt comes from and did not
 * order the prompts of an unseen benchmark (ARC held out: rank correlation with the true difficulty
 * ≈ 0.08); these features — length, word rarity, numbers, answer-choice length, a few cue words — do
 * transfer (≈ 0.16 on ARC held out, ≈ 0.2 on MBPP held out). Word rarity comes from a document-frequency
 * table of the training prompts' words, hashed into RARITY_BUCKETS (a word never seen counts as rarest).
 *
 * Cost: one pass over the prompt window (features.ts's promptWindow: a bounded prefix and suffix) and
 * two short regular expressions.
 */
import { promptWindow } from './features.js';
import { fmix32 } from '../hash32.js';

/** Names of the dense features, in vector order. */
export const DIFFICULTY_FEATURES = [
  'log_chars',
  'log_words',
  'mean_word_length',
  'mean_rarity',
  'max_rarity',
  'top3_rarity',
  'long_word_ratio',
  'numbers',
  'sentences',
  'choice_length_mean',
  'choice_length_max',
  'negation',
  'explain_cue',
  'rare_word_ratio',
] as const;
export const DIFFICULTY_DIMS = DIFFICULTY_FEATURES.length;

/** log2 of the word-rarity table's buckets. */
export const RARITY_BITS = 15;
export const RARITY_BUCKETS = 1 << RARITY_BITS;
const RARITY_SEED = 0x3c6ef372;
/** A word at least this rare (log inverse document frequency) counts towards rare_word_ratio. */
const RARE = 6;
/** Scale of the rarity features (about log of the number of training prompts). */
const RARITY_SCALE = 8;

/** Document frequencies of words over the training prompts, hashed into buckets. */
export interface RarityTable {
  /** Number of documents counted. */
  readonly docs: number;
  /** RARITY_BUCKETS counts. */
  readonly df: ArrayLike<number>;
}

const CHOICE_LINE = /^\s*\(?[A-Ea-e][).:]\s+.*$/gm;
const NEGATION = /\b(?:not|except|least|false|incorrect)\b/i;
const EXPLAIN = /\b(?:best|most likely|explain|because|why)\b/i;

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 39 || (c > 127 && c !== 160 && c !== 0x2028 && c !== 0x2029 && c !== 0x3000);
}

/**
 * Calls `visit` for each lower-cased word of the prompt window (runs of letters, digits, `_` and `'`)
 * with its rarity-table bucket, its length and whether it starts with a digit. One pass over character
 * codes, no string per word: the bucket is FNV-1a (seeded) of the word's lower-cased characters, then fmix32.
 */
function scanWords(text: string, visit: (bucket: number, length: number, numeric: boolean) => void): void {
  const lower = promptWindow(text).toLowerCase();
  let h = 0;
  let length = 0;
  let numeric = false;
  for (let i = 0; i <= lower.length; i += 1) {
    const c = i < lower.length ? lower.charCodeAt(i) : 32;
    if (isWordChar(c)) {
      if (length === 0) {
        h = (0x811c9dc5 ^ RARITY_SEED) >>> 0;
        numeric = c >= 48 && c <= 57;
      }
      h = Math.imul(h ^ c, 0x01000193);
      length += 1;
    } else if (length > 0) {
      visit(fmix32(h) & (RARITY_BUCKETS - 1), length, numeric);
      length = 0;
    }
  }
}

/** The lower-cased words of the prompt window (runs of letters, digits, `_` and `'`). */
export function windowWords(text: string): string[] {
  const lower = promptWindow(text).toLowerCase();
  return lower.match(/[a-z0-9_'\u0080-\u009f\u00a1-\u2027\u202a-\u2fff\u3001-\uffff]+/g) ?? [];
}

/** Counts, per hashed word, the training prompts it appears in. */
export function buildRarityTable(texts: Iterable<string>): RarityTable {
  const df = new Float64Array(RARITY_BUCKETS);
  let docs = 0;
  for (const text of texts) {
    docs += 1;
    const seen = new Set<number>();
    scanWords(text, (b) => seen.add(b));
    for (const b of seen) df[b] += 1;
  }
  return { docs, df };
}

/** log((docs + 1) / (df + 1)): 0 for a word in every prompt, about log(docs) for one never seen. */
export function wordRarity(table: RarityTable, word: string): number {
  let bucket = 0;
  scanWords(word, (b) => (bucket = b));
  return Math.log((table.docs + 1) / (table.df[bucket] + 1));
}

/** The dense difficulty features of a prompt (reads its window only; `text.length` gives log_chars). */
export function difficultyFeatures(text: string, table: RarityTable): number[] {
  const window = promptWindow(text);
  let words = 0;
  let letters = 0;
  let rarity = 0;
  let longWords = 0;
  let rare = 0;
  let numbers = 0;
  let top0 = 0;
  let top1 = 0;
  let top2 = 0;
  const logDocs = Math.log(table.docs + 1);
  scanWords(text, (bucket, length, numeric) => {
    words += 1;
    letters += length;
    if (length >= 9) longWords += 1;
    if (numeric) numbers += 1;
    const r = logDocs - Math.log(table.df[bucket] + 1);
    rarity += r;
    if (r > RARE) rare += 1;
    if (r > top2) {
      if (r > top0) [top0, top1, top2] = [r, top0, top1];
      else if (r > top1) [top1, top2] = [r, top1];
      else top2 = r;
    }
  });
  const n = Math.max(words, 1);
  const sentences = window.match(/[.!?](?:\s|$)/g)?.length ?? 0;
  let choices = 0;
  let choiceSum = 0;
  let choiceMax = 0;
  for (const line of window.match(CHOICE_LINE) ?? []) {
    choices += 1;
    choiceSum += line.length;
    choiceMax = Math.max(choiceMax, line.length);
  }
  return [
    Math.log1p(text.length) / 8,
    Math.log1p(words) / 6,
    letters / n / 8,
    rarity / n / RARITY_SCALE,
    top0 / RARITY_SCALE,
    (top0 + top1 + top2) / 3 / RARITY_SCALE,
    (longWords / n) * 5,
    Math.min(numbers, 10) / 10,
    Math.min(sentences, 10) / 10,
    choices > 0 ? Math.log1p(choiceSum / choices) / 5 : 0,
    choices > 0 ? Math.log1p(choiceMax) / 5 : 0,
    NEGATION.test(window) ? 1 : 0,
    EXPLAIN.test(window) ? 1 : 0,
    (rare / n) * 3,
  ];
}

/**
 * Ridge regression with an unpenalised intercept, solved exactly (normal equations, Gauss–Jordan with
 * partial pivoting): minimises Σ (y − b − w·x)² + lambda·|w|². Returns [b, w…]. Deterministic.
 */
export function fitRidge(x: readonly (readonly number[])[], y: readonly number[], lambda: number): number[] {
  if (x.length === 0) throw new Error('fitRidge: no rows');
  const p = x[0].length + 1;
  const a = Array.from({ length: p }, () => new Float64Array(p + 1)); // augmented [A | b]
  const row = new Float64Array(p);
  for (let i = 0; i < x.length; i += 1) {
    row[0] = 1;
    for (let j = 1; j < p; j += 1) row[j] = x[i][j - 1];
    for (let r = 0; r < p; r += 1) {
      for (let c = 0; c < p; c += 1) a[r][c] += row[r] * row[c];
      a[r][p] += row[r] * y[i];
    }
  }
  for (let j = 1; j < p; j += 1) a[j][j] += lambda;
  for (let c = 0; c < p; c += 1) {
    let pivot = c;
    for (let r = c + 1; r < p; r += 1) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    [a[c], a[pivot]] = [a[pivot], a[c]];
    if (Math.abs(a[c][c]) < 1e-12) continue; // a constant column with lambda 0: leave its weight at 0
    for (let r = 0; r < p; r += 1) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      if (f === 0) continue;
      for (let k = c; k <= p; k += 1) a[r][k] -= f * a[c][k];
    }
  }
  return Array.from({ length: p }, (_, j) => (Math.abs(a[j][j]) < 1e-12 ? 0 : a[j][p] / a[j][j]));
}

/** Predicted difficulty in [0, 1] from ridge coefficients [b, w…] and the features. */
export function predictDifficulty(coefficients: readonly number[], features: readonly number[]): number {
  let d = coefficients[0];
  for (let i = 0; i < features.length; i += 1) d += coefficients[i + 1] * features[i];
  return Math.min(Math.max(d, 0), 1);
}
