#!/usr/bin/env node
/**
 * Generates src/metering/price-catalog.json from the price data in ../shared/fixtures/prices:
 *
 *   node scripts/generate-price-catalog.mjs [--out <file>] [--as-of YYYY-MM-DD] [--verbose]
 *   (npm run prices:generate)
 *
 * The fixtures folder is $SWITCHYARD_FIXTURES, else the nearest `shared/fixtures` (holding a README.md)
 * beside this checkout or beside one of its ancestors, as the tests find it (test/helpers/fixtures.ts).
 * Plain Node, no dependencies; the output depends only on the input files and the options, so running
 * it twice gives the same bytes.
 *
 * Sources and how they are combined, per provider type (openai, anthropic, bedrock):
 *
 * 1. genai-prices (`genai-prices-data.json`, providers `openai`, `anthropic`, `aws`) is the primary
 *    source. Its models become `patterns`: each keeps genai-prices' own match clause (equals,
 *    starts_with, ends_with, contains, or, and) and the lookup takes the first model whose clause
 *    matches, in the source's order, exactly as genai-prices itself does. Models without both an input
 *    and an output price (embeddings, moderation, image-only) are left out. Tiered prices contribute
 *    their base price (the tier above 200k/272k prompt tokens is not modelled). Of dated price
 *    schedules the newest one is taken (with --as-of, the newest that has started by that date).
 * 2. litellm (`litellm-prices-subset-openai-anthropic-bedrock.json`: litellm_provider openai,
 *    anthropic, bedrock, bedrock_converse, chat-like modes) fills the ids no genai-prices clause
 *    matches, as `exact` entries (keys with a `/`, which name a region or a commitment rather than a
 *    model id, and entries priced 0/0 are skipped). Where both sources price an id and disagree,
 *    genai-prices wins (its Bedrock prices follow AWS's current list, litellm's are often older)
 *    except for the ids in PREFER_LITELLM, each with its reason. Every subset entry is checked against
 *    the full litellm file when it is present.
 * 3. One-hour cache writes of Claude models (Anthropic and Bedrock) are 2 × the input price, the
 *    multiplier Anthropic publishes; neither source lists it for every model (genai-prices never,
 *    litellm for some, with two wrong values), so it is derived for every Claude entry that has a cache
 *    write price. Reasoning tokens are priced like output unless litellm lists
 *    output_cost_per_reasoning_token (then `reasoning` is written).
 *
 * Prices are written as USD per million tokens, converted with decimal arithmetic (litellm's per-token
 * floats are shifted by six places as written, never multiplied in floating point), so they are the
 * values the sources give. `--verbose` lists every disagreement between the sources.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHECKOUT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_OUT = resolve(CHECKOUT, 'src/metering/price-catalog.json');

/** Provider types of the gateway → the source's provider ids. */
const PROVIDERS = {
  anthropic: { genai: 'anthropic', litellm: ['anthropic'] },
  bedrock: { genai: 'aws', litellm: ['bedrock', 'bedrock_converse'] },
  openai: { genai: 'openai', litellm: ['openai'] },
};

/** Ids where litellm's price is taken over genai-prices', with the reason. */
const PREFER_LITELLM = {
  openai: {
    'gpt-4o-2024-05-13': 'OpenAI lists this snapshot at $5/$15; genai-prices folds it into gpt-4o ($2.50/$10)',
  },
};

const LITELLM_MODES = new Set(['chat', 'responses']);
const CLAUSES = new Set(['equals', 'starts_with', 'ends_with', 'contains', 'or', 'and']);

function parseArgs(argv) {
  const options = { out: DEFAULT_OUT, asOf: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') options.out = resolve(argv[++i]);
    else if (arg === '--as-of') options.asOf = argv[++i];
    else if (arg === '--verbose') options.verbose = true;
    else throw new Error(`unknown argument ${arg} (use --out <file>, --as-of YYYY-MM-DD, --verbose)`);
  }
  if (options.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.asOf)) throw new Error('--as-of takes a date, YYYY-MM-DD');
  return options;
}

