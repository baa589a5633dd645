#!/usr/bin/env node
/**
 * Cost of one learned routing decision: `npm run build && node bench/router-cost.mjs`.
 *
 * Imports the learned router from dist/routing/learned/ and times, per prompt, what a decision with the
 * learned strategies costs: analyze the prompt (representation + task/difficulty/cluster) and predict
 * the quality of every candidate (--candidates, default 6 shipped models). Prints the load time of the
 * weights (import + decode, in a fresh process) and p50/p90/p99/max of the per-decision time for:
 *
 *   - dataset prompts: the `question ?? prompt` of the routing datasets when ../shared/data/routing is
 *     found ($SWITCHYARD_DATA, or --data DIR), else a built-in set of short prompts;
 *   - long prompts of 4 KB, 100 KB and 5 MB (the analyzer reads a bounded prefix and suffix, so the
 *     size should not matter beyond copying the window).
 *
 * Each decision is timed in process CPU (process.cpuUsage, µs) and wall clock; on a shared machine the
 * wall-clock tail includes time the thread was not running, so CPU is the figure to judge. The goal is
 * well under 1 ms of CPU per decision, representation included.
 *
 * Flags: --data DIR, --limit N (dataset prompts, default 3000), --candidates N, --repeat N (default 3)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, 'dist/routing/learned/load.js');
if (!existsSync(built)) {
  console.error(`${built} is missing: run \`npm run build\` first.`);
  process.exit(1);
}

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    limit: { type: 'string', default: '3000' },
    candidates: { type: 'string', default: '6' },
    repeat: { type: 'string', default: '3' },
  },
});

const loadStarted = performance.now();
const loadCpu = process.cpuUsage();
const { loadLearnedRouter } = await import(built);
const { resolveQualityProfile } = await import(join(root, 'dist/routing/learned/profiles.js'));
const router = loadLearnedRouter();
const loadMs = performance.now() - loadStarted;
const loadCpuMs = (process.cpuUsage(loadCpu).user + process.cpuUsage(loadCpu).system) / 1000;

const CANDIDATES = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-nano', 'claude-sonnet-4', 'claude-3-haiku', 'llama-3.1-8b-instruct', 'qwen2.5-7b-instruct', 'o4-mini'];
const candidates = CANDIDATES.slice(0, Number(flags.candidates)).map((id) => router.profileFor({ id, upstreamModel: id }));

function dataDir() {
  if (flags.data) return resolve(flags.data);
  if (process.env.SWITCHYARD_DATA) return resolve(process.env.SWITCHYARD_DATA, 'routing');
  for (let dir = root; dirname(dir) !== dir; dir = dirname(dir)) {
    const beside = join(dirname(dir), 'shared/data/routing');
    if (existsSync(beside) && statSync(beside).isDirectory()) return beside;
  }
  return undefined;
}

function datasetPrompts() {
  const dir = dataDir();
  const limit = Number(flags.limit);
  if (dir) {
    const prompts = [];
    for (const file of ['routerbench_subset.jsonl', 'llmrouter_14task.jsonl']) {
      const path = join(dir, file);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const row = JSON.parse(line);
        prompts.push(row.question ?? row.prompt);
      }
    }
    // every k-th prompt, so both files and all tasks are represented
    const step = Math.max(1, Math.floor(prompts.length / limit));
    if (prompts.length > 0) return { source: dir, prompts: prompts.filter((_, i) => i % step === 0).slice(0, limit) };
  }
  return {
    source: 'built-in prompts (no dataset found)',
    prompts: [
      'What is the capital of Australia?',
      'Write a function to find the intersection of two arrays.',
      'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did she sell?',
      'def fib(n):\n    """Return the n-th Fibonacci number."""\n',
      'Summarise the following paragraph in one sentence: The meeting covered budgets, hiring and the roadmap.',
    ],
  };
}

function decide(text) {
  const prompt = router.analyzer.analyze(text);
  let best = -Infinity;
  for (const profile of candidates) best = Math.max(best, router.predictor.predict(profile, prompt));
  return best;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function measure(name, prompts, repeat) {
  for (const text of prompts.slice(0, 50)) decide(text); // warm-up (JIT)
  const cpuTimes = [];
  const wallTimes = [];
  for (let r = 0; r < repeat; r += 1) {
    for (const text of prompts) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      decide(text);
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      wallTimes.push((t1 - t0) * 1000);
      cpuTimes.push(c1.user + c1.system);
    }
  }
  cpuTimes.sort((a, b) => a - b);
  wallTimes.sort((a, b) => a - b);
  const fmt = (x) => `${x.toFixed(0)}`.padStart(6);
  const mean = cpuTimes.reduce((a, b) => a + b, 0) / cpuTimes.length;
  console.log(
    `${name.padEnd(16)} n=${String(cpuTimes.length).padStart(5)}  CPU µs: p50 ${fmt(percentile(cpuTimes, 50))} p90 ${fmt(percentile(cpuTimes, 90))} ` +
      `p99 ${fmt(percentile(cpuTimes, 99))} mean ${fmt(mean)}   wall µs: p50 ${fmt(percentile(wallTimes, 50))} p99 ${fmt(percentile(wallTimes, 99))}`,
  );
}

const { source, prompts } = datasetPrompts();
const repeat = Number(flags.repeat);
console.log(`learned router ${router.version}: loaded in ${loadMs.toFixed(1)} ms (${loadCpuMs.toFixed(1)} ms CPU: import + decode of the weights)`);
console.log(`a decision = analyze the prompt + predict ${candidates.length} candidates; prompts from ${source}`);
measure('dataset prompts', prompts, repeat);
const filler = 'The committee reviewed the proposal, weighed the costs and risks, and asked for a revised plan. ';
// flat strings, as JSON.parse hands them over (a concatenation would be flattened on first read)
const sized = (bytes) => JSON.parse(JSON.stringify(`${filler.repeat(Math.ceil(bytes / filler.length)).slice(0, bytes - 40)} What should the committee do next?`));
measure('4 KB prompts', Array.from({ length: 200 }, (_, i) => sized(4096 + i)), repeat);
measure('100 KB prompts', Array.from({ length: 100 }, (_, i) => sized(100 * 1024 + i)), repeat);
measure('5 MB prompts', Array.from({ length: 5 }, (_, i) => sized(5 * 1024 * 1024 + i)), Math.max(repeat, 10));
