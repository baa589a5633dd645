import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { MAX_SSE_EVENT_BYTES, SseEventTooLarge } from './sse-framer.js';

export interface SseEvent {
  /** The `event:` field, or undefined when the server sent none (OpenAI). */
  event?: string;
  data: string;
}

/**
 * Decodes a byte stream of Server-Sent Events, synchronously, chunk by chunk. Bytes are decoded as UTF-8
 * in streaming mode, so a multi-byte character split across chunks survives; line parsing is
 * eventsource-parser's (spec-complete: CR, LF and CRLF line ends, comments, multi-line data). More than
 * `maxEventChars` characters without an event (an upstream that never ends one) throw SseEventTooLarge:
 * the parser's buffer of an unfinished line is rescanned on every chunk, so it is bounded rather than
 * left to grow.
 */
export class SseDecoder {
  private readonly parser: EventSourceParser;
  private readonly decoder = new TextDecoder('utf-8');
  private first = true;
  private sinceEvent = 0;
  /** Where the parser's callback puts events during one `feed`. */
  private out: SseEvent[] = [];

  constructor(private readonly maxEventChars = MAX_SSE_EVENT_BYTES) {
    this.parser = createParser({
      onEvent: (message: EventSourceMessage) => {
        this.sinceEvent = 0;
        this.out.push(message.event === undefined ? { data: message.data } : { event: message.event, data: message.data });
      },
    });
  }

  /** Appends the events completed by this chunk to `out`. */
  feed(chunk: Uint8Array | string, out: SseEvent[]): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    // TextDecoder strips a byte-order mark from bytes; text input must lose it too.
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    this.sinceEvent += text.length;
    this.out = out;
    this.parser.feed(text);
    if (this.sinceEvent > this.maxEventChars) throw new SseEventTooLarge(this.maxEventChars);
  }

  /** At the end of the body: the events still held, an unterminated final one included. */
  end(out: SseEvent[]): void {
    this.out = out;
    const tail = this.decoder.decode();
    if (tail) this.parser.feed(tail);
    // A final event without its blank line is still an event: terminate it (reset({consume}) would
    // parse the line but never dispatch the event).
    this.parser.feed('\n\n');
  }
}

/** Encodes one SSE event. `event` is omitted for OpenAI-style streams. */
export function encodeSseEvent(data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}
