/**
 * Small non-cryptographic string hashes for the hot path (no allocation): FNV-1a over a string's UTF-16
 * code units, and MurmurHash3's fmix32 finaliser, which spreads the bits so that strings differing only
 * in their last characters (a request counter) or low bits used as an index still spread over the range.
 */

/** MurmurHash3's fmix32: spreads the bits of a 32-bit hash (unsigned result). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit FNV-1a of a string's code units, with a seed folded into the offset basis (unsigned result). */
export function fnv1a32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a finished with fmix32. */
export function hash32(text: string, seed = 0): number {
  return fmix32(fnv1a32(text, seed));
}
