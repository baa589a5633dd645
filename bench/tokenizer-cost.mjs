#!/usr/bin/env node
/**
 * Token-estimate cost per KB: `npm run bench:tokenizer` (builds, then runs this script), or
 * `node bench/tokenizer-cost.mjs` after `npm run build`.
 *
 * Times countTextTokens from dist/metering/tokenizer.js (the estimate behind count_tokens, the usage of
 * cut streams and the simulated models) on ordinary text and on adversarial runs without spaces, at
 * 1 KB, 10 KB, 100 KB and 1 MB of UTF-8, and prints microseconds of CPU per KB (the median of a few
 * repetitions; CPU rather than wall time because the machine may be shared). gpt-tokenizer's merge
 * cache is cleared before every repetition, so repeated material is not counted from cache.
 *
 * Flags:
 *   --baseline          also time gpt-tokenizer called directly (the unbounded estimate before issue 6),
 *                       up to --baseline-max bytes for the adversarial inputs (it is quadratic there)
 *   --baseline-max=N    largest adversarial size for --baseline, in bytes (default 10240)
 *   --sizes=a,b,...     sizes in bytes (default 1024,10240,102400,1048576)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const root = dirname(dirname(new URL(import.meta.url).pathname));
const built = join(root, 'dist/metering/tokenizer.js');
if (!existsSync(built)) {
  console.error(`${built} is missing: run \`npm run build\` first (or \`npm run bench:tokenizer\`).`);
  process.exit(1);
}
const { countTextTokens, LONG_RUN } = await import(built);
const requireCjs = createRequire(join(root, 'dist/metering/tokenizer.js'));
// The same module instance dist/metering/tokenizer.js loads (Node's require cache).
const o200k = requireCjs('gpt-tokenizer/encoding/o200k_base');
const NO_SPECIALS = { disallowedSpecial: new Set() };

const { values: flags } = parseArgs({
  options: {
    baseline: { type: 'boolean', default: false },
    'baseline-max': { type: 'string', default: '10240' },
    sizes: { type: 'string', default: '1024,10240,102400,1048576' },
  },
});
const sizes = flags.sizes.split(',').map(Number);
const baselineMax = Number(flags['baseline-max']);

function randomText(alphabet, count, seed = 12345) {
  const symbols = [...alphabet];
  const parts = new Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    parts[i] = symbols[(state >>> 8) % symbols.length];
  }
  return parts.join('');
}

/** The longest prefix of `text` (repeated as needed) of at most `bytes` UTF-8 bytes, not cutting a character. */
function ofBytes(text, bytes) {
  let source = text;
  while (Buffer.byteLength(source, 'utf8') < bytes) source += text;
  const buffer = Buffer.from(source, 'utf8').subarray(0, bytes);
  return new TextDecoder('utf-8').decode(buffer).replace(/\uFFFD+$/u, '');
}

function sourceFiles(dir) {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => entry.endsWith('.ts'))
    .map((entry) => readFileSync(join(dir, entry), 'utf8'));
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const prose = readme
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('|') && !line.startsWith('```'))
  .join('\n');
const code = sourceFiles(join(root, 'src')).join('\n');
const MB = 1024 * 1024;
const CJK = '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事';

/** [name, kind, text of at least 1 MB]. */
const inputs = [
  ['prose (README)', 'ordinary', prose],
  ['TypeScript (src/)', 'ordinary', code],
  ['"aaaa…" run', 'adversarial', 'a'.repeat(MB)],
  ['random a-z run', 'adversarial', randomText('abcdefghijklmnopqrstuvwxyz', MB)],
  ['random base64 run', 'adversarial', randomText('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', MB)],
  ['one CJK char run', 'adversarial', '中'.repeat(Math.ceil(MB / 3))],
  ['random CJK run', 'adversarial', randomText(CJK, Math.ceil(MB / 3))],
  ['one emoji run', 'adversarial', '🦜'.repeat(MB / 4)],
];

function cpuMs(run) {
  const before = process.cpuUsage();
  const value = run();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}

/** Median CPU µs per KB of `count(text)` over a few repetitions, each with a cold merge cache. */
function measure(count, text, bytes) {
  const samples = [];
  let tokens = 0;
  let spent = 0;
  while (samples.length < 3 || (spent < 300 && samples.length < 50)) {
    o200k.clearMergeCache();
    const { value, ms } = cpuMs(() => count(text));
    tokens = value;
    spent += ms;
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  return { usPerKb: (median * 1000) / (bytes / 1024), tokens };
}

const bounded = (text) => countTextTokens(text);
const unbounded = (text) => o200k.countTokens(text, NO_SPECIALS);
// Warm up (tokenizer tables, JIT) on every input before timing anything.
for (const [, , material] of inputs) {
  const text = ofBytes(material, 10 * 1024);
  countTextTokens(text);
  unbounded(text);
}

const label = (bytes) => (bytes >= MB ? `${bytes / MB} MB` : `${bytes / 1024} KB`);
const fmt = (value) => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));
console.log(`Token-estimate cost, CPU µs per KB of UTF-8 (median, cold merge cache), LONG_RUN=${LONG_RUN}, Node ${process.version}`);
const header = ['input', 'kind', ...sizes.map(label), `tokens @ ${label(sizes[sizes.length - 1])}`];
const rows = [];
for (const [name, kind, material] of inputs) {
  const row = { bounded: [], unbounded: [], tokens: 0 };
  for (const bytes of sizes) {
    const text = ofBytes(material, bytes);
    const result = measure(bounded, text, bytes);
    row.bounded.push(result.usPerKb);
    row.tokens = result.tokens;
    if (flags.baseline) {
      const feasible = kind === 'ordinary' || bytes <= baselineMax;
      row.unbounded.push(feasible ? measure(unbounded, text, bytes).usPerKb : undefined);
    }
  }
  rows.push([name, kind, ...row.bounded.map(fmt), row.tokens.toLocaleString('en-US')]);
  if (flags.baseline) rows.push([`  before (unbounded)`, kind, ...row.unbounded.map(fmt), '']);
}
const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => String(row[i]).length)));
const line = (cells) => cells.map((cell, i) => (i < 2 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ');
console.log(line(header));
for (const row of rows) console.log(line(row));
