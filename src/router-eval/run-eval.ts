import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { EvalCommandOptions } from './eval-command.js';
import { createEvalRouter, UnknownRouterError } from './eval-routers.js';
import { evaluate, NoRowsError, RouterOutputError, type EvalReport, type SplitChoice } from './evaluate.js';
import { formatEvalReport } from './format-report.js';
import { EvalDataError, loadEvalData, parseAliases, resolveModelName } from './load-data.js';
import { ProgressBar, type ProgressStream } from './progress-bar.js';
import { evalChartSvg } from './svg-chart.js';

/** A mistake in the command line or the data it names: exit 2. */
class UsageError extends Error {}

export interface EvalIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
}

const SPLITS: readonly SplitChoice[] = ['test', 'train', 'all'];

function list(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Runs `switchyard eval` and returns the exit status (the report or one error line is written to io). */
export async function runEvalCommand(options: EvalCommandOptions, io: EvalIo): Promise<number> {
  const progress = new ProgressBar(io.stderr);
  try {
    return await run(options, io, progress);
  } catch (error) {
    progress.done();
    if (error instanceof UsageError || error instanceof EvalDataError || error instanceof UnknownRouterError) {
      io.stderr.write(`switchyard eval: ${error.message}\n`);
      return 2;
    }
    if (error instanceof NoRowsError || error instanceof RouterOutputError) {
      io.stderr.write(`switchyard eval: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function run(options: EvalCommandOptions, io: EvalIo, progress: ProgressBar): Promise<number> {
  if (!options.data) throw new UsageError('--data <file.jsonl> is required');
  const pairGiven = options.strong !== undefined || options.weak !== undefined;
  if (pairGiven && options.models !== undefined) throw new UsageError('give either --strong and --weak, or --models, not both');
  if (pairGiven && (options.strong === undefined || options.weak === undefined)) throw new UsageError('--strong and --weak go together');
  if (!pairGiven && options.models === undefined) throw new UsageError('name the models: --strong M --weak M for a pair, or --models a,b,c');
  const split = (options.split ?? 'test') as SplitChoice;
  if (!SPLITS.includes(split)) throw new UsageError(`--split must be test, train or all, got "${options.split}"`);
  const seed = options.seed === undefined ? undefined : Number(options.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${options.seed}"`);
  const aliases = parseAliases(options.alias);
  // create the router first: an unknown name fails before the file is read
  await createEvalRouter(options.router, { seed });

  let data;
  try {
    data = await loadEvalData(options.data, {
      aliases,
      excludeFlags: list(options.excludeFlag),
      tasks: list(options.task),
      onProgress: (read, total) => progress.update('reading', read, total),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') throw new UsageError(`cannot read --data ${options.data}: ${(error as Error).message}`);
    throw error;
  }
  progress.done();
  for (const bad of data.bad_lines.slice(0, 10)) io.stderr.write(`switchyard eval: ${options.data}:${bad.line}: skipped: ${bad.error}\n`);
  if (data.bad_lines.length > 10) io.stderr.write(`switchyard eval: … and ${data.bad_lines.length - 10} more bad lines skipped\n`);

  if (data.rows.length === 0) {
    const dropped = [
      data.bad_lines.length ? `${data.bad_lines.length} bad` : '',
      ...Object.entries(data.excluded).filter(([, n]) => n > 0).map(([flag, n]) => `${n} excluded by ${flag}`),
      data.other_tasks ? `${data.other_tasks} of other tasks` : '',
    ].filter(Boolean);
    throw new NoRowsError(`no rows to evaluate in ${options.data} (${data.lines} lines${dropped.length ? `: ${dropped.join(', ')}` : ''})`);
  }
  const resolved: string[] = [];
  const resolve = (flag: string, wanted: string) => {
    const r = resolveModelName(wanted, data.models);
    if ('error' in r) throw new UsageError(`${flag}: ${r.error}`);
    if (r.name !== wanted) resolved.push(`${flag} ${wanted} is ${r.name} in the file`);
    return r.name;
  };
  let pair: { strong: string; weak: string } | undefined;
  let models: string[] | undefined;
  if (pairGiven) {
    pair = { strong: resolve('--strong', options.strong!), weak: resolve('--weak', options.weak!) };
    if (pair.strong === pair.weak) throw new UsageError('--strong and --weak name the same model');
  } else {
    const wanted = list([options.models!]);
    models = wanted.length === 1 && wanted[0] === 'all' ? [...data.models] : wanted.map((m) => resolve('--models', m));
    if (new Set(models).size !== models.length) throw new UsageError('--models names a model twice');
    if (models.length < 2) throw new UsageError('--models needs at least two models');
  }

  const report: EvalReport = await evaluate({
    data,
    createRouter: () => createEvalRouter(options.router, { seed }),
    pair,
    models,
    split,
    splitExplicit: options.split !== undefined,
    loto: options.loto === true,
    onProgress: (done, total) => progress.update(`routing with ${options.router}`, done, total),
  });
  progress.done();

  const dataName = basename(options.data);
  if (options.svg) {
    try {
      writeFileSync(options.svg, evalChartSvg(report, dataName));
    } catch (error) {
      throw new UsageError(`cannot write --svg ${options.svg}: ${(error as Error).message}`);
    }
  }
  if (options.json) {
    const bad = data.bad_lines.slice(0, 100);
    io.stdout.write(`${JSON.stringify({ data: options.data, ...report, resolved, bad_lines: bad }, null, 2)}\n`);
  } else {
    io.stdout.write(formatEvalReport(report, dataName, resolved));
    if (options.svg) io.stdout.write(`Chart: ${options.svg}\n`);
  }
  return 0;
}
