import type { ChatStreamPart } from '../../spec/index.js';
import { decodeSse } from '../shared/sse-decoder.js';
import { mapBodyReadError } from '../shared/upstream-http.js';
import { AnthropicStreamTranslator, type AnthropicStreamContext } from './anthropic-stream-translator.js';

export interface AnthropicByteStreamContext extends AnthropicStreamContext {
  /** The call's abort signal: a read failure after it fired is reported as the client closing. */
  signal?: AbortSignal;
}

/**
 * Decodes an Anthropic SSE response body into canonical stream parts. Read failures (idle timeout,
 * reset connection, abort) become one `error` part; a body that ends without message_stop becomes a
 * retryable SWY_ERR_UPSTREAM_STREAM_TRUNCATED error part. Stopping the iteration early releases the
 * upstream body, which cancels the upstream request.
 */
export async function* decodeAnthropicStream(
  body: AsyncIterable<Uint8Array | string>,
  context: AnthropicByteStreamContext,
): AsyncGenerator<ChatStreamPart, void, undefined> {
  const translator = new AnthropicStreamTranslator(context);
  try {
    for await (const event of decodeSse(body)) {
      const wasFinished = translator.finished;
      for (const part of translator.push(event)) yield part;
      // After an error nothing follows; after finish the rest of the body is read (and ignored)
      // so the keep-alive connection can be reused.
      if (!wasFinished && translator.finishedWith === 'error') return;
    }
  } catch (error) {
    if (translator.finished) return;
    yield { type: 'error', error: mapBodyReadError(error, context.provider, context.signal) };
    return;
  }
  for (const part of translator.end()) yield part;
}
