import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared wire fixtures, read in place (never copied into the project): $SWITCHYARD_FIXTURES if set,
 * else the nearest `shared/fixtures` beside the project or one of its ancestors (../shared/fixtures for
 * the usual checkout), else /work/shared/fixtures (a clean clone made elsewhere on this machine).
 */
export const FIXTURES_DIR = findFixtures();

function findFixtures(): string {
  const fromEnv = process.env.SWITCHYARD_FIXTURES;
  if (fromEnv) return resolve(fromEnv);
  let dir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  for (;;) {
    const candidate = resolve(dir, '..', 'shared', 'fixtures');
    if (existsSync(resolve(candidate, 'README.md'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return '/work/shared/fixtures';
}

export function fixturePath(relative: string): string {
  return resolve(FIXTURES_DIR, relative);
}

export function readFixture(relative: string): string {
  return readFileSync(fixturePath(relative), 'utf8');
}

export function readFixtureJson<T = unknown>(relative: string): T {
  return JSON.parse(readFixture(relative)) as T;
}

export function readFixtureBytes(relative: string): Buffer {
  return readFileSync(fixturePath(relative));
}
