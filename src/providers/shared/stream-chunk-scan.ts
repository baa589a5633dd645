const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const BRACE = 0x7b;

/** A few JSON object keys, as bytes, matched against a key found in place (no string made). */
export class JsonKeySet {
  private readonly keys: Uint8Array[];

  constructor(names: readonly string[]) {
    this.keys = names.map((name) => Buffer.from(name, 'latin1'));
  }

  /** Whether `bytes[start, start + length)` is one of the keys. */
  has(bytes: Uint8Array, start: number, length: number): boolean {
    for (const key of this.keys) if (key.length === length && sameBytes(bytes, start, key)) return true;
    return false;
  }
}

/** What one pass over a stream chunk's JSON found (reused between calls: read it before the next). */
export interface StreamChunkScan {
  /** Bytes inside the string values of the content keys, escapes counted as sent. */
  contentBytes: number;
  /** A `finish_reason` key with a string value. */
  finishReason: boolean;
  /** A `usage` key with an object value. */
  usage: boolean;
}

const FINISH_REASON = Buffer.from('finish_reason');
const USAGE = Buffer.from('usage');

/**
 * One pass over the JSON text in `bytes[from, end)` — keys are the strings followed by a colon, at any
 * depth — adding up the length of the string values of `content` keys and noting a string-valued
 * `finish_reason` and an object-valued `usage`. It replaces a native byte search per key (each a
 * call into C++ that cost more than scanning a chunk of a few hundred bytes in JavaScript). Strings
 * are skipped whole with their escapes, so text inside a value can never look like a key. Malformed
 * JSON ends the scan where it stops making sense; it never reads outside the range.
 */
export function scanStreamChunk(bytes: Uint8Array, from: number, end: number, content: JsonKeySet, out: StreamChunkScan): StreamChunkScan {
  out.contentBytes = 0;
  out.finishReason = false;
  out.usage = false;
  let i = from;
  while (i < end) {
    if (bytes[i] !== QUOTE) {
      i++;
      continue;
    }
    const start = i + 1;
    const close = stringEnd(bytes, start, end);
    if (close >= end) break;
    let next = skipBlanks(bytes, close + 1, end);
    if (next >= end || bytes[next] !== COLON) {
      i = close + 1; // a string value, not a key
      continue;
    }
    next = skipBlanks(bytes, next + 1, end);
    const length = close - start;
    if (next < end && bytes[next] === QUOTE) {
      const valueEnd = stringEnd(bytes, next + 1, end);
      if (valueEnd >= end) break; // unterminated: not counted
      if (content.has(bytes, start, length)) out.contentBytes += valueEnd - (next + 1);
      else if (length === FINISH_REASON.length && sameBytes(bytes, start, FINISH_REASON)) out.finishReason = true;
      i = valueEnd + 1;
      continue;
    }
    if (next < end && bytes[next] === BRACE && length === USAGE.length && sameBytes(bytes, start, USAGE)) out.usage = true;
    i = next;
  }
  return out;
}

/** Index of the quote that closes the string whose first byte is at `at` (end when unterminated). */
function stringEnd(bytes: Uint8Array, at: number, end: number): number {
  let i = at;
  while (i < end) {
    const byte = bytes[i];
    if (byte === QUOTE) return i;
    i += byte === BACKSLASH ? 2 : 1;
  }
  return end;
}

function skipBlanks(bytes: Uint8Array, at: number, end: number): number {
  let i = at;
  while (i < end) {
    const byte = bytes[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) break;
    i++;
  }
  return i;
}

function sameBytes(bytes: Uint8Array, at: number, key: Uint8Array): boolean {
  for (let k = 0; k < key.length; k++) if (bytes[at + k] !== key[k]) return false;
  return true;
}
