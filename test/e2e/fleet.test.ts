import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A fleet: three gateway processes (the built CLI, as `npm start` runs it) on loopback sharing one
 * PostgreSQL database and one Redis. 200 concurrent clients spread over the replicas run against a
 * per-minute limit and a small hard budget; then a replica is killed with SIGKILL while it holds
 * budget reservations, which expire, and the others keep serving.
 */

const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const MASTER = `sk-swy-fleet-master-${randomBytes(8).toString('hex')}`;
const database = `swy_fleet_${randomBytes(5).toString('hex')}`;
const redisPrefix = `swy-fleet-${randomBytes(5).toString('hex')}:`;
const RESERVATION_TTL_MS = 3_000;

interface Replica {
  url: string;
  child: ChildProcess;
  output: () => string;
}

const replicas: Replica[] = [];
let configPath: string;

function startReplica(): Promise<Replica> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--config', configPath], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tmpdir(),
      SWITCHYARD_MASTER_KEY: MASTER,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
      REDIS_URL: 'redis://127.0.0.1:6379',
      SWITCHYARD_REDIS_PREFIX: redisPrefix,
      SWITCHYARD_SECRET_KEY: 'fleet-shared-secret',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match && /Models:.*\n/.test(output)) {
        clearTimeout(timer);
        const replica = { url: match[1], child, output: () => output };
        replicas.push(replica);
        resolveStart(replica);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited with ${code}:\n${output}`));
    });
  });
}

async function call(url: string, path: string, key: string, body?: unknown, method = 'POST'): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

async function teamWithKey(url: string, team: Record<string, unknown>): Promise<{ teamId: string; keyId: string; key: string }> {
  const created = await call(url, '/admin/teams', MASTER, team);
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const key = await call(url, '/admin/keys', MASTER, { team_id: created.json.id, name: 'fleet' });
  expect(key.status, JSON.stringify(key.json)).toBe(201);
  return { teamId: created.json.id, keyId: key.json.id, key: key.json.key };
}

const chatBody = (model: string, maxTokens: number) => ({ model, max_tokens: maxTokens, messages: [{ role: 'user', content: 'hello fleet' }] });

async function ledger(keyId: string): Promise<Array<{ status: number; cost_nanos: string | number }>> {
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${database}` });
  await client.connect();
  try {
    return (await client.query('SELECT status, cost_nanos FROM usage_ledger WHERE key_id = $1', [keyId])).rows;
  } finally {
    await client.end();
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const dir = mkdtempSync(join(tmpdir(), 'swy-fleet-'));
  configPath = join(dir, 'switchyard.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      providers: {
        fast: { type: 'simulated', latencyMs: 20, tokensPerSecond: 0 },
        stuck: { type: 'simulated', latencyMs: 120_000, tokensPerSecond: 0 },
      },
      models: [
        { id: 'fast-model', provider: 'fast', pricing: { inputPerMTok: 1, outputPerMTok: 2 } },
        { id: 'stuck-model', provider: 'stuck', pricing: { inputPerMTok: 1, outputPerMTok: 2 } },
      ],
      limits: { reservationTtlMs: RESERVATION_TTL_MS },
      server: { drainTimeoutMs: 500 },
    }),
  );
  // Replicas start one at a time: the first migrates the empty database.
  await startReplica();
  await startReplica();
  await startReplica();
}, 120_000);

