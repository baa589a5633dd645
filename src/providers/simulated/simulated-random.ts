import { createHash } from 'node:crypto';

/** Hex SHA-256 of a string: the seed of everything the simulator generates for one request. */
export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A deterministic pseudo-random source (mulberry32) seeded from a hex hash. */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  integer(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `count` distinct elements of a list, in random order (fewer when the list is shorter). */
  sample<T>(items: readonly T[], count: number): T[];
}

export function createSeededRandom(hexHash: string): SeededRandom {
  let state = Number.parseInt(hexHash.slice(0, 8), 16) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    integer,
    pick: <T>(items: readonly T[]): T => items[integer(0, items.length - 1)],
    sample: <T>(items: readonly T[], count: number): T[] => {
      const pool = [...items];
      const out: T[] = [];
      while (out.length < count && pool.length > 0) out.push(pool.splice(integer(0, pool.length - 1), 1)[0]);
      return out;
    },
  };
}
