import { createParser } from 'eventsource-parser';
import type { Usage } from '../../spec/index.js';
import { encodeSseEvent } from '../shared/sse-decoder.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import type { OpenAIWireUsage } from './openai-wire-types.js';
import { mapBodyReadError } from '../shared/upstream-http.js';

export interface UsageTapOptions {
  /**
   * The gateway forced `include_usage` on a client that did not ask for it: remove the usage chunk
   * (and a `usage` object on any other chunk) before the bytes reach the client.
   */
  stripUsage: boolean;
  provider: string;
  signal: AbortSignal;
}

export interface UsageTap {
  body: AsyncIterable<Uint8Array>;
  /** Resolves once the body is done, failed or abandoned, with the last usage seen. */
  usage: Promise<Usage | undefined>;
}

const EVENT_END = Buffer.from('\n\n');
const USAGE_OBJECT_MARKERS = [Buffer.from('"usage":{'), Buffer.from('"usage": {')];
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const CR = 0x0d;

function mayCarryUsage(bytes: Buffer): boolean {
  return USAGE_OBJECT_MARKERS.some((marker) => bytes.includes(marker));
}

/**
 * Passes a Chat Completions SSE body through while reading usage from it, on the hot path of every
 * streamed passthrough, so it works on bytes: events are framed at their blank lines with native
 * searches, and only events that carry a usage object are decoded and parsed. When the client asked
 * for usage, chunks go out exactly as they came in, at once. When the usage chunk must be stripped,
 * whole events go out as they complete, unchanged except for the dropped usage chunk. A stream that
 * uses CR line ends (allowed by SSE, unseen from OpenAI) is handled by the spec-complete parser instead.
 */
export function tapOpenAIStream(source: AsyncIterable<Uint8Array>, options: UsageTapOptions): UsageTap {
  let resolveUsage: (usage: Usage | undefined) => void = () => undefined;
  const usage = new Promise<Usage | undefined>((resolve) => (resolveUsage = resolve));
  let seen: Usage | undefined;

  /** Records usage; returns the data to forward in strip mode (undefined drops the event). */
  function observe(data: string): string | undefined {
    if (!USAGE_OBJECT.test(data)) return data;
    let chunk: { usage?: OpenAIWireUsage | null; choices?: unknown };
    try {
      chunk = JSON.parse(data) as typeof chunk;
    } catch {
      return data;
    }
    if (!chunk.usage || typeof chunk.usage !== 'object') return data;
    seen = convertOpenAIUsage(chunk.usage);
    if (!options.stripUsage) return data;
    if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return undefined;
    delete chunk.usage;
    return JSON.stringify(chunk);
  }

  /** Complete events (ending in a blank line) that contain a usage object: observe each, re-encode what changed. */
  function processEvents(events: Buffer): Buffer {
    const out: string[] = [];
    for (const raw of events.toString('utf8').split('\n\n')) {
      if (raw === '') continue;
      const lines = raw.split('\n');
      const dataLines = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (dataLines.length === 0) {
        out.push(raw + '\n\n');
        continue;
      }
      const data = dataLines.join('\n');
      const kept = observe(data);
      if (kept === undefined) continue;
      out.push(kept === data ? raw + '\n\n' : encodeSseEvent(kept, eventName(lines)));
    }
    return Buffer.from(out.join(''));
  }

  /** The spec-complete path, for CR-delimited streams. */
  function parserPath(): { feed(bytes: Uint8Array): Uint8Array | undefined; end(): Uint8Array | undefined } {
    let pending: string[] = [];
    const decoder = new TextDecoder('utf-8');
    const parser = createParser({
      onEvent(event) {
        const kept = observe(event.data);
        if (options.stripUsage && kept !== undefined) pending.push(encodeSseEvent(kept, event.event));
      },
      onComment: options.stripUsage ? (comment) => pending.push(`: ${comment}\n\n`) : undefined,
    });
    const drain = () => {
      if (!options.stripUsage || pending.length === 0) return undefined;
      const bytes = Buffer.from(pending.join(''));
      pending = [];
      return bytes;
    };
    return {
      feed(bytes) {
        parser.feed(decoder.decode(bytes, { stream: true }));
        return drain();
      },
      end() {
        const tail = decoder.decode();
        if (tail) parser.feed(tail);
        parser.feed('\n\n');
        return drain();
      },
    };
  }

  async function* run(): AsyncGenerator<Uint8Array> {
    let carry: Buffer | undefined;
    let slow: ReturnType<typeof parserPath> | undefined;
    try {
      for await (const chunk of source) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (!slow && bytes.includes(CR)) {
          slow = parserPath();
          if (carry) {
            const earlier = slow.feed(carry);
            if (earlier) yield earlier;
            carry = undefined;
          }
        }
        if (slow) {
          const out = slow.feed(bytes);
          if (!options.stripUsage) yield bytes;
          else if (out) yield out;
          continue;
        }
        if (!options.stripUsage) yield bytes;
        const data = carry ? Buffer.concat([carry, bytes]) : bytes;
        const cut = data.lastIndexOf(EVENT_END);
        if (cut < 0) {
          carry = data;
          continue;
        }
        const complete = data.subarray(0, cut + 2);
        carry = cut + 2 < data.length ? data.subarray(cut + 2) : undefined;
        if (!mayCarryUsage(complete)) {
          if (options.stripUsage) yield complete;
          continue;
        }
        const processed = processEvents(complete);
        if (options.stripUsage && processed.length > 0) yield processed;
      }
      if (slow) {
        const out = slow.end();
        if (out) yield out;
      } else if (carry) {
        // an unterminated last event
        const processed = mayCarryUsage(carry) ? processEvents(Buffer.concat([carry, EVENT_END])) : carry;
        if (options.stripUsage && processed.length > 0) yield processed;
      }
    } catch (error) {
      throw mapBodyReadError(error, options.provider, options.signal);
    } finally {
      resolveUsage(seen);
    }
  }

  return { body: run(), usage };
}

function eventName(lines: string[]): string | undefined {
  const line = lines.find((l) => l.startsWith('event:'));
  return line === undefined ? undefined : line.slice(6).trim();
}
