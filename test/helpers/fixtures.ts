import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Shared test inputs that live outside the repository and are read in place, never copied into it:
 *
 * - the wire fixtures (`shared/fixtures`): $SWITCHYARD_FIXTURES if set, else the nearest
 *   `shared/fixtures` beside the checkout or beside one of its ancestors (../shared/fixtures for the
 *   usual layout);
 * - the shared data sets (`shared/data`): $SWITCHYARD_DATA if set, else found the same way.
 *
 * Nothing depends on where the machine keeps them: only on the checkout's location or the environment.
 * The lookup runs on first use, and a missing folder is an error naming what was searched and the
 * variable to set (tests that need no fixtures still run without them).
 */

/** The checkout's root (this file is test/helpers/fixtures.ts). */
const CHECKOUT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface SharedFolder {
  /** Folder under `shared/`. */
  name: string;
  /** Environment variable that overrides the search. */
  env: string;
  /** What the folder holds, for the error message. */
  what: string;
  /** A file inside it that proves it is the right folder (without one, any directory will do). */
  marker?: string;
}

const FIXTURES: SharedFolder = { name: 'fixtures', env: 'SWITCHYARD_FIXTURES', what: 'wire fixtures', marker: 'README.md' };
const DATA: SharedFolder = { name: 'data', env: 'SWITCHYARD_DATA', what: 'shared data sets' };

export class SharedFolderNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SharedFolderNotFoundError';
  }
}

const found = new Map<SharedFolder, string>();

function locate(folder: SharedFolder): string {
  const cached = found.get(folder);
  if (cached !== undefined) return cached;
  const dir = search(folder);
  found.set(folder, dir);
  return dir;
}

function isTheFolder(dir: string, marker: string | undefined): boolean {
  if (marker !== undefined) return existsSync(resolve(dir, marker));
  return existsSync(dir) && statSync(dir).isDirectory();
}

function search(folder: SharedFolder): string {
  const fromEnv = process.env[folder.env];
  if (fromEnv) {
    const dir = resolve(fromEnv);
    if (isTheFolder(dir, folder.marker)) return dir;
    throw new SharedFolderNotFoundError(
      `The ${folder.what} were not found: $${folder.env} is set to ${JSON.stringify(fromEnv)}, ` +
        (folder.marker === undefined ? 'which is not a directory.' : `but ${resolve(dir, folder.marker)} does not exist.`),
    );
  }
  const searched: string[] = [];
  for (let dir = CHECKOUT; ; ) {
    const candidate = resolve(dir, '..', 'shared', folder.name);
    if (!searched.includes(candidate)) searched.push(candidate);
    if (isTheFolder(candidate, folder.marker)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new SharedFolderNotFoundError(
    `The ${folder.what} (shared/${folder.name}) were not found. $${folder.env} is not set, and none of these ` +
      `exist${folder.marker === undefined ? '' : ` with a ${folder.marker}`}: ${searched.join(', ')}. Put the shared ` +
      `folder beside the checkout (../shared/${folder.name} from ${CHECKOUT}) or set ${folder.env}=/path/to/shared/${folder.name}.`,
  );
}

/** The wire fixtures folder (see above); throws SharedFolderNotFoundError when it cannot be found. */
export function fixturesDir(): string {
  return locate(FIXTURES);
}

export function fixturePath(relative: string): string {
  return resolve(fixturesDir(), relative);
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

/** The shared data folder (e.g. `dataPath('routing')`); throws SharedFolderNotFoundError when it cannot be found. */
export function dataPath(relative = '.'): string {
  return resolve(locate(DATA), relative);
}