function fixturesDir() {
  const fromEnv = process.env.SWITCHYARD_FIXTURES;
  if (fromEnv) {
    const dir = resolve(fromEnv);
    if (existsSync(resolve(dir, 'README.md'))) return dir;
    throw new Error(`$SWITCHYARD_FIXTURES is set to ${JSON.stringify(fromEnv)}, but ${resolve(dir, 'README.md')} does not exist`);
  }
  const searched = [];
  for (let dir = CHECKOUT; ; ) {
    const candidate = resolve(dir, '..', 'shared', 'fixtures');
    searched.push(candidate);
    if (existsSync(resolve(candidate, 'README.md')) && statSync(candidate).isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`shared/fixtures not found (searched ${searched.join(', ')}); set SWITCHYARD_FIXTURES=/path/to/shared/fixtures`);
}

// ---------- exact decimals ----------

/** A decimal number as digits × 10^-scale (scale ≥ 0), read from a JSON number's shortest representation. */
function decimal(value, where) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${where}: not a price: ${JSON.stringify(value)}`);
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!match) throw new Error(`${where}: cannot read ${value} as a decimal`);
  let digits = BigInt(match[1] + (match[2] ?? ''));
  let scale = (match[2]?.length ?? 0) - Number(match[3] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

const shift = (d, places) => (d.scale >= places ? { digits: d.digits, scale: d.scale - places } : { digits: d.digits * 10n ** BigInt(places - d.scale), scale: 0 });
const times = (d, factor) => ({ digits: d.digits * BigInt(factor), scale: d.scale });
const sameDecimal = (a, b) => a.digits * 10n ** BigInt(b.scale) === b.digits * 10n ** BigInt(a.scale);

/** The decimal as a JSON number whose text is exactly the decimal (checked: it must round-trip). */
function toNumber(d) {
  let text = d.digits.toString();
  if (d.scale > 0) {
    text = text.padStart(d.scale + 1, '0');
    text = `${text.slice(0, -d.scale)}.${text.slice(-d.scale)}`.replace(/0+$/, '').replace(/\.$/, '');
  }
  const number = Number(text);
  if (String(number) !== text) throw new Error(`price ${text} does not survive as a JSON number (${String(number)})`);
  return number;
}

// ---------- genai-prices ----------

function checkClause(clause, where) {
  const keys = Object.keys(clause);
  if (keys.length !== 1 || !CLAUSES.has(keys[0])) throw new Error(`${where}: unsupported match clause ${JSON.stringify(clause)}`);
  const [kind] = keys;
  if (kind === 'or' || kind === 'and') clause[kind].forEach((inner) => checkClause(inner, where));
  else if (typeof clause[kind] !== 'string') throw new Error(`${where}: match clause ${kind} needs a string`);
}

function matches(clause, id) {
  if ('equals' in clause) return id === clause.equals;
  if ('starts_with' in clause) return id.startsWith(clause.starts_with);
  if ('ends_with' in clause) return id.endsWith(clause.ends_with);
  if ('contains' in clause) return id.includes(clause.contains);
  if ('or' in clause) return clause.or.some((inner) => matches(inner, id));
  return clause.and.every((inner) => matches(inner, id));
}

/** The price set in force: a plain one, or of a schedule the newest started by `asOf` (the newest of all without it). */
function currentPrices(model, asOf) {
  if (!Array.isArray(model.prices)) return model.prices;
  let chosen = model.prices[0].prices;
  for (const conditional of model.prices) {
    const start = conditional.constraint?.start_date;
    if (conditional.constraint && start === undefined) continue; // time-of-day prices: not modelled
    if (start === undefined || asOf === undefined || start <= asOf) chosen = conditional.prices;
  }
  return chosen;
}

const baseOf = (price) => (price !== null && typeof price === 'object' ? price.base : price);

// ---------- entries ----------

const isClaude = (id) => id.includes('claude');

/** The catalog entry for one model (prices as decimals), with derived one-hour cache writes for Claude. */
function entry(id, fields, source) {
  const result = { ...fields };
  if (isClaude(id) && result.cacheWrite !== undefined) result.cacheWrite1h = times(result.input, 2);
  if (result.reasoning !== undefined && sameDecimal(result.reasoning, result.output)) delete result.reasoning;
  return { ...result, source };
}

function serializeEntry(e, extra = {}) {
  const out = { ...extra, input: toNumber(e.input), output: toNumber(e.output) };
  for (const field of ['cacheRead', 'cacheWrite', 'cacheWrite1h', 'reasoning']) if (e[field] !== undefined) out[field] = toNumber(e[field]);
  out.source = e.source;
  return out;
}

function fromGenai(model, asOf, where) {
  const prices = currentPrices(model, asOf);
  const read = (key) => (prices[key] === undefined ? undefined : decimal(baseOf(prices[key]), `${where}.${key}`));
  const input = read('input_mtok');
  const output = read('output_mtok');
  if (input === undefined || output === undefined) return undefined;
  const fields = { input, output };
  const cacheRead = read('cache_read_mtok');
  const cacheWrite = read('cache_write_mtok');
  if (cacheRead !== undefined) fields.cacheRead = cacheRead;
  if (cacheWrite !== undefined) fields.cacheWrite = cacheWrite;
  return entry(model.id, fields, 'genai-prices');
}

function fromLitellm(id, raw) {
  const perToken = (key) => (typeof raw[key] === 'number' ? shift(decimal(raw[key], `litellm ${id}.${key}`), 6) : undefined);
  const input = perToken('input_cost_per_token');
  const output = perToken('output_cost_per_token');
  if (input === undefined || output === undefined || (input.digits === 0n && output.digits === 0n)) return undefined;
  const fields = { input, output };
  const optional = { cacheRead: 'cache_read_input_token_cost', cacheWrite: 'cache_creation_input_token_cost', cacheWrite1h: 'cache_creation_input_token_cost_above_1hr', reasoning: 'output_cost_per_reasoning_token' };
  for (const [field, key] of Object.entries(optional)) {
    const value = perToken(key);
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

function describe(fields) {
  return Object.entries(fields)
    .filter(([key, value]) => key !== 'source' && value !== undefined)
    .map(([key, value]) => `${key} ${toNumber(value)}`)
    .join(', ');
}

function generate(options) {
  const fixtures = fixturesDir();
  const read = (name) => JSON.parse(readFileSync(resolve(fixtures, 'prices', name), 'utf8'));
  const genai = read('genai-prices-data.json');
  const subsetName = 'litellm-prices-subset-openai-anthropic-bedrock.json';
  const litellm = read(subsetName);
  const fullPath = resolve(fixtures, 'prices', 'litellm-model_prices_and_context_window.json');
  if (existsSync(fullPath)) {
    const full = JSON.parse(readFileSync(fullPath, 'utf8'));
    for (const [id, raw] of Object.entries(litellm)) {
      if (raw === null || typeof raw !== 'object') continue;
      if (JSON.stringify(full[id]) !== JSON.stringify(raw)) throw new Error(`${subsetName}: ${id} differs from the full litellm file; refresh the subset`);
    }
  }

  const notes = [];
  const providers = {};
  for (const [type, sources] of Object.entries(PROVIDERS)) {
    const genaiProvider = genai.find((provider) => provider.id === sources.genai);
    if (!genaiProvider) throw new Error(`genai-prices has no provider ${sources.genai}`);
    const patterns = [];
    for (const model of genaiProvider.models) {
      const where = `genai-prices ${sources.genai}/${model.id}`;
      checkClause(model.match, where);
      const made = fromGenai(model, options.asOf, where);
      if (made) patterns.push({ id: model.id, match: model.match, entry: made });
    }
    const prefer = PREFER_LITELLM[type] ?? {};
    const exact = {};
    for (const id of Object.keys(litellm).sort()) {
      const raw = litellm[id];
      if (raw === null || typeof raw !== 'object' || !sources.litellm.includes(raw.litellm_provider) || !LITELLM_MODES.has(raw.mode) || id.includes('/')) continue;
      const fields = fromLitellm(id, raw);
      if (!fields) continue;
      const made = entry(id, fields, 'litellm');
      if (fields.cacheWrite1h !== undefined && made.cacheWrite1h !== undefined && !sameDecimal(fields.cacheWrite1h, made.cacheWrite1h)) {
        notes.push(`${type} ${id}: litellm's 1-hour cache write ${toNumber(fields.cacheWrite1h)} replaced by 2 × input = ${toNumber(made.cacheWrite1h)}`);
      }
      const pattern = patterns.find((p) => matches(p.match, id));
      if (pattern && !(id in prefer)) {
        const theirs = describe({ ...made, cacheWrite1h: undefined });
        const ours = describe({ ...pattern.entry, cacheWrite1h: undefined });
        if (theirs !== ours) notes.push(`${type} ${id}: genai-prices (${pattern.id}) ${ours}; litellm ${theirs}; genai-prices kept`);
        continue;
      }
      if (pattern) notes.push(`${type} ${id}: litellm kept over genai-prices (${pattern.id}): ${prefer[id]}`);
      exact[id] = made;
    }
    providers[type] = { exact, patterns };
  }

  const litellmUpdated = typeof litellm.last_updated === 'string' ? `, last_updated ${litellm.last_updated}` : '';
  const catalog = {
    comment:
      'Generated by scripts/generate-price-catalog.mjs from shared/fixtures/prices; do not edit (npm run prices:generate). ' +
      'USD per million tokens. Lookup (src/metering/price-catalog.ts): exact ids first, then the first pattern whose genai-prices match clause matches.',
    sources: {
      'genai-prices': 'genai-prices-data.json: pydantic/genai-prices prices/data.json (MIT)',
      litellm: `${subsetName}: BerriAI/litellm model_prices_and_context_window.json via the RoCry/llm-api-price mirror${litellmUpdated} (MIT)`,
    },
    derived: 'cacheWrite1h of Claude models = 2 × input (Anthropic: one-hour cache writes cost twice the base input price); reasoning is priced as output unless listed',
    ...(options.asOf ? { asOf: options.asOf } : {}),
    providers: {},
  };
  for (const type of Object.keys(providers).sort()) {
    const { exact, patterns } = providers[type];
    catalog.providers[type] = {
      exact: Object.fromEntries(Object.keys(exact).sort().map((id) => [id, serializeEntry(exact[id])])),
      patterns: patterns.map((p) => serializeEntry(p.entry, { id: p.id, match: p.match })),
    };
  }
  return { text: format(catalog), notes, catalog };
}

