import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { describe, expect, it } from 'vitest';
import { LONG_RUN, countTextTokens, encodeText, encodingPieces, tokenRanks } from '../../src/metering/tokenizer.js';

/**
 * Token estimation must cost time linear in the text. Before the fix, gpt-tokenizer got every run
 * without spaces as one pre-token and merged it in quadratic time (80 KB of "a" took ~35 s, 1 MB over
 * 10 minutes; 5 MB would take hours). The timed bound below is deliberately huge (a minute of CPU for
 * 5 MB, where the bounded encoder needs at most ~10 s) so it only catches a super-linear algorithm; it
 * is CPU time, which a busy machine does not inflate the way it does wall time, and the test timeout
 * is far above it. Linearity itself is checked without a clock, on the pieces handed to gpt-tokenizer.
 */
const FIVE_MB = 5 * 1024 * 1024;
const GENEROUS_CPU_MS = 60_000;
const TEST_TIMEOUT_MS = 600_000;
const NO_SPECIALS = { disallowedSpecial: new Set<string>() };
/**
 * The longest o200k pre-token any piece may hold: a space, a run of symbols shorter than LONG_RUN code
 * points (two UTF-16 units each at most) and a run of line breaks and slashes shorter than LONG_RUN.
 */
const MAX_PRETOKEN_UNITS = 3 * LONG_RUN + 1;

const exactTokens = (text: string): number[] => encode(text, NO_SPECIALS);

/** Deterministic pseudo-random text of `length` code points drawn from `alphabet`. */
function randomText(alphabet: string, length: number, seed = 12345): string {
  const symbols = [...alphabet];
  const parts: string[] = new Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    parts[i] = symbols[(state >>> 8) % symbols.length];
  }
  return parts.join('');
}

/** The result of `run` and the CPU time (user + system, milliseconds) the process spent on it. */
function cpuTimed<T>(run: () => T): { value: T; cpuMs: number } {
  const before = process.cpuUsage();
  const value = run();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000 };
}

function longestPretoken(piece: string): number {
  let longest = 0;
  for (const [match] of piece.matchAll(O200K_TOKEN_SPLIT_REGEX)) longest = Math.max(longest, match.length);
  return longest;
}

function decodeTokens(tokens: number[]): string {
  const ranks = tokenRanks();
  const utf8 = new TextEncoder();
  const chunks: Uint8Array[] = tokens.map((token) => {
    const entry = ranks[token];
    return typeof entry === 'string' ? utf8.encode(entry) : Uint8Array.from(entry);
  });
  return Buffer.concat(chunks).toString('utf8');
}

const BASE64ISH = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const CJK = '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事';
const EMOJI = '😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗😚😙🥲😋😛😜🤪😝🤑🤗🤭🤫🤔🤐🤨😐😑😶😏😒🙄😬';

/** Adversarial texts with no space at all, of `units` UTF-16 code units. */
const ADVERSARIAL: Array<[name: string, make: (units: number) => string]> = [
  ['one letter repeated ("aaaa…")', (units) => 'a'.repeat(units)],
  ['random lowercase letters (one pre-token, no merge-cache hits)', (units) => randomText(LOWERCASE, units)],
  ['random base64-ish characters', (units) => randomText(BASE64ISH, units)],
  ['one CJK character repeated', (units) => '中'.repeat(units)],
  ['one emoji repeated', (units) => '🦜'.repeat(units / 2)],
];

/** Smaller pathological shapes, one per pre-token class and across classes. */
const SHAPES: Array<[name: string, text: string]> = [
  ['spaces', ' '.repeat(300_000)],
  ['newlines after a word, then spaces', `word\n${'\n'.repeat(100_000)}${' '.repeat(200_000)}x`],
  ['tabs and spaces', ' \t'.repeat(150_000)],
  ['punctuation', '!'.repeat(300_000)],
  ['slash and newline alternating', '/\n'.repeat(150_000)],
  ['punctuation then newlines', `${'-'.repeat(150_000)}${'\n'.repeat(150_000)}`],
  ['random CJK', randomText(CJK, 200_000)],
  ['random emoji', randomText(EMOJI, 100_000)],
  ['letters with combining marks', 'e\u0301'.repeat(150_000)],
  ['uppercase then lowercase', `${'A'.repeat(150_000)}${'b'.repeat(150_000)}`],
  ['words of LONG_RUN - 1 letters', `${'q'.repeat(LONG_RUN - 1)} `.repeat(2000)],
  ['words of exactly LONG_RUN letters', `${'q'.repeat(LONG_RUN)} `.repeat(2000)],
  ['astral letters (two units each)', '𝒜'.repeat(150_000)],
  ['leading punctuation on a long word', ` (${'z'.repeat(100_000)}'s`],
];

