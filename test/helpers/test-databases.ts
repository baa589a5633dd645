import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach } from 'vitest';
import { openStore, type OpenStoreOptions, type Store, type StoreDialect } from '../../src/storage/database.js';
import { randomBase32 } from '../../src/storage/ids.js';

/**
 * The real PostgreSQL the store tests run against (issue 8: every store test runs on SQLite and on
 * PostgreSQL). It must be up: a test that cannot reach it fails, it is never skipped.
 */
export const TEST_PG_URL = process.env.SWITCHYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const STORE_DIALECTS: StoreDialect[] = ['sqlite', 'postgres'];

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is required by the store tests and is not reachable at ${TEST_PG_URL}: ${(error as Error).message || String(error)}. ` +
        'Start it (see README, "Storage") or point SWITCHYARD_TEST_DATABASE_URL at one.',
    );
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The test database URL with a search_path: every unqualified table lives in that schema. */
export function urlWithSchema(schema: string, base = TEST_PG_URL): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export interface FreshDatabase {
  /** What to pass to openStore (reopen as often as needed). */
  options: OpenStoreOptions;
  /** The PostgreSQL schema (postgres only). */
  schema?: string;
  drop(): Promise<void>;
}

/** An empty database of that dialect: a SQLite file in a new temp directory, or a new PostgreSQL schema. */
export async function freshDatabase(dialect: StoreDialect): Promise<FreshDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'swy-store-'));
    return { options: { sqlitePath: join(dir, 'switchyard.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `swy_test_${randomBase32(12)}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  return { options: { databaseUrl: urlWithSchema(schema) }, schema, drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

/**
 * For a describe block of one dialect: `fresh()` makes an empty database, `open()` opens (and
 * migrates) one; after each test every store opened is closed and every database dropped.
 */
export function useTestDatabases(dialect: StoreDialect) {
  const stores: Store[] = [];
  const databases: FreshDatabase[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined)));
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });
  const fresh = async (): Promise<FreshDatabase> => {
    const database = await freshDatabase(dialect);
    databases.push(database);
    return database;
  };
  return {
    fresh,
    /** Keeps a store to close after the test. */
    track(store: Store): Store {
      stores.push(store);
      return store;
    },
    async open(database?: FreshDatabase): Promise<Store> {
      const store = await openStore((database ?? (await fresh())).options);
      stores.push(store);
      return store;
    },
  };
}
