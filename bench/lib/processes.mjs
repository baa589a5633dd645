/**
 * Child processes of one benchmark run: started pinned to CPUs (`taskset -c`, so every thread the
 * process ever creates inherits the mask), watched for a ready line, and always stopped at the end —
 * on success, on error, on SIGINT/SIGTERM, and (SIGKILL) on any other exit of the bench.
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0;
export const pinningAvailable = HAS_TASKSET;

export class ProcessGroup {
  constructor() {
    /** @type {Set<import('node:child_process').ChildProcess>} */
    this.children = new Set();
    this.onExit = () => {
      for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.on('exit', this.onExit);
  }

  /**
   * Starts `node <args>` (optionally pinned) and resolves once `ready(line)` returns a value for a
   * stdout line, or once `waitPort` accepts connections. Rejects with the stderr tail if the child
   * exits or does not become ready within `timeoutMs`.
   */
  start({ name, nodeArgs, cpus, env, ipc = false, ready, waitPort, timeoutMs = 20_000 }) {
    const command = HAS_TASKSET && cpus !== undefined ? 'taskset' : process.execPath;
    const args = HAS_TASKSET && cpus !== undefined ? ['-c', String(cpus), process.execPath, ...nodeArgs] : nodeArgs;
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    let stderrTail = '';
    let stdoutBuffer = '';
    child.stderr.on('data', (chunk) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-4000);
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error, info) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          child.kill('SIGKILL');
          reject(error);
        } else resolve({ name, child, pid: child.pid, info, stderrTail: () => stderrTail });
      };
      const timer = setTimeout(() => finish(new Error(`${name} did not become ready in ${timeoutMs} ms. stderr:\n${stderrTail}`)), timeoutMs);
      child.once('exit', (code, signal) => finish(new Error(`${name} exited early (code ${code}, signal ${signal}). stderr:\n${stderrTail}`)));
      child.stdout.on('data', (chunk) => {
        if (settled || !ready) return;
        stdoutBuffer += chunk.toString();
        const lines = stdoutBuffer.split('\n');
        stdoutBuffer = lines.pop() ?? '';
        for (const line of lines) {
          const info = ready(line);
          if (info !== undefined) return finish(undefined, info);
        }
      });
      if (waitPort !== undefined) {
        const poll = () => {
          if (settled) return;
          const socket = net.connect(waitPort, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            finish(undefined, { port: waitPort });
          });
          socket.once('error', () => setTimeout(poll, 100));
        };
        poll();
      }
    });
  }

  /** SIGTERM every child (or only `only`), SIGKILL whatever is still alive after `graceMs`. */
  async stopAll(graceMs = 3000, only = undefined) {
    const alive = [...this.children].filter((child) => child.exitCode === null && child.signalCode === null && (only === undefined || only.includes(child)));
    await Promise.all(
      alive.map(
        (child) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => {
              child.kill('SIGKILL');
              resolve();
            }, graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** Stops one child of the group (SIGTERM, then SIGKILL after `graceMs`). */
ProcessGroup.prototype.stop = function stop(child, graceMs = 5000) {
  return this.stopAll(graceMs, [child]);
};

/** A port that was free a moment ago on 127.0.0.1 (for servers that need one on the command line). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Pins an already running process (all its threads) to `cpus`; used for the bench's own process. */
export function pinProcess(pid, cpus) {
  if (!HAS_TASKSET) return false;
  return spawnSync('taskset', ['-a', '-cp', String(cpus), String(pid)]).status === 0;
}
