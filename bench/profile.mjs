#!/usr/bin/env node
/**
 * Profiles Switchyard's hot path: starts the mock and `node --cpu-prof dist/cli/main.js serve`
 * (pinned like the bench), drives it at saturation for --seconds (default 10) on one path, stops it
 * gracefully so V8 writes the profile, and prints the top self-time functions and areas. Requests are
 * sent with a team key that has a budget and rate limits, as in the bench's rows (team.mjs); the
 * `passthrough-noteam` path sends the master key instead.
 *
 *   node bench/profile.mjs [--path passthrough|passthrough-noteam|translated|routed|failover[-stream]] [--seconds 10]
 *
 * Run `npm run build` first. The .cpuprofile and its summary are kept in bench/results/profiles/.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pinProcess, ProcessGroup } from './lib/processes.mjs';
import { cpuMicros } from './lib/proc-stats.mjs';
import { startLoadWorker, startMock, startSwitchyard } from './lib/services.mjs';
import { CPU_LOAD } from './lib/settings.mjs';
import { printSummary, summarizeProfile } from './lib/summarize-cpuprofile.mjs';
import { chatRequest, defineTargets } from './lib/targets.mjs';
import { provisionTeam } from './lib/team.mjs';
import { workerClient } from './lib/worker-client.mjs';

const root = dirname(dirname(new URL(import.meta.url).pathname));
const { values } = parseArgs({ options: { path: { type: 'string', default: 'passthrough' }, seconds: { type: 'string', default: '10' } } });
const stream = values.path.endsWith('-stream');
const targetName = `switchyard-${values.path.replace(/-stream$/, '')}`;

const group = new ProcessGroup();
const tempDir = mkdtempSync(join(os.tmpdir(), 'switchyard-profile-'));
const profileDir = join(tempDir, 'prof');
process.once('SIGINT', () => group.stopAll().finally(() => process.exit(130)));

try {
  pinProcess(process.pid, CPU_LOAD);
  const mock = await startMock(group, { slowIntervalMs: 100, slowChunks: 20 });
  const gateway = await startSwitchyard(group, { root, mock, dir: tempDir, nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir] });
  const worker = workerClient(await startLoadWorker(group));
  const team = await provisionTeam(`http://127.0.0.1:${gateway.port}`);
  const target = defineTargets({ mock, gateway, teamKey: team.key })[targetName];
  if (!target) throw new Error(`unknown --path ${values.path}`);
  await worker.run('saturate', { ...chatRequest(target, { stream }), connections: 64, durationS: 2 }); // warm-up (in the profile too; small)
  const before = cpuMicros(gateway.pid);
  const result = await worker.run('saturate', { ...chatRequest(target, { stream }), connections: 64, durationS: Number(values.seconds) });
  const cpuUsPerReq = (cpuMicros(gateway.pid) - before) / result.ok;
  await group.stopAll(10_000);
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile was written (did the gateway exit gracefully?)');
  const summary = summarizeProfile(JSON.parse(readFileSync(join(profileDir, file), 'utf8')), 30);
  process.stdout.write(`${values.path}: ${Math.round(result.rps)} req/s at 64 connections, ${Math.round(cpuUsPerReq)} µs CPU per request (whole process, profiler on)\n\n`);
  printSummary(summary);
  const keep = join(root, 'bench/results/profiles');
  mkdirSync(keep, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(keep, `${values.path}-${stamp}.cpuprofile`), readFileSync(join(profileDir, file)));
  writeFileSync(join(keep, `${values.path}-${stamp}.summary.json`), `${JSON.stringify({ path: values.path, rps: result.rps, cpuUsPerReq, ...summary }, null, 2)}\n`);
} finally {
  await group.stopAll();
  rmSync(tempDir, { recursive: true, force: true });
}
