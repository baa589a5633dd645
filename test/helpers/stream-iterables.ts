import type { Message } from '@smithy/eventstream-codec';
import { decodeEventStreamFrame, EventStreamFrameSplitter } from '../../src/providers/bedrock/bedrock-event-stream.js';
import { SseDecoder, type SseEvent } from '../../src/providers/shared/sse-decoder.js';

/**
 * The gateway's synchronous stream decoders (which it runs chunk by chunk inside undici's onData) over
 * an async iterable of chunks, for tests that feed them cut-up recordings.
 */

/** SSE events in arrival order (SseDecoder). */
export async function* decodeSse(body: AsyncIterable<Uint8Array | string>, maxEventChars?: number): AsyncGenerator<SseEvent> {
  const decoder = new SseDecoder(maxEventChars);
  const pending: SseEvent[] = [];
  for await (const chunk of body) {
    decoder.feed(chunk, pending);
    yield* pending.splice(0);
  }
  decoder.end(pending);
  yield* pending;
}

/** Each complete event stream frame, in order (EventStreamFrameSplitter). */
export async function* splitEventStreamFrames(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const splitter = new EventStreamFrameSplitter();
  const frames: Uint8Array[] = [];
  for await (const chunk of chunks) {
    splitter.push(chunk, frames);
    yield* frames.splice(0);
  }
  splitter.end();
}

/** Decoded event stream messages; throws on a bad CRC, header or length. */
export async function* decodeEventStream(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Message> {
  for await (const frame of splitEventStreamFrames(chunks)) yield decodeEventStreamFrame(frame);
}
