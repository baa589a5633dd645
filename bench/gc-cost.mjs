#!/usr/bin/env node
/**
 * What the young generation sees per request: the bare proxy and Switchyard (passthrough with a team
 * key and with the master key, or the --path given) run with `--trace-gc-nvp`, each driven at
 * saturation (or at --rate requests/s) for --seconds, one after the other. From V8's own per-GC lines it
 * prints, per request: scavenges (per 1,000), bytes allocated, bytes that survived a scavenge, bytes
 * promoted to the old generation (survived two), mark-compacts, and GC pause on the main thread.
 * Allocation drives how often scavenges run; survival and promotion drive what each costs and how often
 * the old generation must be marked (by V8's helper threads, see cpu-ratio.mjs's thread split).
 *
 *   npm run build && node bench/gc-cost.mjs [--path passthrough,passthrough-noteam[-stream]] [--rate N] [--seconds 4] [--node-flags "..."]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarize } from './lib/percentiles.mjs';
import { pinProcess, ProcessGroup } from './lib/processes.mjs';
import { startLoadWorker, startMock, startSwitchyard } from './lib/services.mjs';
import { CPU_LOAD, CPU_TARGET } from './lib/settings.mjs';
import { chatRequest, defineTargets } from './lib/targets.mjs';
import { provisionTeam } from './lib/team.mjs';
import { workerClient } from './lib/worker-client.mjs';

const root = dirname(dirname(new URL(import.meta.url).pathname));
const { values } = parseArgs({
  options: { path: { type: 'string', default: 'passthrough,passthrough-noteam' }, rate: { type: 'string' }, seconds: { type: 'string', default: '4' }, 'node-flags': { type: 'string', default: '' } },
});
const extraFlags = values['node-flags'].split(' ').filter(Boolean);

/** Sums V8's `--trace-gc-nvp` lines on a child's stdout while `counting` is on. */
function gcTally(child) {
  const tally = { counting: false, scavenges: 0, markCompacts: 0, allocated: 0, promoted: 0, survived: 0, pauseMs: 0 };
  let pending = '';
  child.stdout.on('data', (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!tally.counting || !line.includes('pause=')) continue;
      const field = (name) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
      if (/\bgc=s\b/.test(line)) {
        tally.scavenges++;
        tally.allocated += field('allocated');
        tally.promoted += field('promoted');
        tally.survived += field('new_space_survived');
      } else tally.markCompacts++;
      tally.pauseMs += field('pause');
    }
  });
  return tally;
}

const group = new ProcessGroup();
const tempDir = mkdtempSync(join(os.tmpdir(), 'switchyard-gc-cost-'));
try {
  pinProcess(process.pid, CPU_LOAD);
  const mock = await startMock(group, { slowIntervalMs: 100, slowChunks: 20 });
  const worker = workerClient(await startLoadWorker(group));
  const bareStarted = await group.start({
    name: 'bare proxy',
    nodeArgs: ['--trace-gc-nvp', ...extraFlags, new URL('./lib/bare-proxy.mjs', import.meta.url).pathname, '--upstream', `http://127.0.0.1:${mock.port}`],
    cpus: CPU_TARGET,
    ready: (line) => {
      try {
        const value = JSON.parse(line);
        return value.ready ? value : undefined;
      } catch {
        return undefined;
      }
    },
  });
  // The bare proxy streams too when every path asked for is a stream.
  const bareStreams = values.path.split(',').every((path) => path.endsWith('-stream'));
  const rows = [[bareStreams ? 'bare-stream' : 'bare', defineTargets({ mock, bare: { pid: bareStarted.pid, port: bareStarted.info.port } }).bare, gcTally(bareStarted.child), bareStreams]];
  const gateway = await startSwitchyard(group, { root, mock, dir: tempDir, nodeFlags: ['--trace-gc-nvp', ...extraFlags] });
  const team = await provisionTeam(`http://127.0.0.1:${gateway.port}`);
  const targets = defineTargets({ mock, gateway, teamKey: team.key });
  const tally = gcTally(gateway.child);
  for (const path of values.path.split(',')) {
    const target = targets[`switchyard-${path.replace(/-stream$/, '')}`];
    if (!target) throw new Error(`unknown --path ${path}`);
    rows.push([path, target, tally, path.endsWith('-stream')]);
  }
  const seconds = Number(values.seconds);
  for (const [name, target, counts, stream = false] of rows) {
    await worker.run('saturate', { ...chatRequest(target, { stream }), connections: 64, durationS: 2 });
    for (const key of ['scavenges', 'markCompacts', 'allocated', 'promoted', 'survived', 'pauseMs']) counts[key] = 0;
    counts.counting = true;
    const result = values.rate
      ? await worker.run('fixedRate', { ...chatRequest(target, { stream }), rate: Number(values.rate), durationS: seconds, connections: 64 })
      : await worker.run('saturate', { ...chatRequest(target, { stream }), connections: 64, durationS: seconds });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last GC lines
    counts.counting = false;
    const n = result.ok;
    const rps = values.rate ? result.achievedRps : result.rps;
    const timing = result.latenciesUs ? summarize(result.latenciesUs) : undefined;
    const latency = timing ? `, latency p50 ${(timing.p50 / 1000).toFixed(2)} ms p99 ${(timing.p99 / 1000).toFixed(2)} ms` : '';
    process.stdout.write(
      `${name.padEnd(20)} ${Math.round(rps)} req/s: ${((counts.scavenges / n) * 1000).toFixed(2)} scavenges per 1k requests, ` +
        `per request ${Math.round(counts.allocated / n)} B allocated, ${Math.round(counts.survived / n)} B survived, ${Math.round(counts.promoted / n)} B promoted, ` +
        `${counts.markCompacts} mark-compacts, GC pause ${((counts.pauseMs / n) * 1000).toFixed(1)} µs${latency}\n`,
    );
  }
} finally {
  await group.stopAll();
  rmSync(tempDir, { recursive: true, force: true });
}
