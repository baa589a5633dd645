#!/usr/bin/env node
/**
 * Instructions per request, counted by valgrind's callgrind: the bare proxy and Switchyard passthrough
 * (team key, master key), optionally a second build (--base-root). A count of executed instructions
 * does not move with a busy neighbour, the CPU's clock or the other core's load, so it can tell apart
 * two builds that differ by 2–3% where CPU-time A/B runs on this shared machine drift ±6% between two
 * processes of the *same* build. It says nothing about cache misses or the kernel (sockets are
 * syscalls: not counted), so it complements bench/cpu-ratio.mjs rather than replacing it.
 *
 * Each target runs alone under `valgrind --tool=callgrind --instr-atstart=no` (all its threads: the
 * ledger writer and V8's helpers included); `--warmup` requests bring V8 to its steady state (natively
 * the optimiser is done after ~50,000 requests; under valgrind counting is off until then, ~5× slower
 * than native), then counting is switched on for `--requests` requests (16 at a time) and the ledger's
 * next flush. Work of V8's optimising compiler (TurboFan, still finishing late tier-ups) is reported
 * apart and left out of "steady": it is a one-off cost a long-running gateway does not pay per request.
 * So is the major GC (marking, sweeping, compaction): natively one runs every ~150,000 requests, so a
 * counted window of a few thousand either misses it or carries one whole (~100,000 instructions a
 * request more); scavenges, every few hundred requests, stay in.
 *
 *   npm run build && node bench/instructions.mjs [--targets bare,team,noteam] [--base-root DIR]
 *     [--warmup 30000] [--requests 2000] [--stream] [--json] [--functions 40]
 *
 * Run it alone: V8's heap-growing and tier-up heuristics read the clock, so a target measured while
 * another heavy job shares the machine can count a major GC or a re-optimisation the quiet one does
 * not (seen here: +80,000 instructions a request under a concurrent test run).
 * `--functions N` lists each target's N costliest functions: native ones by symbol, JavaScript ones named
 * through the map V8 writes with --perf-basic-prof (only then on: one run with it counted 416 thousand
 * against 383 without, more IC misses and object-shape transitions, so compare builds without it).
 * About 4 minutes per target with the defaults. Needs valgrind (Debian: apt install valgrind).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { writeGatewayConfig } from './lib/gateway-config.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { startMock } from './lib/services.mjs';
import { chatRequest, defineTargets } from './lib/targets.mjs';
import { provisionTeam } from './lib/team.mjs';

const root = dirname(dirname(new URL(import.meta.url).pathname));
const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'bare,team,noteam' },
    'base-root': { type: 'string' },
    warmup: { type: 'string', default: '30000' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    stream: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    functions: { type: 'string', default: '0' },
  },
});
if (spawnSync('valgrind', ['--version']).status !== 0) {
  process.stderr.write('bench/instructions.mjs needs valgrind (Debian: apt install valgrind)\n');
  process.exit(2);
}
const log = (line) => process.stderr.write(`${line}\n`);

/** Exclusive instructions by category, from callgrind_annotate's per-function list. */
const CATEGORIES = [
  ['compile', /v8::internal::(compiler|maglev|baseline|interpreter|Compiler|Parser|Scanner|Bytecode|Zone)|Deoptimiz/],
  ['major gc', /v8::internal::(MarkCompact|.*Marking|Concurrent|Sweep|Evacuat|.*Compaction|PointersUpdating)/],
  ['gc', /v8::internal::(Heap|Scaveng|MemoryChunk|PagedSpace|NewSpace|SemiSpace|Remembered|Slot|Allocat)|GCTracer/],
  ['sqlite', /sqlite/],
  ['builtins', /Builtins_/],
  ['v8', /v8::/],
  ['node', /node::|uv_|llhttp/],
  ['libc', /libc\.so|ld-linux/],
  ['js', /^\?\?\?:0x/],
];
function categorise(file, names) {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', file], { maxBuffer: 1 << 28 }).toString();
  const sums = { total: 0 };
  const functions = new Map();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
    if (!match || match[2].includes('PROGRAM TOTALS')) continue;
    const ir = Number(match[1].replaceAll(',', ''));
    const category = CATEGORIES.find(([, pattern]) => pattern.test(match[2]))?.[0] ?? 'other';
    sums[category] = (sums[category] ?? 0) + ir;
    sums.total += ir;
    const name = category === 'js' ? names(Number.parseInt(/0x([0-9a-f]+)/.exec(match[2])[1], 16)) : category === 'compile' ? undefined : match[2].replace(/^\?\?\?:/, '').replace(/ \[[^\]]*\]$/, '');
    if (name) functions.set(name, (functions.get(name) ?? 0) + ir);
  }
  return { sums, functions };
}

/** JIT code addresses → function names, from the map V8 writes with --perf-basic-prof (/tmp/perf-<pid>.map). */
function jitNames(pid) {
  const ranges = [];
  try {
    for (const line of readFileSync(`/tmp/perf-${pid}.map`, 'utf8').split('\n')) {
      const [start, size, ...name] = line.split(' ');
      if (name.length) ranges.push([Number.parseInt(start, 16), Number.parseInt(size, 16), name.join(' ')]);
    }
  } catch {
    // no map: addresses stay unnamed
  }
  ranges.sort((a, b) => a[0] - b[0]);
  return (address) => {
    let low = 0;
    let high = ranges.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (ranges[mid][0] > address) high = mid - 1;
      else if (address >= ranges[mid][0] + ranges[mid][1]) low = mid + 1;
      else return ranges[mid][2].replace(/^JS:[*~^+]?/, '').replace(/file:\/\/|\/[^ ]*\/(dist|node_modules)\//g, '');
    }
    return 'JIT code (unnamed)';
  };
}