/** Two-space JSON, one model per line: small, and a price change is a one-line diff. */
function format(catalog) {
  const lines = ['{'];
  lines.push(`  "comment": ${JSON.stringify(catalog.comment)},`);
  lines.push(`  "sources": ${JSON.stringify(catalog.sources, null, 2).replace(/\n/g, '\n  ')},`);
  lines.push(`  "derived": ${JSON.stringify(catalog.derived)},`);
  if (catalog.asOf) lines.push(`  "asOf": ${JSON.stringify(catalog.asOf)},`);
  lines.push('  "providers": {');
  const types = Object.keys(catalog.providers);
  types.forEach((type, t) => {
    const { exact, patterns } = catalog.providers[type];
    lines.push(`    ${JSON.stringify(type)}: {`);
    const ids = Object.keys(exact);
    lines.push(ids.length ? '      "exact": {' : '      "exact": {},');
    ids.forEach((id, i) => lines.push(`        ${JSON.stringify(id)}: ${JSON.stringify(exact[id])}${i < ids.length - 1 ? ',' : ''}`));
    if (ids.length) lines.push('      },');
    lines.push(patterns.length ? '      "patterns": [' : '      "patterns": []');
    patterns.forEach((p, i) => lines.push(`        ${JSON.stringify(p)}${i < patterns.length - 1 ? ',' : ''}`));
    if (patterns.length) lines.push('      ]');
    lines.push(`    }${t < types.length - 1 ? ',' : ''}`);
  });
  lines.push('  }');
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

try {
  const options = parseArgs(process.argv.slice(2));
  const { text, notes, catalog } = generate(options);
  writeFileSync(options.out, text);
  const counts = Object.entries(catalog.providers)
    .map(([type, p]) => `${type} ${p.patterns.length} patterns + ${Object.keys(p.exact).length} exact`)
    .join('; ');
  process.stderr.write(`wrote ${relative(process.cwd(), options.out) || options.out}: ${counts}; ${notes.length} source disagreements${options.verbose ? '' : ' (--verbose lists them)'}\n`);
  if (options.verbose) for (const note of notes) process.stderr.write(`  ${note}\n`);
} catch (error) {
  process.stderr.write(`generate-price-catalog: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
