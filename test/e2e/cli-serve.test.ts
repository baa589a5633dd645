import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

/** These run the built CLI (npm test builds first), exactly what `npm start` runs. */
const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

function serve(cwd: string, env: Record<string, string> = {}): Promise<{ url: string; output: () => string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 15_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match && /Models:.*\n/.test(output)) {
        clearTimeout(timer);
        // the generated-key block, when there is one, follows in the same write
        setTimeout(() => resolveStart({ url: match[1], output: () => output, child }), 50);
      }
    });
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
}

describe('switchyard CLI', () => {
  it('--help lists the serve command', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => child.on('exit', r));
    expect(out).toMatch(/Usage: switchyard/);
    expect(out).toMatch(/serve/);
  });

  it('first start on embedded defaults generates a master key once, stores only its hash, and serves simulated models', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-cli-'));
    const first = await serve(cwd);
    const key = /(sk-swy-[A-Za-z0-9_-]+)/.exec(first.output())?.[1];
    expect(key).toBeDefined();
    const res = await fetch(`${first.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'Hello!' }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0].message.content).toMatch(/simulated/);

    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.on('exit', r));
    const db = new Database(join(cwd, '.switchyard/switchyard.db'), { readonly: true });
    const rows = db.prepare('select key_hash, key_prefix from api_keys').all() as Array<{ key_hash: string; key_prefix: string }>;
    const ledger = db.prepare('select count(*) as n from usage_ledger').get() as { n: number };
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).not.toContain(key!);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(ledger.n).toBe(1); // flushed on SIGTERM

    const second = await serve(cwd);
    expect(second.output()).not.toMatch(/sk-swy-/);
    const again = await fetch(`${second.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
  });

  it('SWITCHYARD_MASTER_KEY sets the key and nothing is generated', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-cli-'));
    const run = await serve(cwd, { SWITCHYARD_MASTER_KEY: 'my-own-master-key-123' });
    expect(run.output()).not.toMatch(/generated/);
    const ok = await fetch(`${run.url}/v1/models`, { headers: { 'x-api-key': 'my-own-master-key-123' } });
    expect(ok.status).toBe(200);
  });

  it('an invalid config file stops the start with the path and the problem', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-cli-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'bad.yaml'), 'providers: { sim: { type: simulated } }\nmodels: [{ id: a, provider: ghost }]\n');
    const child = spawn(process.execPath, [CLI, 'serve', '--config', join(cwd, 'bad.yaml')], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/models\.0\.provider: unknown provider "ghost"/);
  });
});
