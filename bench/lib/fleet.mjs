/**
 * The fleet row: two Switchyard replicas (the built CLI, `node dist/cli/main.js serve`, as in
 * production) sharing a fresh PostgreSQL database (teams, keys, usage ledger) and Redis (rate-limit
 * windows, budget reservations, revocations, shared health) under a unique key prefix. Both replicas
 * are pinned to the target core, so the fleet gets the same one core as every single-process row;
 * PostgreSQL and Redis are the machine's own services and are not pinned. The load generator splits
 * its connections (or alternates its requests) between the two replicas' URLs.
 *
 * Each replica runs with redis-counter.mjs preloaded, which counts the Redis commands it sends and
 * their reply times; `counters()` signals both (SIGUSR2), reads what they write and sums it.
 * `serverStats()` reads the Redis server's own INFO (commandstats, CPU), which counts every client of
 * that server: a cross-check when the server is quiet, not more.
 *
 * Created and removed per run: the database `swy_bench_<random>` (dropped WITH (FORCE)), the Redis
 * keys under `swy-bench-<random>:` (SCAN + DEL). Environment: BENCH_PG_ADMIN_URL (default
 * postgres://postgres@127.0.0.1:5432/test, used to create and drop the database), BENCH_REDIS_URL
 * (default redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { gatewayConfig } from './gateway-config.mjs';
import { productionNodeFlags } from './node-flags.mjs';
import { CPU_TARGET } from './settings.mjs';

const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const here = (file) => new URL(file, import.meta.url).pathname;

function databaseUrlFor(name) {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withPg(url, run) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** INFO of the Redis server: calls and µs per command, the server's CPU seconds (every client of it counts). */
async function redisInfo(redis) {
  const text = await redis.info('all');
  const calls = {};
  const usec = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    calls[match[1]] = Number(match[2]);
    usec[match[1]] = Number(match[3]);
  }
  const num = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN);
  return { calls, usec, cpuS: num('used_cpu_user') + num('used_cpu_sys'), version: /^redis_version:(\S+)/m.exec(text)?.[1] ?? null };
}

/** Starts the fleet; `nodeFlags` go to every replica's node (e.g. --cpu-prof). */
export async function startFleet(group, { root, mock, dir, replicas = 2, nodeFlags = [] }) {
  const id = randomBytes(5).toString('hex');
  const database = `swy_bench_${id}`;
  const redisPrefix = `swy-bench-${id}:`;
  const databaseUrl = databaseUrlFor(database);
  const fleetDir = join(dir, 'fleet');
  mkdirSync(fleetDir, { recursive: true });
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectionName: 'swy-bench-observer' });
  redis.on('error', () => undefined);
  let created = false;
  const children = [];

  const cleanup = async () => {
    await group.stopAll(5000, children);
    const problems = [];
    if (created) {
      await withPg(PG_ADMIN_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch((error) => problems.push(`drop database ${database}: ${error.message}`));
    }
    try {
      if (redis.status !== 'ready') await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } catch (error) {
      problems.push(`delete Redis keys ${redisPrefix}*: ${error.message}`);
    }
    redis.disconnect();
    return problems;
  };

  try {
    await redis.connect();
    await withPg(PG_ADMIN_URL, (client) => client.query(`CREATE DATABASE ${database}`));
    created = true;
    const config = gatewayConfig({ mockPort: mock.port, dir: fleetDir });
    delete config.storage; // DATABASE_URL decides
    const configPath = join(fleetDir, 'switchyard.fleet.yaml');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const started = [];
    // One at a time: the first migrates the empty database (the others would wait on its lock anyway).
    for (let i = 0; i < replicas; i++) {
      const counterFile = join(fleetDir, `redis-counter-${i}.json`);
      const replica = await group.start({
        name: `switchyard replica ${i + 1}`,
        nodeArgs: [...productionNodeFlags(root), ...nodeFlags, '--import', pathToFileURL(here('./redis-counter.mjs')).href, join(root, 'dist/cli/main.js'), 'serve', '--config', configPath, '--port', '0'],
        cpus: CPU_TARGET,
        env: {
          DATABASE_URL: databaseUrl,
          REDIS_URL,
          SWITCHYARD_REDIS_PREFIX: redisPrefix,
          SWITCHYARD_SECRET_KEY: `bench-fleet-secret-${id}`,
          BENCH_ROOT: root,
          BENCH_REDIS_COUNTER_FILE: counterFile,
        },
        ready: (line) => {
          const match = /listening on https?:\/\/[^:]+:(\d+)/.exec(line);
          return match ? { port: Number(match[1]) } : undefined;
        },
        timeoutMs: 30_000,
      });
      children.push(replica.child);
      started.push({ pid: replica.pid, port: replica.info.port, child: replica.child, counterFile });
    }
    return {
      replicas: started,
      database,
      redisPrefix,
      redisUrl: REDIS_URL,
      /** Redis commands sent by the replicas so far, summed: each replica's preload writes its counters when signalled. */
      async counters() {
        const sum = { commands: 0, replies: 0, waitUsSum: 0, byName: {}, buckets: {} };
        for (const replica of started) {
          const one = await readCounters(replica);
          sum.commands += one.commands;
          sum.replies += one.replies;
          sum.waitUsSum += one.waitUsSum;
          for (const [name, n] of Object.entries(one.byName)) sum.byName[name] = (sum.byName[name] ?? 0) + n;
          for (const [bucket, n] of Object.entries(one.buckets)) sum.buckets[bucket] = (sum.buckets[bucket] ?? 0) + n;
        }
        return sum;
      },
      serverStats: () => redisInfo(redis),
      /** Rows of the fleet's usage ledger in PostgreSQL. */
      ledgerRows: () => withPg(databaseUrl, async (client) => Number((await client.query('SELECT COUNT(*) AS n FROM usage_ledger')).rows[0].n)).catch((error) => `unreadable: ${error.message}`),
      cleanup,
    };
  } catch (error) {
    const problems = await cleanup();
    if (problems.length) error.message += ` (cleanup: ${problems.join('; ')})`;
    throw error;
  }
}

