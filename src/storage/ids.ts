import { randomBytes } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `length` characters of lowercase base32 (RFC 4648 alphabet), 5 random bits each. */
export function randomBase32(length: number): string {
  const bytes = randomBytes(Math.ceil((length * 5) / 8));
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      bits -= 5;
      out += BASE32[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/**
 * Public ids: a type prefix and 16 lowercase base32 characters (80 random bits), e.g.
 * `team_k3v9q2mxa7b4c5de`, `key_…`. Ids are not secrets; 80 bits keep them collision-free and
 * unguessable enough that an id alone never reveals how many teams or keys exist.
 */
export const newTeamId = (): string => `team_${randomBase32(16)}`;
export const newKeyId = (): string => `key_${randomBase32(16)}`;
