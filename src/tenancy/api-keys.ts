import { createHash, randomBytes } from 'node:crypto';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Store } from '../storage/database.js';

/** Who is calling. Teams and per-key policy arrive with the tenancy work; for now a name and a role. */
export interface Caller {
  keyName: string;
  role: 'master' | 'user';
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(): string {
  return `sk-swy-${randomBytes(24).toString('base64url')}`;
}

/**
 * The keys the gateway accepts: the configured master key, the configured keys, and the keys stored
 * (hashed) in the database. Only hashes are kept in memory.
 */
export class KeyRing {
  private readonly byHash = new Map<string, Caller>();
  /**
   * Recently verified keys, so the hot path skips the SHA-256 (about 1.5% of a passthrough request's
   * CPU in profiles). Bounded; only keys that verified are cached, so a flood of wrong keys cannot
   * grow it. Revocation (a later issue) must clear it.
   */
  private readonly verified = new Map<string, Caller>();
  private static readonly CACHE_LIMIT = 10_000;

  add(key: string, caller: Caller): void {
    this.byHash.set(hashKey(key), caller);
  }

  addHash(hash: string, caller: Caller): void {
    this.byHash.set(hash, caller);
  }

  get size(): number {
    return this.byHash.size;
  }

  verify(key: string): Caller | undefined {
    const cached = this.verified.get(key);
    if (cached) return cached;
    const caller = this.byHash.get(hashKey(key));
    if (caller) {
      if (this.verified.size >= KeyRing.CACHE_LIMIT) this.verified.clear();
      this.verified.set(key, caller);
    }
    return caller;
  }
}

export interface KeyRingSetup {
  keyRing: KeyRing;
  /** Set only on the first start with no key configured anywhere: print it once, it is not stored. */
  generatedMasterKey?: string;
}

/**
 * Builds the key ring. With no key configured at all (no master key, no config keys, nothing stored),
 * a master key is generated, its hash stored, and the key itself returned once for printing.
 */
export async function setupKeyRing(config: ResolvedConfig, store: Store): Promise<KeyRingSetup> {
  const keyRing = new KeyRing();
  if (config.auth.masterKey) keyRing.add(config.auth.masterKey, { keyName: 'master', role: 'master' });
  for (const entry of config.auth.keys) keyRing.add(entry.key, { keyName: entry.name, role: 'user' });
  const stored = await store.db.selectFrom('api_keys').select(['name', 'key_hash', 'role']).execute();
  for (const row of stored) keyRing.addHash(row.key_hash, { keyName: row.name, role: row.role === 'master' ? 'master' : 'user' });
  if (keyRing.size > 0) return { keyRing };

  const key = generateKey();
  await store.db
    .insertInto('api_keys')
    .values({ name: 'master', key_hash: hashKey(key), key_prefix: key.slice(0, 12), role: 'master', created_at: new Date().toISOString() })
    .execute();
  keyRing.add(key, { keyName: 'master', role: 'master' });
  return { keyRing, generatedMasterKey: key };
}

/** The key from `Authorization: Bearer <key>` or `x-api-key: <key>` (either dialect's form). */
export function extractKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1].trim();
  }
  const apiKey = headers['x-api-key'] ?? headers['api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return undefined;
}
