/**
 * CPU time and memory of a process from /proc (Linux): utime+stime cover every thread of the
 * process (GC helpers, libuv pool, SQLite), RSS is VmRSS.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  // keep the usual 100 Hz
}
export const CLOCK_TICKS_PER_SECOND = clockTicks;

/** CPU time (user + system) consumed so far, in microseconds. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which is in parentheses and may contain spaces).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / clockTicks;
}

/**
 * CPU time per thread (microseconds), e.g. `{ main: …, 'node#7145': …, 'node#7154': … }`: the main
 * thread is `main`, every other one is keyed by its Linux name (`/proc/<pid>/task/<tid>/comm`; Node's are
 * all `node`) and its thread id.
 */
export function cpuMicrosByThread(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = tid === String(pid) ? 'main' : `${readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}#${tid}`;
      out[name] = (out[name] ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** Resident set size in MB (MiB). */
export function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Samples RSS every `intervalMs` until stopped; returns { maxMb, lastMb, samples }. */
export function sampleRss(pid, intervalMs = 200) {
  const samples = [];
  const take = () => {
    try {
      samples.push(rssMb(pid));
    } catch {
      // process gone
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { maxMb: Math.max(...samples), lastMb: samples[samples.length - 1], samples };
    },
  };
}

/** Waits until the process uses less than `idleCpuFraction` of a CPU over `windowMs` (bounded by `maxMs`). */
export async function waitIdle(pid, { windowMs = 200, idleCpuFraction = 0.1, maxMs = 5000 } = {}) {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    let before;
    try {
      before = cpuMicros(pid);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const used = cpuMicros(pid) - before;
    if (used < windowMs * 1000 * idleCpuFraction) return;
  }
}
