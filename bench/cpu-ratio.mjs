#!/usr/bin/env node
/**
 * Quick A/B helper while optimising the hot path: CPU µs per request of the bare proxy and of
 * Switchyard passthrough (team key and master key), in alternating rounds at saturation, and the
 * ratio bare/Switchyard (what the saturated-throughput ratio tends to on a pinned core), and how much
 * of it is the main thread's, and the other threads' one by one (V8's GC helpers, the ledger writer;
 * named `node#<tid>`, in the order they started). CPU per
 * request moves far less than req/s when the machine is shared, so this is usable on a busy machine.
 *
 *   npm run build && node bench/cpu-ratio.mjs [--rounds 3] [--seconds 3] [--stream]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pinProcess, ProcessGroup } from './lib/processes.mjs';
import { cpuMicros, cpuMicrosByThread } from './lib/proc-stats.mjs';
import { startBareProxy, startLoadWorker, startMock, startSwitchyard } from './lib/services.mjs';
import { CPU_LOAD } from './lib/settings.mjs';
import { chatRequest, defineTargets } from './lib/targets.mjs';
import { provisionTeam } from './lib/team.mjs';
import { workerClient } from './lib/worker-client.mjs';

const root = dirname(dirname(new URL(import.meta.url).pathname));
const { values } = parseArgs({ options: { 'base-root': { type: 'string' }, 'compare-flags': { type: 'string' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' }, stream: { type: 'boolean', default: false } } });
const group = new ProcessGroup();
const tempDir = mkdtempSync(join(os.tmpdir(), 'switchyard-cpu-ratio-'));
try {
  pinProcess(process.pid, CPU_LOAD);
  const mock = await startMock(group, { slowIntervalMs: 100, slowChunks: 20 });
  const bare = await startBareProxy(group, mock);
  const gateway = await startSwitchyard(group, { root, mock, dir: tempDir });
  const worker = workerClient(await startLoadWorker(group));
  const team = await provisionTeam(`http://127.0.0.1:${gateway.port}`);
  const targets = defineTargets({ mock, bare, gateway, teamKey: team.key });
  const names = ['bare', 'switchyard-passthrough', 'switchyard-passthrough-noteam'];
  if (values['compare-flags']) {
    const flagged = await startSwitchyard(group, { root, mock, dir: mkdtempSync(join(os.tmpdir(), 'switchyard-cpu-ratio-flags-')), nodeFlags: values['compare-flags'].split(' ') });
    const flaggedTeam = await provisionTeam(`http://127.0.0.1:${flagged.port}`);
    const flaggedTargets = defineTargets({ mock, gateway: flagged, teamKey: flaggedTeam.key });
    targets['flagged-passthrough'] = flaggedTargets['switchyard-passthrough'];
    targets['flagged-passthrough-noteam'] = flaggedTargets['switchyard-passthrough-noteam'];
    names.push('flagged-passthrough', 'flagged-passthrough-noteam');
  }
  if (values['base-root']) {
    const baseGateway = await startSwitchyard(group, { root: values['base-root'], mock, dir: mkdtempSync(join(os.tmpdir(), 'switchyard-cpu-ratio-base-')) });
    const baseTeam = await provisionTeam(`http://127.0.0.1:${baseGateway.port}`);
    const base = defineTargets({ mock, gateway: baseGateway, teamKey: baseTeam.key });
    targets['base-passthrough'] = base['switchyard-passthrough'];
    targets['base-passthrough-noteam'] = base['switchyard-passthrough-noteam'];
    names.push('base-passthrough', 'base-passthrough-noteam');
  }
  const sums = Object.fromEntries(names.map((n) => [n, { cpu: 0, ok: 0, rps: 0, threads: {} }]));
  for (const name of names) await worker.run('saturate', { ...chatRequest(targets[name], { stream: values.stream }), connections: 64, durationS: 1 });
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const name of names) {
      const target = targets[name];
      const before = cpuMicros(target.pid);
      const threadsBefore = cpuMicrosByThread(target.pid);
      const result = await worker.run('saturate', { ...chatRequest(target, { stream: values.stream }), connections: 64, durationS: Number(values.seconds) });
      const cpu = cpuMicros(target.pid) - before;
      for (const [thread, micros] of Object.entries(cpuMicrosByThread(target.pid))) sums[name].threads[thread] = (sums[name].threads[thread] ?? 0) + micros - (threadsBefore[thread] ?? 0);
      sums[name].cpu += cpu;
      sums[name].ok += result.ok;
      sums[name].rps += result.rps;
      process.stdout.write(`round ${round + 1} ${name}: ${Math.round(result.rps)} req/s, ${(cpu / result.ok).toFixed(1)} µs CPU/req\n`);
    }
  }
  const per = (n) => sums[n].cpu / sums[n].ok;
  for (const name of names) {
    const byThread = Object.entries(sums[name].threads).filter(([thread, micros]) => thread !== 'main' && micros > 0).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([thread, micros]) => `${thread} ${(micros / sums[name].ok).toFixed(1)}`).join(', ');
    process.stdout.write(`${name}: ${per(name).toFixed(1)} µs CPU/req, main thread ${((sums[name].threads.main ?? 0) / sums[name].ok).toFixed(1)}, other threads ${((sums[name].cpu - (sums[name].threads.main ?? 0)) / sums[name].ok).toFixed(1)} (${byThread})\n`);
  }
  for (const name of names.slice(1)) {
    process.stdout.write(`${name}: ${per(name).toFixed(1)} µs/req vs bare ${per('bare').toFixed(1)}: CPU ratio bare/switchyard ${(per('bare') / per(name)).toFixed(2)}, req/s ratio ${(sums[name].rps / sums.bare.rps).toFixed(2)}\n`);
  }
} finally {
  await group.stopAll();
  rmSync(tempDir, { recursive: true, force: true });
}