afterAll(async () => {
  for (const replica of replicas) replica.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  const redis = new Redis('redis://127.0.0.1:6379');
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

describe('a fleet of three replicas on PostgreSQL and Redis', () => {
  it('holds a per-minute limit exactly across replicas, and writes one ledger row per served request', async () => {
    const rpm = 50;
    const { keyId, key } = await teamWithKey(replicas[0].url, { name: 'fleet-rpm', rate_limits: { rpm } });
    const windowStart = Math.floor(Date.now() / 60_000);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => call(replicas[i % 3].url, '/v1/chat/completions', key, chatBody('fast-model', 8))));
    const windows = Math.floor(Date.now() / 60_000) - windowStart + 1;
    const served = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429).length;
    expect(served + limited, JSON.stringify(results.filter((r) => r.status !== 200 && r.status !== 429).slice(0, 2).map((r) => [r.status, r.json]))).toBe(200);
    // Every served request fitted a window; one window unless the burst straddled a minute boundary.
    expect(served).toBeLessThanOrEqual(rpm * windows);
    expect(served).toBeGreaterThanOrEqual(rpm);
    for (const r of results.filter((x) => x.status === 429)) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const rows = await waitFor('ledger rows', async () => {
      const found = await ledger(keyId);
      return found.length >= served ? found : undefined;
    });
    expect(rows).toHaveLength(served);
    expect(rows.every((row) => row.status === 200)).toBe(true);
  }, 60_000);

  it('never overspends a hard budget under 200 concurrent clients on three replicas', async () => {
    // Worst case of one request: (11 chars + 64 framing) × $1/MTok + 500 × $2/MTok = 1,075,000 nano-dollars.
    const limitUsd = 0.01;
    const { keyId, key } = await teamWithKey(replicas[1].url, { name: 'fleet-budget', budget: { limit_usd: limitUsd, period: 'month' } });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => call(replicas[i % 3].url, '/v1/chat/completions', key, chatBody('fast-model', 500))));
    const served = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429 && r.json.error.type === 'insufficient_quota').length;
    expect(served).toBeGreaterThanOrEqual(9);
    expect(served + refused).toBe(200);
    const rows = await waitFor('ledger rows', async () => {
      const found = await ledger(keyId);
      return found.length >= served ? found : undefined;
    });
    expect(rows).toHaveLength(served);
    const spent = rows.reduce((sum, row) => sum + BigInt(row.cost_nanos), 0n);
    expect(spent).toBeGreaterThan(0n);
    expect(spent).toBeLessThanOrEqual(BigInt(Math.round(limitUsd * 1e9)));
    const report = await call(replicas[2].url, '/admin/spend?group_by=key', MASTER, undefined, 'GET');
    const row = report.json.data.find((r: { group: string }) => r.group === keyId);
    expect(BigInt(row.cost_nanos)).toBe(spent);
  }, 60_000);

  it('revokes a key on every replica within seconds', async () => {
    const { keyId, key } = await teamWithKey(replicas[0].url, { name: 'fleet-revoke' });
    for (const replica of replicas) {
      const res = await call(replica.url, '/v1/chat/completions', key, chatBody('fast-model', 8));
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    }
    expect((await call(replicas[0].url, `/admin/keys/${keyId}`, MASTER, undefined, 'DELETE')).status).toBe(200);
    for (const replica of replicas) {
      await waitFor(`revocation on ${replica.url}`, async () => ((await call(replica.url, '/v1/chat/completions', key, chatBody('fast-model', 8))).status === 401 ? true : undefined), 5_000);
    }
  }, 30_000);

  it('frees the reservations of a replica killed with SIGKILL, and the others keep serving', async () => {
    // The budget holds exactly two worst-case reservations (2 × 1,075,000 ≤ 2,500,000 < 3 × 1,075,000).
    const { key } = await teamWithKey(replicas[0].url, { name: 'fleet-crash', budget: { limit_usd: 0.0025, period: 'day' } });
    const victim = replicas[2];
    // Two requests that never finish hold the whole budget on the victim.
    const stuck = [0, 1].map(() => call(victim.url, '/v1/chat/completions', key, chatBody('stuck-model', 500)).catch(() => undefined));
    await waitFor('the budget to be held', async () => {
      const probe = await call(replicas[0].url, '/v1/chat/completions', key, chatBody('fast-model', 500));
      return probe.status === 429 ? true : undefined;
    });
    victim.child.kill('SIGKILL');
    await Promise.all(stuck);
    // Once the dead replica's reservations expire, the budget admits requests on the others again.
    const served = await waitFor('a request after the reservations expired', async () => {
      const probe = await call(replicas[1].url, '/v1/chat/completions', key, chatBody('fast-model', 500));
      return probe.status === 200 ? probe : undefined;
    }, 20_000);
    expect(served.status).toBe(200);
    expect((await call(replicas[0].url, '/v1/chat/completions', key, chatBody('fast-model', 8))).status).toBe(200);
  }, 60_000);
});