function underValgrind(args, out, readyPattern) {
  const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${out}`, process.execPath, ...(Number(values.functions) > 0 ? ['--perf-basic-prof'] : []), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dirname(out), // V8's code log (with --perf-basic-prof) lands there, removed afterwards
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' },
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`not ready after 180 s: ${stderr.slice(-2000)}`)), 180_000);
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = readyPattern.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}): ${stderr.slice(-2000)}`)));
  });
}

/** `count` requests as the bench sends them (bench/lib/targets.mjs), `concurrency` at a time; resolves to the number answered in full. */
async function load(request, count) {
  const concurrency = Number(values.concurrency);
  const pool = new Pool(request.origin, { connections: concurrency });
  let started = 0;
  let ok = 0;
  const loop = async () => {
    while (started < count) {
      started++;
      const response = await pool.request({ method: 'POST', path: request.path, headers: request.headers, body: request.body, headersTimeout: 120_000, bodyTimeout: 120_000 });
      const text = await response.body.text();
      if (response.statusCode === 200 && (!values.stream || text.includes('[DONE]'))) ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  await pool.close();
  return ok;
}

/** `target(port, pid)` resolves to the bench target (bench/lib/targets.mjs) of the process started under valgrind. */
async function measure(label, start, target) {
  const dir = mkdtempSync(join(os.tmpdir(), 'switchyard-instructions-'));
  const out = join(dir, 'callgrind.out');
  const { child, port } = await start(out, dir);
  try {
    const request = chatRequest(await target(port, child.pid), { stream: values.stream });
    log(`${label}: warming up (${values.warmup} requests, not counted)`);
    await load(request, Number(values.warmup));
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
    const ok = await load(request, Number(values.requests));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the ledger's flush of the counted rows
    execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' });
    const sums = { total: 0 };
    const functions = new Map();
    const names = jitNames(child.pid);
    for (const file of readdirSync(dir).filter((name) => name.startsWith('callgrind.out.'))) {
      const counted = categorise(join(dir, file), names);
      for (const [category, ir] of Object.entries(counted.sums)) sums[category] = (sums[category] ?? 0) + ir;
      for (const [name, ir] of counted.functions) functions.set(name, (functions.get(name) ?? 0) + ir);
    }
    const perRequest = Object.fromEntries(Object.entries(sums).map(([category, ir]) => [category, ir / ok / 1000]));
    perRequest.steady = perRequest.total - (perRequest.compile ?? 0) - (perRequest['major gc'] ?? 0);
    const top = [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(values.functions)).map(([name, ir]) => ({ name, kIrPerRequest: ir / ok / 1000 }));
    return { label, answered: ok, kIrPerRequest: perRequest, topFunctions: top };
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  }
}

const group = new ProcessGroup();
const results = [];
try {
  const mock = await startMock(group, { slowIntervalMs: 100, slowChunks: 20 });
  const targets = values.targets.split(',');
  if (targets.includes('bare')) {
    const start = (out) => underValgrind([join(root, 'bench/lib/bare-proxy.mjs'), '--upstream', `http://127.0.0.1:${mock.port}`], out, /"port":(\d+)/);
    results.push(await measure('bare proxy', start, async (port, pid) => defineTargets({ mock, bare: { port, pid } }).bare));
  }
  for (const [name, build] of [['', root], ...(values['base-root'] ? [['base ', values['base-root']]] : [])]) {
    const start = (out, dir) => underValgrind([join(build, 'dist/cli/main.js'), 'serve', '--config', writeGatewayConfig({ mockPort: mock.port, dir }), '--port', '0'], out, /listening on https?:\/\/[^:]+:(\d+)/);
    const gateway = async (port, pid, which) => {
      const team = which === 'switchyard-passthrough' ? await provisionTeam(`http://127.0.0.1:${port}`, 'bench', 120_000) : undefined;
      return defineTargets({ mock, gateway: { port, pid }, teamKey: team?.key })[which];
    };
    if (targets.includes('team')) results.push(await measure(`${name}switchyard passthrough, team key`, start, (port, pid) => gateway(port, pid, 'switchyard-passthrough')));
    if (targets.includes('noteam')) results.push(await measure(`${name}switchyard passthrough, master key`, start, (port, pid) => gateway(port, pid, 'switchyard-passthrough-noteam')));
  }
} finally {
  await group.stopAll();
}
if (values.json) process.stdout.write(`${JSON.stringify({ stream: values.stream, warmup: Number(values.warmup), requests: Number(values.requests), results }, null, 2)}\n`);
else {
  const columns = ['steady', 'js', 'builtins', 'v8', 'gc', 'node', 'libc', 'sqlite', 'other', 'compile', 'major gc'];
  process.stdout.write(`thousands of instructions per request${values.stream ? ' (streams)' : ''}\n${'target'.padEnd(44)}${columns.map((c) => c.padStart(9)).join('')}\n`);
  for (const r of results) process.stdout.write(`${r.label.padEnd(44)}${columns.map((c) => (r.kIrPerRequest[c] ?? 0).toFixed(1).padStart(9)).join('')}\n`);
  for (const r of results.filter((x) => x.topFunctions.length)) {
    process.stdout.write(`\n${r.label}: top functions (exclusive, thousands of instructions per request; JS named through V8's perf map)\n`);
    for (const f of r.topFunctions) process.stdout.write(`${f.kIrPerRequest.toFixed(2).padStart(8)}  ${f.name.slice(0, 130)}\n`);
  }
  const bare = results.find((r) => r.label === 'bare proxy');
  if (bare) for (const r of results.filter((x) => x !== bare)) process.stdout.write(`${r.label}: bare/switchyard ${(bare.kIrPerRequest.steady / r.kIrPerRequest.steady).toFixed(2)} by steady-state instructions\n`);
}
