import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { CostBasis, EvalOutcome, EvalRow } from './eval-types.js';

/**
 * Streams a routing dataset (JSONL, the schema of shared/data/routing) line by line into EvalRows.
 * A line that is not a JSON object of that shape is reported with its line number and skipped, never
 * fatal. `--alias from=to` renames the file's model `from` to `to`; `--exclude-flag F` drops rows whose
 * `flags[F]` is truthy; `tasks` keeps only those tasks. Splits are not filtered here (the caller needs
 * the train rows to fit and the chosen split to evaluate).
 */

export interface LoadOptions {
  /** The file's model name → the name used everywhere else. */
  aliases?: ReadonlyMap<string, string>;
  /** Drop rows where any of these flags is truthy (see isTruthy). */
  excludeFlags?: readonly string[];
  /** Keep only these tasks (all when empty or absent). */
  tasks?: readonly string[];
  /** Called with bytes read so far and the file's size (for a progress bar). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface BadLine {
  line: number;
  error: string;
}

export interface LoadResult {
  rows: EvalRow[];
  /** Non-empty lines read. */
  lines: number;
  bad_lines: BadLine[];
  /** Rows dropped per excluded flag (a row with several truthy excluded flags counts under the first). */
  excluded: Record<string, number>;
  /** Rows dropped by the task filter. */
  other_tasks: number;
  /** Every model name seen (after aliases), in order of first appearance. */
  models: string[];
}

/** A fatal problem with the data or the options (an alias that collides with a model of the row): exit 2. */
export class EvalDataError extends Error {}

/**
 * Python-like truthiness for flags: null, undefined, false, 0, NaN, "", [] and {} are false;
 * everything else is true. (JavaScript would call `[]` true, and most flags hold lists, e.g. `overlaps: []`.)
 */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Parses `--alias from=to` values; a missing `=` or an empty side is an error. */
export function parseAliases(values: readonly string[]): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const raw of values) {
    const at = raw.indexOf('=');
    const from = at < 0 ? '' : raw.slice(0, at).trim();
    const to = at < 0 ? '' : raw.slice(at + 1).trim();
    if (!from || !to) throw new EvalDataError(`--alias must be FILE_NAME=NAME (the file's model FILE_NAME is called NAME), got "${raw}"`);
    if (aliases.has(from) && aliases.get(from) !== to) throw new EvalDataError(`--alias ${from} is given twice with different names`);
    aliases.set(from, to);
  }
  const targets = new Map<string, string>();
  for (const [from, to] of aliases) {
    const other = targets.get(to);
    if (other !== undefined) throw new EvalDataError(`--alias ${other}=${to} and ${from}=${to} give two models the same name`);
    targets.set(to, from);
  }
  return aliases;
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** One model entry → an outcome, or a string saying what is wrong. */
function parseOutcome(raw: unknown): EvalOutcome | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'is not an object';
  const entry = raw as Record<string, unknown>;
  const score = entry.score;
  if (typeof score !== 'number' || !Number.isFinite(score)) return `has no numeric score (${JSON.stringify(score)})`;
  const inTokens = finiteOrNull(entry.in_tokens);
  const outTokens = finiteOrNull(entry.out_tokens);
  const priceIn = finiteOrNull(entry.price_in_per_m);
  const priceOut = finiteOrNull(entry.price_out_per_m);
  const recorded = finiteOrNull(entry.cost_usd);
  let cost: number | null = null;
  let basis: CostBasis = 'none';
  if (recorded !== null) {
    cost = recorded;
    basis = 'recorded';
  } else if (priceIn !== null && inTokens !== null) {
    if (outTokens !== null && priceOut !== null) {
      cost = (priceIn * inTokens + priceOut * outTokens) / 1e6;
      basis = 'price-x-tokens';
    } else {
      cost = (priceIn * inTokens) / 1e6;
      basis = 'price-x-input-tokens';
    }
  }
  return {
    score,
    cost,
    cost_basis: basis,
    cost_is_estimate: basis === 'recorded' ? entry.cost_is_estimate === true : true,
    in_tokens: inTokens,
    out_tokens: outTokens,
    price_in_per_m: priceIn,
    price_out_per_m: priceOut,
  };
}

