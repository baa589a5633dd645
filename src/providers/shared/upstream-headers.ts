/** undici's raw [name, value, …] buffers → lower-cased names, latin-1 values, repeats as arrays (no prototype). */
export function parseRawHeaders(raw: readonly (Buffer | string)[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = headerName(raw[i]);
    const value = raw[i + 1].toString('latin1');
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (typeof previous === 'string') headers[name] = [previous, value];
    else previous.push(value);
  }
  return headers;
}

/**
 * Header names seen before, by a hash of their lower-cased bytes: an answer's ~10–25 names are the same
 * on every call to a provider, and turning each into a new string (then hashing it as a property key)
 * was a visible share of reading an answer. Bounded: past the cap new names are decoded every time.
 */
const NAMES = new Map<number, string>();
const MAX_NAMES = 512;
const MAX_CACHED_LENGTH = 64;

/** The lower-cased name of a raw header name, shared with earlier answers that sent the same one. */
export function headerName(raw: Buffer | string): string {
  if (typeof raw === 'string') return raw.toLowerCase();
  const length = raw.length;
  if (length > MAX_CACHED_LENGTH) return raw.toString('latin1').toLowerCase();
  let hash = length;
  for (let i = 0; i < length; i++) hash = (Math.imul(hash, 31) + lowerAscii(raw[i])) | 0;
  const known = NAMES.get(hash);
  if (known !== undefined && sameName(raw, known)) return known;
  const name = raw.toString('latin1').toLowerCase();
  if (known === undefined && NAMES.size < MAX_NAMES) NAMES.set(hash, name);
  return name;
}

function lowerAscii(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

function sameName(raw: Buffer, name: string): boolean {
  if (name.length !== raw.length) return false;
  for (let i = 0; i < raw.length; i++) if (lowerAscii(raw[i]) !== name.charCodeAt(i)) return false;
  return true;
}
