/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, self time per
 * area (package in node_modules, file in dist/, node internals, GC, idle), and inclusive time of
 * the gateway's own functions. Usable on its own: `node bench/lib/summarize-cpuprofile.mjs <file> [top]`.
 */
import { readFileSync } from 'node:fs';

function areaOf(url, functionName) {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return '(program: native, not attributed)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `pkg: ${modules[1]}`;
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist) return `switchyard: ${dist[1]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5)}`;
  return url;
}

export function summarizeProfile(profile, top = 30) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute it to sample i's node.
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, timeDeltas[i] ?? 0));
  }
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  let total = 0;
  let idle = 0;
  const byFunction = new Map();
  const byArea = new Map();
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const { functionName, url, lineNumber } = node.callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const key = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    // Inclusive time for every distinct gateway function on the stack (counted once per sample path).
    const seen = new Set();
    for (let cursor = id; cursor !== undefined; cursor = parents.get(cursor)) {
      const frame = byId.get(cursor).callFrame;
      if (!frame.url.includes('/dist/') || frame.url.includes('/node_modules/')) continue;
      const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/dist\//, 'dist/')}:${frame.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const rank = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: +(us / 1000).toFixed(1), pctOfBusy: +((100 * us) / busy).toFixed(1) }));
  return {
    totalMs: +(total / 1000).toFixed(1),
    busyMs: +(busy / 1000).toFixed(1),
    idleMs: +(idle / 1000).toFixed(1),
    selfByFunction: rank(byFunction),
    selfByArea: rank(byArea),
    inclusiveGateway: rank(inclusive),
  };
}

export function printSummary(summary, out = process.stdout) {
  out.write(`busy ${summary.busyMs} ms of ${summary.totalMs} ms sampled (idle ${summary.idleMs} ms)\n`);
  const section = (title, rows) => {
    out.write(`\n${title}\n`);
    for (const row of rows) out.write(`${String(row.pctOfBusy).padStart(6)}%  ${String(row.ms).padStart(9)} ms  ${row.name}\n`);
  };
  section('Self time by area', summary.selfByArea);
  section('Self time by function', summary.selfByFunction);
  section('Inclusive time of gateway functions (dist/)', summary.inclusiveGateway);
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/lib/summarize-cpuprofile.mjs <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  printSummary(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), Number(top ?? 30)));
}