/** A parsed line → a row, or a string saying what is wrong (the caller adds the line number). */
export function parseRow(text: string, line: number, aliases: ReadonlyMap<string, string>): EvalRow | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const row = value as Record<string, unknown>;
  if (typeof row.id !== 'string' && typeof row.id !== 'number') return 'no "id"';
  if (typeof row.task !== 'string' || row.task === '') return 'no "task"';
  if (typeof row.split !== 'string') return 'no "split"';
  if (row.models === null || typeof row.models !== 'object' || Array.isArray(row.models)) return 'no "models" object';
  const prompt = typeof row.prompt === 'string' ? row.prompt : '';
  const question = typeof row.question === 'string' && row.question !== '' ? row.question : prompt;
  const flags = row.flags !== null && typeof row.flags === 'object' && !Array.isArray(row.flags) ? (row.flags as Record<string, unknown>) : {};
  const models: Record<string, EvalOutcome> = {};
  const renamedFrom = new Map<string, string>();
  for (const [fileName, raw] of Object.entries(row.models as Record<string, unknown>)) {
    const outcome = parseOutcome(raw);
    if (typeof outcome === 'string') return `model "${fileName}" ${outcome}`;
    const name = aliases.get(fileName) ?? fileName;
    if (Object.hasOwn(models, name)) {
      throw new EvalDataError(
        `line ${line}: --alias ${renamedFrom.get(name) ?? fileName}=${name} collides with the model "${name}" already in the row (row ${String(row.id)})`,
      );
    }
    if (name !== fileName) renamedFrom.set(name, fileName);
    models[name] = outcome;
  }
  return {
    id: String(row.id),
    task: row.task,
    category: typeof row.category === 'string' ? row.category : null,
    prompt,
    question,
    split: row.split,
    flags,
    models,
    line,
  };
}

/** Reads and parses the whole file (streamed: one line in memory at a time besides the rows kept). */
export async function loadEvalData(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const aliases = options.aliases ?? new Map<string, string>();
  const excludeFlags = options.excludeFlags ?? [];
  const tasks = options.tasks && options.tasks.length > 0 ? new Set(options.tasks) : null;
  const total = statSync(path).size;
  const stream = createReadStream(path, { encoding: 'utf8' });
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  const result: LoadResult = { rows: [], lines: 0, bad_lines: [], excluded: Object.fromEntries(excludeFlags.map((f) => [f, 0])), other_tasks: 0, models: [] };
  const seen = new Set<string>();
  let lineNo = 0;
  try {
    for await (const text of reader) {
      lineNo += 1;
      if (options.onProgress && lineNo % 256 === 0) options.onProgress(stream.bytesRead, total);
      if (text.trim() === '') continue;
      result.lines += 1;
      const row = parseRow(text, lineNo, aliases);
      if (typeof row === 'string') {
        result.bad_lines.push({ line: lineNo, error: row });
        continue;
      }
      const flag = excludeFlags.find((f) => isTruthy(row.flags[f]));
      if (flag !== undefined) {
        result.excluded[flag] += 1;
        continue;
      }
      if (tasks && !tasks.has(row.task)) {
        result.other_tasks += 1;
        continue;
      }
      for (const name of Object.keys(row.models)) {
        if (!seen.has(name)) {
          seen.add(name);
          result.models.push(name);
        }
      }
      result.rows.push(row);
    }
  } finally {
    reader.close();
    stream.destroy();
  }
  options.onProgress?.(total, total);
  return result;
}

/**
 * Resolves a model name given on the command line against the models of the file: the exact name,
 * else the one model whose name after its last `/` is that name (`mixtral-8x7b-chat` for
 * `mistralai/mixtral-8x7b-chat`). Returns the name, or an error message.
 */
export function resolveModelName(wanted: string, available: readonly string[]): { name: string } | { error: string } {
  if (available.includes(wanted)) return { name: wanted };
  const matches = available.filter((m) => m.slice(m.lastIndexOf('/') + 1) === wanted);
  if (matches.length === 1) return { name: matches[0] };
  if (matches.length > 1) return { error: `model "${wanted}" is ambiguous in the file: ${matches.join(', ')} (use the full name or --alias)` };
  return { error: `model "${wanted}" is not in the file; its models are: ${available.join(', ')}` };
}
