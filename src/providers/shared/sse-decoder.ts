import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { MAX_SSE_EVENT_BYTES, SseEventTooLarge } from './sse-framer.js';

export interface SseEvent {
  /** The `event:` field, or undefined when the server sent none (OpenAI). */
  event?: string;
  data: string;
}

/**
 * Decodes a byte stream of Server-Sent Events. Bytes are decoded as UTF-8 in streaming mode, so a
 * multi-byte character split across chunks survives; line parsing is eventsource-parser's (spec-complete:
 * CR, LF and CRLF line ends, comments, multi-line data). Events are yielded in arrival order; an
 * unterminated final event is flushed when the stream ends. More than `maxEventChars` characters
 * without an event (an upstream that never ends one) throw SseEventTooLarge: the parser's buffer of
 * an unfinished line is rescanned on every chunk, so it is bounded rather than left to grow.
 */
export async function* decodeSse(body: AsyncIterable<Uint8Array | string>, maxEventChars = MAX_SSE_EVENT_BYTES): AsyncGenerator<SseEvent> {
  const pending: SseEvent[] = [];
  let sinceEvent = 0;
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      sinceEvent = 0;
      pending.push(message.event === undefined ? { data: message.data } : { event: message.event, data: message.data });
    },
  });
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of body) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    // TextDecoder strips a byte-order mark from bytes; text input must lose it too.
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    sinceEvent += text.length;
    parser.feed(text);
    if (sinceEvent > maxEventChars) throw new SseEventTooLarge(maxEventChars);
    yield* drain(pending);
  }
  const tail = decoder.decode();
  if (tail) parser.feed(tail);
  // A final event without its blank line is still an event: terminate it (reset({consume}) would
  // parse the line but never dispatch the event).
  parser.feed('\n\n');
  yield* drain(pending);
}

/**
 * The events a chunk completed, in order, then none: by index, not `shift()`, which moves the whole
 * array each time (one 10 MB chunk of small events took minutes that way).
 */
function* drain(pending: SseEvent[]): Generator<SseEvent> {
  for (let i = 0; i < pending.length; i++) yield pending[i];
  pending.length = 0;
}

/** Encodes one SSE event. `event` is omitted for OpenAI-style streams. */
export function encodeSseEvent(data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}
