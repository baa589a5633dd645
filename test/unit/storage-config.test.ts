import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { databaseUrlPassword, redactDatabaseUrl, resolveStorage } from '../../src/storage/database-url.js';

const resolved = (storage: Record<string, unknown> | undefined, env: Record<string, string>) =>
  resolveConfig(parseConfig({ providers: { s: { type: 'simulated' } }, models: [{ id: 'm', provider: 's' }], ...(storage ? { storage } : {}) }, env), env).storage;

describe('storage settings', () => {
  it('SQLite file: explicit storage.sqlitePath > $SWITCHYARD_DATA_DIR/switchyard.db > .switchyard/switchyard.db', () => {
    expect(resolved(undefined, {})).toEqual({ sqlitePath: join('.switchyard', 'switchyard.db'), dataDir: '.switchyard' });
    expect(resolved(undefined, { SWITCHYARD_DATA_DIR: '/var/lib/swy' })).toEqual({ sqlitePath: '/var/lib/swy/switchyard.db', dataDir: '/var/lib/swy' });
    expect(resolved({ sqlitePath: '/srv/gw.db' }, { SWITCHYARD_DATA_DIR: '/var/lib/swy' })).toEqual({ sqlitePath: '/srv/gw.db', dataDir: '/var/lib/swy' });
    expect(resolved({ sqlitePath: '/srv/gw.db' }, {})).toEqual({ sqlitePath: '/srv/gw.db', dataDir: '/srv' });
    expect(resolved(undefined, { SWITCHYARD_DATA_DIR: '' }).sqlitePath).toBe(join('.switchyard', 'switchyard.db'));
    // The embedded defaults (no config file) follow the same rule.
    expect(resolveConfig(loadConfig(undefined, { SWITCHYARD_DATA_DIR: '/d' }), { SWITCHYARD_DATA_DIR: '/d' }).storage.sqlitePath).toBe('/d/switchyard.db');
  });

  it('database URL: storage.databaseUrl (may be ${DATABASE_URL}) > DATABASE_URL > none (SQLite)', () => {
    expect(resolved(undefined, { DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe('postgres://u@h/db');
    expect(resolved({ databaseUrl: 'postgresql://cfg@h/db' }, { DATABASE_URL: 'postgres://env@h/db' }).databaseUrl).toBe('postgresql://cfg@h/db');
    expect(resolved({ databaseUrl: '${DATABASE_URL}' }, { DATABASE_URL: 'postgres://env@h/db' }).databaseUrl).toBe('postgres://env@h/db');
    expect(resolved({ databaseUrl: '${DATABASE_URL:-}' }, {}).databaseUrl).toBeUndefined();
    expect(resolved(undefined, { DATABASE_URL: '  ' }).databaseUrl).toBeUndefined();
    expect(resolveConfig(loadConfig(undefined, { DATABASE_URL: 'postgres://u@h/db' }), { DATABASE_URL: 'postgres://u@h/db' }).storage.databaseUrl).toBe('postgres://u@h/db');
  });

  it('refuses a URL of another engine, naming where it came from, password redacted', () => {
    expect(() => resolved(undefined, { DATABASE_URL: 'mysql://root:pw@h/db' })).toThrow(/DATABASE_URL: only PostgreSQL URLs .* got "mysql:\/\/root:\*\*\*@h\/db"/);
    expect(() => resolved({ databaseUrl: 'sqlite:///x.db' }, {})).toThrow(/storage\.databaseUrl: only PostgreSQL URLs/);
    expect(resolveStorage({ databaseUrl: 'redis://h' }, {}).problems).toHaveLength(1);
  });

  it('redacts passwords in URLs and finds them for the redaction registry', () => {
    expect(redactDatabaseUrl('postgres://app:s3cr%40t@db.internal:5432/prod')).toBe('postgres://app:***@db.internal:5432/prod');
    expect(redactDatabaseUrl('postgres://app@db/prod?sslmode=require&password=s3cret')).toBe('postgres://app@db/prod?sslmode=require&password=***');
    expect(redactDatabaseUrl('postgres://db/prod')).toBe('postgres://db/prod');
    expect(redactDatabaseUrl('not a url user:pw@x password=abc')).not.toMatch(/abc/);
    expect(databaseUrlPassword('postgres://app:s3cr%40t@db/prod')).toBe('s3cr@t');
    expect(databaseUrlPassword('postgres://app@db/prod?password=p')).toBe('p');
    expect(databaseUrlPassword('postgres://app@db/prod')).toBeUndefined();
  });
});
