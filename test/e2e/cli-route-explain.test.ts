import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs the built CLI (npm test builds first), like cli-serve.test.ts. */
const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const CONFIG = `
providers: { sim: { type: simulated } }
models:
  - { id: big, provider: sim, pricing: { inputPerMTok: 10, outputPerMTok: 30 }, capabilities: { images: true } }
  - { id: tiny, provider: sim, pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 } }
  - { id: mid, provider: sim, pricing: { inputPerMTok: 1, outputPerMTok: 4 }, capabilities: { images: true } }
routes:
  smart: { candidates: [big, tiny, mid], strategy: cheapest }
`;

describe('switchyard route --explain', () => {
  it('--json prints the explanation of a route from a config file, candidates ranked by the strategy', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-route-'));
    writeFileSync(join(cwd, 'switchyard.yaml'), CONFIG);
    const { code, stdout, stderr } = await run(['route', '--explain', '--model', 'smart', '--config', join(cwd, 'switchyard.yaml'), '--json', 'Write a haiku'], cwd);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const explanation = JSON.parse(stdout);
    expect(explanation.route).toMatchObject({ name: 'smart', strategy: 'cheapest' });
    expect(explanation.features.text_chars).toBe('Write a haiku'.length);
    expect(explanation.candidates.map((c: { rank: number; model: string; status: string }) => [c.rank, c.model, c.status])).toEqual([
      [1, 'tiny', 'planned'],
      [2, 'mid', 'planned'],
      [3, 'big', 'planned'],
    ]);
    // fresh health: nothing measured, everything available
    expect(explanation.candidates.every((c: { available: boolean; health: { breaker: string } }) => c.available && c.health.breaker === 'closed')).toBe(true);
  });

  it('prints a table without --json, and an unknown name is an error', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'swy-route-'));
    writeFileSync(join(cwd, 'switchyard.yaml'), CONFIG);
    const table = await run(['route', '--explain', '--model', 'smart', '--config', join(cwd, 'switchyard.yaml'), 'hello'], cwd);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Route: +smart \(strategy cheapest/m);
    expect(table.stdout).toMatch(/^RANK +DEPLOYMENT +STATUS +SCORE$/m);
    expect(table.stdout).toMatch(/^1 +sim\/tiny +planned +\$[\d.]+ est\.$/m);
    const unknown = await run(['route', '--explain', '--model', 'nope', '--config', join(cwd, 'switchyard.yaml'), 'hello'], cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/'nope' does not exist/);
  });
});
