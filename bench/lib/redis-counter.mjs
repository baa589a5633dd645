/**
 * Preload (`node --import`) for the fleet row's replicas: counts the Redis commands the gateway's
 * ioredis clients send and how long each waited for its reply, without touching the gateway's code.
 * It wraps `Redis.prototype.sendCommand` of the ioredis the gateway itself loads (resolved from the
 * repository root given in BENCH_ROOT; an ESM `import` of this CommonJS package shares the same
 * module instance). Commands are sent one per round trip (the gateway does not auto-pipeline), so
 * commands = round trips.
 *
 * On SIGUSR2 (and at exit) the totals are written to BENCH_REDIS_COUNTER_FILE as JSON:
 * { pid, flushes, commands, byName: {evalsha: n, …}, replies, waitUsSum, buckets: {<bucket>: n} } where a
 * reply's wait (from handing the command to ioredis to its reply, on this process's event loop) falls
 * in bucket ⌊log(µs)/log(1.1)⌋ (10% resolution). The bench signals and reads the file before and after
 * each load job, never during one (a file write costs ~1 ms here: periodic writes showed in profiles).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const file = process.env.BENCH_REDIS_COUNTER_FILE;
const root = process.env.BENCH_ROOT;
if (file && root) {
  const require = createRequire(join(root, 'package.json'));
  const { Redis } = require('ioredis');
  const totals = { pid: process.pid, flushes: 0, commands: 0, byName: {}, replies: 0, waitUsSum: 0, buckets: {} };
  const LOG_STEP = Math.log(1.1);
  const original = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function countedSendCommand(command, stream) {
    const started = performance.now();
    const name = command?.name ?? 'unknown';
    totals.commands++;
    totals.byName[name] = (totals.byName[name] ?? 0) + 1;
    const result = original.call(this, command, stream);
    const done = () => {
      const us = Math.max(1, (performance.now() - started) * 1000);
      totals.replies++;
      totals.waitUsSum += us;
      const bucket = Math.floor(Math.log(us) / LOG_STEP);
      totals.buckets[bucket] = (totals.buckets[bucket] ?? 0) + 1;
    };
    if (result && typeof result.then === 'function') result.then(done, done);
    return result;
  };
  const flush = () => {
    totals.flushes++;
    try {
      writeFileSync(file, JSON.stringify(totals));
    } catch {
      // the bench's temp dir is gone: nothing to report to
    }
  };
  process.on('SIGUSR2', flush);
  process.on('exit', flush);
}
