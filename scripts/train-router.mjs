#!/usr/bin/env node
/**
 * Trains the learned router: `npm run train:router` (builds, then runs this script), or
 * `node scripts/train-router.mjs` after `npm run build`.
 *
 * Reads the train splits of the routing datasets in ../shared/data/routing (routerbench_subset.jsonl,
 * llmrouter_14task.jsonl; $SWITCHYARD_DATA or --data point elsewhere), trains the prompt analyzer and
 * fits the datasets' model profiles with dist/routing/learned/train.js, and writes the small versioned
 * artifact src/routing/learned/router-weights.json (version = date + content hash; the content is the
 * same for the same data and seed). The datasets are read in place and never copied into the repo.
 *
 * Flags:
 *   --data DIR         folder holding the .jsonl files (default: the nearest shared/data/routing)
 *   --seed N           training seed (default 7)
 *   --date YYYY-MM-DD  date part of the version (default today, UTC)
 *   --exclude-task T   leave a dataset task out (repeatable), e.g. for leave-one-task-out checks
 *   --out FILE         where to write (default src/routing/learned/router-weights.json)
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, 'dist/routing/learned/train.js');
if (!existsSync(built)) {
  console.error(`${built} is missing: run \`npm run build\` first (or \`npm run train:router\`).`);
  process.exit(1);
}
const { trainRouter } = await import(built);
const { readRoutingRows } = await import(join(root, 'dist/routing/learned/dataset.js'));

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    seed: { type: 'string', default: '7' },
    date: { type: 'string' },
    'exclude-task': { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: join(root, 'src/routing/learned/router-weights.json') },
  },
});

const FILES = ['routerbench_subset.jsonl', 'llmrouter_14task.jsonl'];

/** $SWITCHYARD_DATA/routing, else the nearest shared/data/routing beside the checkout or an ancestor. */
function findDataDir() {
  if (flags.data) return resolve(flags.data);
  if (process.env.SWITCHYARD_DATA) return resolve(process.env.SWITCHYARD_DATA, 'routing');
  for (let dir = root; ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared/data/routing');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    const beside = join(dirname(dir), 'shared/data/routing');
    if (existsSync(beside) && statSync(beside).isDirectory()) return beside;
    if (dirname(dir) === dir) break;
  }
  console.error('routing datasets not found: set SWITCHYARD_DATA (the shared data folder) or pass --data DIR');
  process.exit(1);
}

const dataDir = findDataDir();
const datasets = FILES.map((name) => ({ name, rows: readRoutingRows(join(dataDir, name)) }));
const started = performance.now();
const artifact = trainRouter(datasets, {
  seed: Number(flags.seed),
  date: flags.date,
  excludeTasks: flags['exclude-task'],
});
const json = `${JSON.stringify(artifact, null, 2)}\n`;
writeFileSync(flags.out, json);
console.log(
  `trained ${artifact.version} on ${artifact.training.rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
    `(${artifact.training.leftOutAsTestDuplicates} train rows left out as duplicates of test questions); ` +
    `${Object.keys(artifact.profiles).length} dataset profiles; wrote ${flags.out} (${(json.length / 1024).toFixed(0)} KB)`,
);
