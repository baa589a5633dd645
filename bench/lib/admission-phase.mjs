/**
 * Admission cost, in the bench run: two child processes on the (idle) target core, one after the other.
 *
 * - admission-micro.mjs: CPU µs per request of a team key's whole admission in process (auth + rate
 *   limits + budget reservation + settle, the gateway's own classes), against the master key's auth —
 *   the figure issue 8 bounds at 10 µs.
 * - bench/admission-cost.mjs --json: the shared counters alone, in memory (CPU µs) and on Redis (round
 *   trips per request, latency per call one at a time on loopback, client CPU with 64 in flight).
 *
 * Either may fail (no Redis, say) without failing the run: its result is then { error }.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pinningAvailable } from './processes.mjs';
import { CPU_TARGET } from './settings.mjs';

function runPinned(args, { env, timeoutMs }) {
  const run = pinningAvailable
    ? spawnSync('taskset', ['-c', CPU_TARGET, process.execPath, ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } })
    : spawnSync(process.execPath, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
  if (run.status !== 0) return { error: `${args[0].split('/').pop()} failed (status ${run.status}${run.error ? `, ${run.error.message}` : ''}): ${(run.stderr || '').slice(-400)}` };
  try {
    return JSON.parse(run.stdout.trim().split('\n').pop());
  } catch (error) {
    return { error: `unreadable output: ${error.message}` };
  }
}

export function admissionPhase({ root, requests, redisUrl }) {
  const micro = runPinned([new URL('./admission-micro.mjs', import.meta.url).pathname, '--dist', join(root, 'dist'), '--requests', String(requests)], { timeoutMs: 180_000 });
  const counters = runPinned([join(root, 'bench/admission-cost.mjs'), '--json'], { env: { REDIS_URL: redisUrl }, timeoutMs: 180_000 });
  return { inProcess: micro, counters };
}
