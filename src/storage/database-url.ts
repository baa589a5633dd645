import { dirname, join } from 'node:path';

/** Where the embedded SQLite store lives when nothing says otherwise. */
export const DEFAULT_DATA_DIR = '.switchyard';
export const SQLITE_FILE_NAME = 'switchyard.db';

/** The storage the gateway runs on, after the configuration and the environment are combined. */
export interface ResolvedStorage {
  /** A `postgres://` / `postgresql://` URL: PostgreSQL. Undefined: the embedded SQLite file. */
  readonly databaseUrl?: string;
  /** The SQLite file (used when there is no databaseUrl). */
  readonly sqlitePath: string;
  /** The directory of the embedded files (the SQLite file; other local state such as a generated secret key). */
  readonly dataDir: string;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Combines `storage` from the configuration with the environment. An explicit setting in the config
 * file wins; the environment fills in what the file leaves unset:
 *
 * - database URL: `storage.databaseUrl` (which may itself be `${DATABASE_URL}`), else `DATABASE_URL`;
 *   set → PostgreSQL, unset or empty → the embedded SQLite file.
 * - SQLite file: `storage.sqlitePath`, else `$SWITCHYARD_DATA_DIR/switchyard.db`, else
 *   `.switchyard/switchyard.db` (relative to the working directory).
 *
 * Returns the problems (config paths and what is wrong) instead of throwing, for resolveConfig to report.
 */
export function resolveStorage(
  storage: { databaseUrl?: string; sqlitePath?: string },
  env: Record<string, string | undefined>,
): { storage: ResolvedStorage; problems: string[] } {
  const problems: string[] = [];
  const nonEmpty = (value: string | undefined) => (value !== undefined && value.trim() !== '' ? value.trim() : undefined);
  const configuredUrl = nonEmpty(storage.databaseUrl);
  const databaseUrl = configuredUrl ?? nonEmpty(env.DATABASE_URL);
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    problems.push(
      `${configuredUrl !== undefined ? 'storage.databaseUrl' : 'DATABASE_URL'}: only PostgreSQL URLs (postgres:// or postgresql://) are supported, got "${redactDatabaseUrl(databaseUrl)}"; leave it unset for the embedded SQLite store`,
    );
  }
  const envDataDir = nonEmpty(env.SWITCHYARD_DATA_DIR);
  const configuredPath = nonEmpty(storage.sqlitePath);
  const sqlitePath = configuredPath ?? join(envDataDir ?? DEFAULT_DATA_DIR, SQLITE_FILE_NAME);
  const dataDir = envDataDir ?? (configuredPath !== undefined && configuredPath !== ':memory:' ? dirname(configuredPath) : DEFAULT_DATA_DIR);
  return { storage: { ...(databaseUrl !== undefined ? { databaseUrl } : {}), sqlitePath, dataDir }, problems };
}

/**
 * The URL with any password replaced by `***` (in the authority and in a `password=` query
 * parameter): the form that may be printed or logged.
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    // Not a parseable URL: cut anything between "scheme://user:" and "@", and password= values.
    return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@').replace(/(pass[a-z]*=)[^&\s]*/gi, '$1***');
  }
}

/** The password in a database URL, if any (registered for redaction so it never reaches a log). */
export function databaseUrlPassword(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const password = parsed.password ? decodeURIComponent(parsed.password) : parsed.searchParams.get('password');
    return password || undefined;
  } catch {
    return undefined;
  }
}
