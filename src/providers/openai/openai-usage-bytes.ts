import type { Usage } from '../../spec/index.js';

/**
 * A Chat Completions `usage` object read straight from the answer's bytes, for the non-stream
 * passthrough: no string is decoded and no object is parsed, where `JSON.parse` of the cut-out object
 * was the largest single item of the gateway's own code in the profile. It reads exactly the JSON
 * that usage objects are made of — an object whose values are non-negative integers, `null`, or
 * objects of those — and gives up (undefined) on anything else, valid or not (a string, an array, a
 * fraction, an exponent, a minus sign, an escaped key, 16+ digits, malformed JSON): the caller then
 * parses, so the answer is always what `convertOpenAIUsage(JSON.parse(…))` gives.
 * `bytes[start]` must be the object's `{`; the object must end exactly at `end` (exclusive). This exact
 * form is what the tests hold against JSON.parse; the passthrough reads with usageObjectAt below.
 */
export function usageFromBytes(bytes: Uint8Array, start: number, end: number): Usage | undefined {
  const reader = new UsageBytes(bytes, end);
  return reader.read(start);
}

/**
 * The same for an object that starts at `start` and ends wherever its closing brace is (what follows is
 * not looked at): the reader finds the end itself, so the caller need not walk the bytes once more to
 * find it first (that pass cost as many instructions as the read).
 */
export function usageObjectAt(bytes: Uint8Array, start: number): Usage | undefined {
  return new UsageBytes(bytes, bytes.length).readObject(start);
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NINE = 0x39;

/** Keys that matter, as byte strings; every other key's value is read and dropped. */
const KEY = {
  prompt: bytesOf('prompt_tokens'),
  completion: bytesOf('completion_tokens'),
  promptDetails: bytesOf('prompt_tokens_details'),
  completionDetails: bytesOf('completion_tokens_details'),
  cached: bytesOf('cached_tokens'),
  cacheWrite: bytesOf('cache_write_tokens'),
  reasoning: bytesOf('reasoning_tokens'),
};

function bytesOf(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

/** Sentinel: the value is not one this reader takes. */
const GIVE_UP = -2;
/** A JSON null (or an object, where a number was asked for): no count. */
const NONE = -1;

class UsageBytes {
  private i = 0;
  private prompt = NONE;
  private completion = NONE;
  private cached = NONE;
  private cacheWrite = NONE;
  private reasoning = NONE;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly end: number,
  ) {}

  read(start: number): Usage | undefined {
    const usage = this.readObject(start);
    if (usage === undefined) return undefined;
    this.blanks();
    return this.i === this.end ? usage : undefined;
  }

  /** The object at `start`, read up to and including its closing brace. */
  readObject(start: number): Usage | undefined {
    this.i = start;
    if (!this.object(0)) return undefined;
    const usage: Usage = { inputTokens: this.prompt >= 0 ? this.prompt : 0, outputTokens: this.completion >= 0 ? this.completion : 0 };
    if (this.cached >= 0) usage.cacheReadTokens = this.cached;
    if (this.cacheWrite >= 0) usage.cacheWriteTokens = this.cacheWrite;
    if (this.reasoning >= 0) usage.reasoningTokens = this.reasoning;
    return usage;
  }

  /**
   * An object at `this.i` (its `{`): depth 0 is the usage object, 1 a details object (`owner` says
   * which). Records the counts it knows; false to give up.
   */
  private object(depth: number, owner?: Uint8Array): boolean {
    const bytes = this.bytes;
    if (bytes[this.i] !== OPEN) return false;
    this.i++;
    this.blanks();
    if (bytes[this.i] === CLOSE) {
      this.i++;
      return true;
    }
    for (;;) {
      this.blanks();
      if (this.i >= this.end || bytes[this.i] !== QUOTE) return false;
      const keyStart = this.i + 1;
      let keyEnd = keyStart;
      while (keyEnd < this.end && bytes[keyEnd] !== QUOTE) {
        if (bytes[keyEnd] === BACKSLASH) return false;
        keyEnd++;
      }
      if (keyEnd >= this.end) return false;
      this.i = keyEnd + 1;
      this.blanks();
      if (bytes[this.i] !== COLON) return false;
      this.i++;
      this.blanks();
      if (bytes[this.i] === OPEN) {
        if (depth > 0) return false;
        const details = this.is(keyStart, keyEnd, KEY.promptDetails) ? KEY.promptDetails : this.is(keyStart, keyEnd, KEY.completionDetails) ? KEY.completionDetails : undefined;
        if (details === KEY.promptDetails) this.cached = this.cacheWrite = NONE; // a later duplicate replaces the whole object
        if (details === KEY.completionDetails) this.reasoning = NONE;
        if (!this.object(1, details)) return false;
      } else {
        const value = this.scalar();
        if (value === GIVE_UP) return false;
        this.assign(depth, owner, keyStart, keyEnd, value);
      }
      this.blanks();
      const next = bytes[this.i];
      this.i++;
      if (next === CLOSE) return true;
      if (next !== COMMA || this.i >= this.end) return false;
    }
  }

  private assign(depth: number, owner: Uint8Array | undefined, keyStart: number, keyEnd: number, value: number): void {
    if (depth === 0) {
      if (this.is(keyStart, keyEnd, KEY.prompt)) this.prompt = value;
      else if (this.is(keyStart, keyEnd, KEY.completion)) this.completion = value;
      else if (this.is(keyStart, keyEnd, KEY.promptDetails)) this.cached = this.cacheWrite = NONE; // "prompt_tokens_details": null
      else if (this.is(keyStart, keyEnd, KEY.completionDetails)) this.reasoning = NONE;
    } else if (owner === KEY.promptDetails) {
      if (this.is(keyStart, keyEnd, KEY.cached)) this.cached = value;
      else if (this.is(keyStart, keyEnd, KEY.cacheWrite)) this.cacheWrite = value;
    } else if (owner === KEY.completionDetails) {
      if (this.is(keyStart, keyEnd, KEY.reasoning)) this.reasoning = value;
    }
  }

  /** `null` (NONE) or a non-negative integer of at most 15 digits; GIVE_UP for anything else. */
  private scalar(): number {
    const bytes = this.bytes;
    let i = this.i;
    if (bytes[i] === 0x6e /* n */) {
      if (i + 4 > this.end || bytes[i + 1] !== 0x75 || bytes[i + 2] !== 0x6c || bytes[i + 3] !== 0x6c) return GIVE_UP;
      this.i = i + 4;
      return NONE;
    }
    const first = i;
    let value = 0;
    while (i < this.end && bytes[i] >= ZERO && bytes[i] <= NINE) value = value * 10 + (bytes[i++] - ZERO);
    const digits = i - first;
    if (digits === 0 || digits > 15 || (digits > 1 && bytes[first] === ZERO)) return GIVE_UP;
    // A fraction or an exponent would follow here: not an integer count, leave it to JSON.parse.
    const after = bytes[i];
    if (after === 0x2e /* . */ || after === 0x65 /* e */ || after === 0x45 /* E */) return GIVE_UP;
    this.i = i;
    return value;
  }

  private blanks(): void {
    const bytes = this.bytes;
    while (this.i < this.end) {
      const byte = bytes[this.i];
      if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return;
      this.i++;
    }
  }

  private is(start: number, end: number, key: Uint8Array): boolean {
    if (end - start !== key.length) return false;
    const bytes = this.bytes;
    for (let k = 0; k < key.length; k++) if (bytes[start + k] !== key[k]) return false;
    return true;
  }
}
