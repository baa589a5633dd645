import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../helpers/test-databases.js';

/** The built CLI (npm test builds first), exactly what `npm start` runs. */
const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');
const children: ChildProcess[] = [];
const databases: FreshDatabase[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

function run(env: Record<string, string>, cwd = mkdtempSync(join(tmpdir(), 'swy-cli-db-'))): ChildProcess & { output: { stdout: string; stderr: string } } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return Object.assign(child, { output });
}

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((r) => child.on('exit', (code) => r(code)));
}

async function listening(child: ReturnType<typeof run>): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const match = /listening on (http:\/\/[\d.:]+)/.exec(child.output.stdout);
    if (match && /Models:.*\n/.test(child.output.stdout)) {
      await new Promise((r) => setTimeout(r, 50)); // the generated-key block follows in the same write
      return match[1];
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gateway did not start (exit ${child.exitCode}):\n${child.output.stdout}${child.output.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('switchyard serve and its database', () => {
  it('an unreachable PostgreSQL: one line naming the database (password redacted) and the cause, exit 1', async () => {
    const child = run({ DATABASE_URL: 'postgres://postgres:s3cret-pw@127.0.0.1:5999/test' });
    expect(await exitOf(child)).toBe(1);
    expect(child.output.stderr).toBe('switchyard: cannot reach the database at postgres://postgres:***@127.0.0.1:5999/test: connect ECONNREFUSED 127.0.0.1:5999\n');
    expect(child.output.stdout).toBe('');
  });

  it('a login PostgreSQL refuses (no such database): one line with its reason, exit 1', async () => {
    const child = run({ DATABASE_URL: 'postgresql://postgres:s3cret-pw@127.0.0.1:5432/swy_no_such_database' });
    expect(await exitOf(child)).toBe(1);
    expect(child.output.stderr).toBe(
      'switchyard: cannot reach the database at postgresql://postgres:***@127.0.0.1:5432/swy_no_such_database: database "swy_no_such_database" does not exist\n',
    );
  });

  it('a DATABASE_URL that is not PostgreSQL is a configuration error (exit 2), its password redacted', async () => {
    const child = run({ DATABASE_URL: 'mysql://root:s3cret-pw@db/app' });
    expect(await exitOf(child)).toBe(2);
    expect(child.output.stderr).toContain('DATABASE_URL: only PostgreSQL URLs (postgres:// or postgresql://) are supported, got "mysql://root:***@db/app"');
    expect(child.output.stderr).not.toContain('s3cret-pw');
  });

  it('SWITCHYARD_DATA_DIR puts the embedded SQLite file there', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-cli-db-'));
    const dataDir = join(mkdtempSync(join(tmpdir(), 'swy-data-')), 'nested', 'data');
    const child = run({ SWITCHYARD_DATA_DIR: dataDir }, cwd);
    await listening(child);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
    expect(existsSync(join(dataDir, 'switchyard.db'))).toBe(true);
    expect(existsSync(join(cwd, '.switchyard'))).toBe(false);
    const db = new Database(join(dataDir, 'switchyard.db'), { readonly: true });
    const versions = db.prepare('select version from schema_migrations order by version').all() as Array<{ version: number }>;
    db.close();
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('runs on PostgreSQL from DATABASE_URL: migrates, stores the generated master key, meters to the shared ledger', async () => {
    const database = await freshDatabase('postgres');
    databases.push(database);
    const child = run({ DATABASE_URL: database.options.databaseUrl! });
    const url = await listening(child);
    const key = /(sk-swy-[A-Za-z0-9_-]+)/.exec(child.output.stdout)?.[1];
    expect(key).toBeDefined();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'Hello!' }] }),
    });
    expect(response.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);

    const client = new pg.Client({ connectionString: database.options.databaseUrl });
    await client.connect();
    try {
      const versions = await client.query('select version from schema_migrations order by version');
      expect(versions.rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6]);
      const keys = await client.query('select name, role, key_prefix, public_id from api_keys');
      expect(keys.rows).toEqual([{ name: 'master', role: 'master', key_prefix: key!.slice(0, 12), public_id: expect.stringMatching(/^key_[a-z2-7]{16}$/) }]);
      const ledger = await client.query('select model, status, request_id from usage_ledger');
      expect(ledger.rows).toEqual([{ model: 'sim-small', status: 200, request_id: response.headers.get('x-switchyard-request-id') }]);
    } finally {
      await client.end();
    }
  });
});
