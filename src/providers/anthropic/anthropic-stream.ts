import type { ChatStreamPart } from '../../spec/index.js';
import { DecodedStream, type StreamDecoder } from '../shared/decoded-stream.js';
import { SseDecoder, type SseEvent } from '../shared/sse-decoder.js';
import { mapBodyReadError } from '../shared/upstream-http.js';
import { AnthropicStreamTranslator, type AnthropicStreamContext } from './anthropic-stream-translator.js';

export interface AnthropicByteStreamContext extends AnthropicStreamContext {
  /** The call's abort signal: a read failure after it fired is reported as the client closing. */
  signal?: AbortSignal;
}

/**
 * Decodes an Anthropic SSE response body into canonical stream parts. Read failures (idle timeout,
 * reset connection, abort) become one `error` part; a body that ends without message_stop becomes a
 * retryable SWY_ERR_UPSTREAM_STREAM_TRUNCATED error part. After an error part nothing more is read and
 * the upstream call is abandoned; after the finish the rest of the body is read (and ignored) so the
 * keep-alive connection can be reused. Stopping the iteration early releases the upstream body, which
 * cancels the upstream request. On an UpstreamChunks the decoding runs as undici delivers each chunk
 * (DecodedStream: no async generator per layer).
 */
export function decodeAnthropicStream(body: AsyncIterable<Uint8Array | string>, context: AnthropicByteStreamContext): DecodedStream<ChatStreamPart, Uint8Array | string> {
  return new DecodedStream(body, new AnthropicPartsDecoder(context));
}

class AnthropicPartsDecoder implements StreamDecoder<ChatStreamPart, Uint8Array | string> {
  private readonly sse = new SseDecoder();
  private readonly events: SseEvent[] = [];
  private readonly translator: AnthropicStreamTranslator;

  constructor(private readonly context: AnthropicByteStreamContext) {
    this.translator = new AnthropicStreamTranslator(context);
  }

  chunk(chunk: Uint8Array | string, out: ChatStreamPart[]): 'more' | 'stop' {
    this.sse.feed(chunk, this.events);
    return this.translate(out);
  }

  end(out: ChatStreamPart[]): void {
    this.sse.end(this.events);
    if (this.translate(out) === 'stop') return;
    for (const part of this.translator.end()) out.push(part);
  }

  fail(error: unknown, out: ChatStreamPart[]): void {
    this.events.length = 0;
    if (this.translator.finished) return;
    out.push({ type: 'error', error: mapBodyReadError(error, this.context.provider, this.context.signal) });
  }

  /** The decoded events' parts; 'stop' once an error part ended the stream. */
  private translate(out: ChatStreamPart[]): 'more' | 'stop' {
    const events = this.events;
    try {
      for (let i = 0; i < events.length; i++) {
        const wasFinished = this.translator.finished;
        for (const part of this.translator.push(events[i])) out.push(part);
        if (!wasFinished && this.translator.finishedWith === 'error') return 'stop';
      }
      return 'more';
    } finally {
      events.length = 0;
    }
  }
}
