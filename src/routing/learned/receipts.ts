import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) of a declared policy in a canonical JSON form (keys sorted at every level), so the same
 * policy always hashes the same whatever order its fields were written in.
 */
export function policyHash(policy: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
