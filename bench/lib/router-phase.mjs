import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pinningAvailable } from './processes.mjs';
import { CPU_TARGET } from './settings.mjs';

/** Runs router-micro.mjs in its own process on the (idle) target core. */
export function routerPhase({ root, iterations }) {
  const script = new URL('./router-micro.mjs', import.meta.url).pathname;
  const args = [script, '--dist', join(root, 'dist'), '--iterations', String(iterations)];
  const run = pinningAvailable
    ? spawnSync('taskset', ['-c', CPU_TARGET, process.execPath, ...args], { encoding: 'utf8', timeout: 60_000 })
    : spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) return { error: `router micro-benchmark failed: ${(run.stderr || run.error?.message || '').slice(0, 400)}` };
  return JSON.parse(run.stdout.trim().split('\n').pop());
}
