import { describe, expect, it } from 'vitest';
import {
  buildRarityTable,
  DIFFICULTY_DIMS,
  DIFFICULTY_FEATURES,
  difficultyFeatures,
  fitRidge,
  predictDifficulty,
  windowWords,
  wordRarity,
} from '../../src/routing/learned/difficulty.js';

describe('difficulty features', () => {
  it('splits the window into lower-cased words (letters, digits, _ and apostrophes)', () => {
    expect(windowWords("Don't STOP: x_1 + 42, ok?")).toEqual(["don't", 'stop', 'x_1', '42', 'ok']);
  });

  it('word rarity is log((docs + 1) / (df + 1)), counting a word once per document', () => {
    const table = buildRarityTable(['the cat the cat', 'the dog', 'a bird']);
    expect(table.docs).toBe(3);
    expect(wordRarity(table, 'the')).toBeCloseTo(Math.log(4 / 3), 12); // in 2 documents
    expect(wordRarity(table, 'cat')).toBeCloseTo(Math.log(4 / 2), 12); // in 1 document, twice
    expect(wordRarity(table, 'zebra')).toBeCloseTo(Math.log(4 / 1), 12); // never seen
  });

  it('computes the named features of a small prompt by hand', () => {
    const table = buildRarityTable(['which is not red', 'which is blue']);
    const text = 'Which is NOT red?\nA) apple\nB) sky';
    const f = difficultyFeatures(text, table);
    expect(f).toHaveLength(DIFFICULTY_DIMS);
    const at = (name: (typeof DIFFICULTY_FEATURES)[number]) => f[DIFFICULTY_FEATURES.indexOf(name)];
    // words: which is not red a apple b sky (8); rarities: which, is → log(3/3) = 0; not, red → log(3/2); a, apple, b, sky → log 3
    const r1 = Math.log(3 / 2);
    const r2 = Math.log(3);
    expect(at('log_chars')).toBeCloseTo(Math.log1p(text.length) / 8, 12);
    expect(at('log_words')).toBeCloseTo(Math.log1p(8) / 6, 12);
    expect(at('mean_word_length')).toBeCloseTo((5 + 2 + 3 + 3 + 1 + 5 + 1 + 3) / 8 / 8, 12);
    expect(at('mean_rarity')).toBeCloseTo((2 * r1 + 4 * r2) / 8 / 8, 6);
    expect(at('max_rarity')).toBeCloseTo(r2 / 8, 6);
    expect(at('top3_rarity')).toBeCloseTo(r2 / 8, 6);
    expect(at('long_word_ratio')).toBe(0);
    expect(at('numbers')).toBe(0);
    expect(at('sentences')).toBeCloseTo(0.1, 12); // the "?" followed by a newline
    expect(at('choice_length_mean')).toBeCloseTo(Math.log1p((8 + 6) / 2) / 5, 12);
    expect(at('choice_length_max')).toBeCloseTo(Math.log1p(8) / 5, 12);
    expect(at('negation')).toBe(1);
    expect(at('explain_cue')).toBe(0);
    expect(at('rare_word_ratio')).toBe(0);
  });
});

describe('fitRidge', () => {
  it('recovers an exact line with no penalty', () => {
    const x = [[0], [1], [2], [3]];
    const [b, w] = fitRidge(x, [1, 3, 5, 7], 0);
    expect(b).toBeCloseTo(1, 9);
    expect(w).toBeCloseTo(2, 9);
  });

  it('shrinks the slope, not the intercept: centred x = ±1, y = 0 / 2, lambda 2 → b = 1, w = Σxy / (Σx² + λ) = 0.5', () => {
    const [b, w] = fitRidge([[-1], [1]], [0, 2], 2);
    expect(b).toBeCloseTo(1, 12);
    expect(w).toBeCloseTo(0.5, 12);
  });

  it('solves two features at once and leaves a constant feature at 0 without a penalty', () => {
    // y = 0.5 + 1·x1 − 2·x2; x3 constant 0
    const x = [
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
      [2, 1, 0],
    ];
    const y = x.map(([a, c]) => 0.5 + a - 2 * c);
    const coefficients = fitRidge(x, y, 0);
    expect(coefficients[0]).toBeCloseTo(0.5, 9);
    expect(coefficients[1]).toBeCloseTo(1, 9);
    expect(coefficients[2]).toBeCloseTo(-2, 9);
    expect(coefficients[3]).toBe(0);
  });

  it('predictDifficulty is the linear prediction clamped to [0, 1]', () => {
    expect(predictDifficulty([0.1, 0.5], [0.6])).toBeCloseTo(0.4, 12);
    expect(predictDifficulty([0.9, 1], [1])).toBe(1);
    expect(predictDifficulty([-0.5, 0.1], [1])).toBe(0);
  });
});
