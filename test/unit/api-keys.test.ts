import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyRing, extractKey, generateKey, hashKey } from '../../src/tenancy/api-keys.js';

const MASTER = 'sk-swy-master-0123456789abcdef';
const CONFIGURED = 'sk-swy-ci-fedcba9876543210';
const STORED = generateKey();

function ring(): KeyRing {
  const keys = new KeyRing();
  keys.add(MASTER, { keyName: 'master', role: 'master' });
  keys.add(CONFIGURED, { keyName: 'ci', role: 'user' });
  keys.addHash(hashKey(STORED), { keyName: 'stored', role: 'user' });
  return keys;
}

/** Every string reachable from a value (own fields, Map and Set keys and values, arrays), however deep. */
function reachableStrings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const children: unknown[] =
    value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Array.isArray(value) ? value : Object.values(value);
  return children.flatMap((child) => reachableStrings(child, seen));
}

describe('KeyRing', () => {
  it('hashes keys as the store does (hex SHA-256 in api_keys.key_hash)', () => {
    expect(hashKey(MASTER)).toBe(createHash('sha256').update(MASTER).digest('hex'));
    expect(hashKey(STORED)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies configured, master and stored keys, and nothing else', () => {
    const keys = ring();
    expect(keys.size).toBe(3);
    expect(keys.verify(MASTER)).toEqual({ keyName: 'master', role: 'master' });
    expect(keys.verify(CONFIGURED)).toEqual({ keyName: 'ci', role: 'user' });
    expect(keys.verify(STORED)).toEqual({ keyName: 'stored', role: 'user' });
    expect(keys.verify(`${MASTER}x`)).toBeUndefined();
    expect(keys.verify('')).toBeUndefined();
    expect(keys.verify(hashKey(MASTER))).toBeUndefined(); // the digest itself is not a key
  });

  it('holds no plaintext key, before or after verifying (repeatedly) any of them', () => {
    const keys = ring();
    const plaintext = [MASTER, CONFIGURED, STORED];
    for (let round = 0; round < 3; round++) for (const key of plaintext) expect(keys.verify(key)).toBeDefined();
    expect(keys.verify('sk-swy-wrong')).toBeUndefined();

    // Whatever the ring keeps, under any field (a cache added later included), no plaintext key is in it.
    const held = reachableStrings(keys);
    expect(held.length).toBeGreaterThanOrEqual(3);
    for (const key of [...plaintext, 'sk-swy-wrong']) expect(held.filter((s) => s.includes(key))).toEqual([]);
    // What it keeps are the digests, one per key.
    expect(keys.digests().sort()).toEqual(plaintext.map(hashKey).sort());
    for (const digest of keys.digests()) expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('extractKey', () => {
  it('reads Bearer, x-api-key and api-key headers', () => {
    expect(extractKey({ authorization: 'Bearer  sk-1 ' })).toBe('sk-1');
    expect(extractKey({ authorization: 'bearer sk-2' })).toBe('sk-2');
    expect(extractKey({ 'x-api-key': ' sk-3' })).toBe('sk-3');
    expect(extractKey({ 'api-key': 'sk-4' })).toBe('sk-4');
    expect(extractKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(extractKey({})).toBeUndefined();
  });
});
