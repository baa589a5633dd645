import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper of the bench, no types
import { productionNodeFlags } from '../../bench/lib/node-flags.mjs';

const root = new URL('../../', import.meta.url).pathname;

/** The flags after `node` on the CLI entry's shebang line. */
function shebangFlags(): string[] {
  const first = readFileSync(`${root}src/cli/main.ts`, 'utf8').split('\n', 1)[0];
  const match = /^#!\/usr\/bin\/env(?: -S)? node((?: --[\w-]+=\S+)*)$/.exec(first);
  if (!match) throw new Error(`unexpected shebang: ${first}`);
  return match[1].trim().split(/\s+/).filter(Boolean);
}

describe('node flags the gateway runs with', () => {
  it('are the same for `npm start`, the switchyard bin and the bench', () => {
    const flags = productionNodeFlags(root) as string[];
    expect(shebangFlags()).toEqual(flags);
  });

  it('are accepted by this node', () => {
    const flags = productionNodeFlags(root) as string[];
    // An unknown or malformed flag makes node exit non-zero (execFileSync throws).
    const out = execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'], { encoding: 'utf8' });
    expect((JSON.parse(out) as string[]).slice(0, flags.length)).toEqual(flags);
  });
});