describe('token estimation cost is bounded (issue 6, item A)', () => {
  for (const [name, make] of ADVERSARIAL) {
    it(
      `estimates 5 MB of ${name} well within a generous bound, with a plausible count`,
      () => {
        const text = make(FIVE_MB);
        const { value: count, cpuMs } = cpuTimed(() => countTextTokens(text));
        expect(cpuMs).toBeLessThan(GENEROUS_CPU_MS);
        // Plausible: at most 8 characters per token here, and never more tokens than UTF-8 bytes.
        expect(count).toBeGreaterThanOrEqual(text.length / 8);
        expect(count).toBeLessThanOrEqual(Buffer.byteLength(text, 'utf8'));
        // Near the exact count of the same material at a length the unbounded tokenizer handles quickly.
        const sample = text.slice(0, 8192);
        const expected = (exactTokens(sample).length * text.length) / sample.length;
        expect(Math.abs(count - expected) / expected).toBeLessThan(0.05);
      },
      TEST_TIMEOUT_MS,
    );
  }

  it(
    'hands gpt-tokenizer no long pre-token, so the work per character is bounded (checked without a clock)',
    () => {
      const texts: Array<[string, string]> = [...SHAPES, ...ADVERSARIAL.map(([name, make]): [string, string] => [name, make(1_000_000)])];
      for (const [name, text] of texts) {
        const pieces = encodingPieces(text);
        expect(pieces.join(''), name).toBe(text);
        const longest = Math.max(...pieces.map(longestPretoken));
        expect(longest, name).toBeLessThanOrEqual(MAX_PRETOKEN_UNITS);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps token ids that decode to exactly the text, and count equal to the number of ids',
    () => {
      for (const [name, text] of SHAPES) {
        const sample = text.slice(0, 20_000);
        const tokens = encodeText(sample);
        expect(decodeTokens(tokens), name).toBe(sample);
        expect(countTextTokens(sample), name).toBe(tokens.length);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it('stays close to the unbounded count on long runs of moderate length', () => {
    for (const [name, text] of SHAPES) {
      const sample = text.slice(0, 6000);
      const exact = exactTokens(sample).length;
      const bounded = countTextTokens(sample);
      // At most a token or two per LONG_RUN chunk.
      expect(Math.abs(bounded - exact), name).toBeLessThanOrEqual(2 * Math.ceil(sample.length / LONG_RUN) + 2);
    }
  }, TEST_TIMEOUT_MS);
});

/**
 * Ordinary prose and code: the repository's own sources and docs, and generated multilingual text.
 * Lines of LONG_RUN characters or more are left out of the repository's files: only they can hold a
 * run the bounded tokenizer splits (a wide Markdown table rule, say), where it is approximate by
 * design; without this, any new file with such a line would break the test.
 */
function ordinaryTexts(): Array<[string, string]> {
  const root = join(import.meta.dirname, '..', '..');
  const ordinary = (text: string) => text.split('\n').filter((line) => line.length < LONG_RUN).join('\n');
  const texts: Array<[string, string]> = [['README.md', ordinary(readFileSync(join(root, 'README.md'), 'utf8'))]];
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.ts')) {
      try {
        texts.push([entry, ordinary(readFileSync(join(root, 'src', entry), 'utf8'))]);
      } catch {
        // A file removed while the tree is being edited: skip it.
      }
    }
  }
  const url = `https://example.com/api/v2/resources/${'segment-'.repeat(20)}item?query=${'value'.repeat(10)}&page=2#anchor`;
  const base64 = randomText(BASE64ISH, 4096, 7);
  const json = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item_${i}`, tags: ['alpha', 'beta'], ok: i % 2 === 0 })));
  const multilingual = [
    'The quick brown fox jumps over the lazy dog. Numbers like 1234567 and 3.14159 appear, as do "quotes" and (parentheses).',
    'Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen ist ein sehr langes deutsches Wort.',
    '大型语言模型网关负责路由请求、计量令牌并将请求转换为各个提供商的格式。它还需要估算令牌数量，以便在请求之前进行计费检查。',
    '日本語のテキストも正しく数えられる必要があります。カタカナとひらがな、そして漢字が混ざっています。',
    'Привет, мир! Это пример текста на русском языке для проверки токенизатора.',
    'مرحبا بالعالم، هذا نص تجريبي باللغة العربية.',
    'ภาษาไทยไม่มีการเว้นวรรคระหว่างคำแต่เว้นวรรคระหว่างประโยค นี่คือประโยคที่สอง',
    'Emoji 🦜 parrot, family 👩‍👩‍👧, flags 🇫🇷🇯🇵, and <|endoftext|> literal text.',
    `${'-'.repeat(100)}\n${'='.repeat(120)}\n${'#'.repeat(LONG_RUN - 1)}`,
    `\tindented\n${' '.repeat(96)}deeply indented line\n\n\n  trailing spaces   \n`,
    url,
    base64,
    json,
  ].join('\n\n');
  texts.push(['multilingual and code-like text', multilingual.repeat(20)]);
  return texts;
}

describe('ordinary text tokenizes exactly as before', () => {
  it('gives the same token ids and counts as the unbounded tokenizer on prose, code and JSON', () => {
    const texts = ordinaryTexts();
    expect(texts.length).toBeGreaterThan(20);
    for (const [name, text] of texts) {
      const exact = exactTokens(text);
      expect(encodeText(text), name).toEqual(exact);
      expect(countTextTokens(text), name).toBe(exact.length);
    }
  }, TEST_TIMEOUT_MS);

  it('counts short and empty strings as before', () => {
    for (const text of ['', 'a', 'hello world', ' ', '\n\n', '🦜', '<|endoftext|>', 'x'.repeat(LONG_RUN - 1)]) {
      expect(countTextTokens(text)).toBe(exactTokens(text).length);
      expect(encodeText(text)).toEqual(exactTokens(text));
    }
  });
});
