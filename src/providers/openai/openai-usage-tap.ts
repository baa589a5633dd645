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

/** Chunks that may carry usage; everything else skips JSON.parse entirely. */
const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/**
 * Passes a Chat Completions SSE body through while reading usage from it. The SSE parse runs
 * on the same bytes (push-based, so no chunk waits for the next one). When the client asked for
 * usage, bytes go out exactly as they came in; only when the usage chunk must be stripped are
 * events re-encoded (data and comments kept, the usage chunk dropped).
 */
export function tapOpenAIStream(source: AsyncIterable<Uint8Array>, options: UsageTapOptions): UsageTap {
  let resolveUsage: (usage: Usage | undefined) => void = () => undefined;
  const usage = new Promise<Usage | undefined>((resolve) => (resolveUsage = resolve));
  let seen: Usage | undefined;
  let pending: string[] = [];

  const parser = createParser({
    onEvent(event) {
      const kept = observe(event.data);
      if (options.stripUsage && kept !== undefined) pending.push(encodeSseEvent(kept, event.event));
    },
    onComment: options.stripUsage ? (comment) => pending.push(`: ${comment}\n\n`) : undefined,
  });

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

  function drain(): Uint8Array | undefined {
    if (pending.length === 0) return undefined;
    const bytes = Buffer.from(pending.join(''));
    pending = [];
    return bytes;
  }

  async function* run(): AsyncGenerator<Uint8Array> {
    const decoder = new TextDecoder('utf-8');
    try {
      for await (const chunk of source) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (!options.stripUsage) yield chunk;
        else {
          const bytes = drain();
          if (bytes) yield bytes;
        }
      }
      const tail = decoder.decode();
      if (tail) parser.feed(tail);
      parser.reset({ consume: true });
      const bytes = drain();
      if (bytes) yield bytes;
    } catch (error) {
      throw mapBodyReadError(error, options.provider, options.signal);
    } finally {
      resolveUsage(seen);
    }
  }

  return { body: run(), usage };
}