const readFile = (path) => {
  try {
    return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
  } catch {
    return undefined; // caught mid-write: read again
  }
};

/** Signals a replica (SIGUSR2) and waits (≤ 2 s) for its counter file to show the new flush. */
async function readCounters(replica) {
  const before = readFile(replica.counterFile)?.flushes ?? 0;
  process.kill(replica.pid, 'SIGUSR2');
  const deadline = Date.now() + 2000;
  for (;;) {
    const now = readFile(replica.counterFile);
    if (now && now.flushes > before) return now;
    if (Date.now() > deadline) throw new Error(`replica ${replica.pid} did not write its Redis counters`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What a load job cost in Redis round trips: the difference of two counter snapshots, per answered request. */
export function redisDelta(before, after, requests) {
  const commands = after.commands - before.commands;
  const replies = after.replies - before.replies;
  const byName = {};
  for (const [name, n] of Object.entries(after.byName)) {
    const d = n - (before.byName[name] ?? 0);
    if (d > 0) byName[name] = requests > 0 ? d / requests : null;
  }
  const buckets = [];
  for (const [bucket, n] of Object.entries(after.buckets)) {
    const d = n - (before.buckets[bucket] ?? 0);
    if (d > 0) buckets.push([Number(bucket), d]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const quantile = (q) => {
    const total = buckets.reduce((s, [, n]) => s + n, 0);
    if (total === 0) return null;
    let seen = 0;
    for (const [bucket, n] of buckets) {
      seen += n;
      if (seen >= q * total) return 1.1 ** (bucket + 0.5); // the bucket's geometric middle, ±5%
    }
    return null;
  };
  return {
    requests,
    commands,
    commandsPerRequest: requests > 0 ? commands / requests : null,
    byNamePerRequest: byName,
    replyWaitUs: { mean: replies > 0 ? (after.waitUsSum - before.waitUsSum) / replies : null, p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99) },
    replyWaitUsPerRequest: requests > 0 ? (after.waitUsSum - before.waitUsSum) / requests : null,
  };
}

/**
 * The Redis server's own view between two INFO snapshots. Server-wide: every client of this Redis
 * counts (other users of the machine too), and commandstats count the redis.call()s inside scripts as
 * well, so the scripts (evalsha/eval) per request are the comparable figure; `scriptUs` is the time
 * Redis spent executing one script, on average.
 */
export function serverDelta(before, after, requests) {
  const calls = {};
  let scripts = 0;
  let scriptUsec = 0;
  for (const [name, n] of Object.entries(after.calls)) {
    const d = n - (before.calls[name] ?? 0);
    if (d > 0 && name !== 'info') calls[name] = d;
    if (d > 0 && (name === 'evalsha' || name === 'eval')) {
      scripts += d;
      scriptUsec += (after.usec[name] ?? 0) - (before.usec[name] ?? 0);
    }
  }
  return {
    note: 'server-wide (every client of this Redis counts); calls include the commands run inside scripts',
    scriptsPerRequest: requests > 0 ? scripts / requests : null,
    scriptUs: scripts > 0 ? scriptUsec / scripts : null,
    cpuUsPerRequest: requests > 0 ? ((after.cpuS - before.cpuS) * 1e6) / requests : null,
    calls,
  };
}
