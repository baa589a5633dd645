const LF = 0x0a;
const CR = 0x0d;
const EVENT_END = Buffer.from('\n\n');

/**
 * The largest SSE event a passthrough tap holds while waiting for its blank line (bytes). Chat
 * streams send deltas of a few hundred bytes; an upstream that sends more without ending an event is
 * broken (or hostile) and is cut with a typed error instead of being buffered without bound.
 */
export const MAX_SSE_EVENT_BYTES = 8 * 1024 * 1024;

/** An event grew past the framer's limit before its blank line. */
export class SseEventTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`an SSE event exceeded ${limit} bytes without ending`);
  }
}

/**
 * Frames an SSE byte stream into whole events (each returned with its terminating blank line) using
 * native searches, for passthrough taps that must look at every event but forward bytes unchanged.
 * Streams with CR or CRLF line ends (allowed by SSE) are normalised to LF, a CR at the end of a chunk
 * being held back until the next one shows whether an LF follows. The bytes of an unfinished event
 * are kept as a list and joined once when it ends, so an event split over many chunks costs linear
 * time; past `maxEventBytes` the framer throws SseEventTooLarge. An event that is a whole chunk is
 * that chunk, not a copy.
 */
export class SseFramer {
  /** The unfinished event's bytes, oldest first. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private heldCr = false;

  constructor(private readonly maxEventBytes = MAX_SSE_EVENT_BYTES) {}

  /**
   * Feeds bytes; the events completed by them (possibly none) are written to `out` from index 0 on
   * (a list the caller reuses: nothing is allocated for it per chunk). Returns how many.
   */
  push(chunk: Uint8Array, out: Buffer[]): number {
    let count = 0;
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.heldCr || bytes.includes(CR)) bytes = this.normalise(bytes);
    const length = bytes.length;
    let start = 0;
    if (this.partsLength === 0) {
      // Blank lines between events belong to no event.
      while (start < length && bytes[start] === LF) start++;
    } else if (bytes[0] === LF && this.lastPartEndsWithLf()) {
      // The blank line ending the held event straddles the chunks.
      out[count++] = this.takeParts(bytes.subarray(0, 1));
      start = 1;
      while (start < length && bytes[start] === LF) start++;
    }
    for (;;) {
      const end = bytes.indexOf(EVENT_END, start);
      if (end < 0) break;
      const piece = start === 0 && end + 2 === length ? bytes : bytes.subarray(start, end + 2);
      out[count++] = this.partsLength > 0 ? this.takeParts(piece) : piece;
      start = end + 2;
      while (start < length && bytes[start] === LF) start++;
    }
    if (start < length) {
      const rest = start === 0 ? bytes : bytes.subarray(start);
      this.parts.push(rest);
      this.partsLength += rest.length;
      if (this.partsLength > this.maxEventBytes) {
        this.parts = [];
        this.partsLength = 0;
        throw new SseEventTooLarge(this.maxEventBytes);
      }
    }
    return count;
  }

  /** At end of stream: an unterminated last event (completed with its blank line), if any. */
  flush(): Buffer | undefined {
    if (this.partsLength === 0) return undefined;
    const rest = this.takeParts(undefined);
    return Buffer.concat([rest, rest[rest.length - 1] === LF ? Buffer.from('\n') : EVENT_END]);
  }

  /** Bytes held for an event that has not ended yet. */
  get pendingBytes(): number {
    return this.partsLength;
  }

  private lastPartEndsWithLf(): boolean {
    const last = this.parts[this.parts.length - 1];
    return last !== undefined && last[last.length - 1] === LF;
  }

  /** The held bytes plus `tail`, as one buffer; the framer holds nothing afterwards. */
  private takeParts(tail: Buffer | undefined): Buffer {
    const parts = this.parts;
    if (tail) parts.push(tail);
    const joined = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.partsLength + (tail?.length ?? 0));
    this.parts = [];
    this.partsLength = 0;
    return joined;
  }

  private normalise(bytes: Buffer): Buffer {
    let text = bytes.toString('latin1');
    if (this.heldCr) text = '\r' + text;
    this.heldCr = text.endsWith('\r');
    if (this.heldCr) text = text.slice(0, -1);
    return Buffer.from(text.replace(/\r\n?/g, '\n'), 'latin1');
  }
}

/** The `data:` payload of one framed event (lines joined with LF), or undefined when it has none. */
export function sseEventData(event: Buffer): string | undefined {
  // Fast path: a single `data: …` line (what OpenAI sends).
  const from = singleDataLineStart(event);
  if (from >= 0) return event.toString('utf8', from, event.length - 2);
  let data: string | undefined;
  for (const line of event.toString('utf8').split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line.startsWith('data: ') ? 6 : 5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

/**
 * Where the payload starts when the event is one `data:` line and nothing else (what OpenAI sends):
 * after `data: ` or `data:`; -1 for any other shape. The payload ends before the final blank line.
 */
export function singleDataLineStart(event: Buffer): number {
  if (event[0] !== 0x64 /* d */ || event[1] !== 0x61 /* a */ || event[2] !== 0x74 /* t */ || event[3] !== 0x61 /* a */ || event[4] !== 0x3a /* : */) return -1;
  if (event.indexOf(LF) !== event.length - 2) return -1;
  return event[5] === 0x20 ? 6 : 5;
}

/** The `event:` name of one framed event, or undefined. */
export function sseEventName(event: Buffer): string | undefined {
  if (event.toString('latin1', 0, 6) === 'event:') {
    const end = event.indexOf(LF);
    return event.toString('utf8', event[6] === 0x20 ? 7 : 6, end).trim();
  }
  const at = event.indexOf('\nevent:');
  if (at < 0) return undefined;
  const end = event.indexOf(LF, at + 1);
  return event.toString('utf8', at + 7, end).trim();
}
