import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import type { Usage } from '../../spec/index.js';
import type { AnthropicUsageFields } from './anthropic-api-types.js';
import { isRecord, parseJsonSafely } from './anthropic-narrowing.js';
import { convertAnthropicUsage, mergeAnthropicUsageFields, readAnthropicUsageFields } from './convert-anthropic-usage.js';

/**
 * Reads usage from Anthropic SSE bytes as they pass through, without changing them: the input side
 * from message_start, then the cumulative message_delta usage (last value wins). Only those two
 * event types are JSON-parsed, so the tap stays cheap on long streams.
 */
export class AnthropicUsageTap {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly parser: EventSourceParser;
  private fields: AnthropicUsageFields = {};
  private seen = false;

  constructor() {
    this.parser = createParser({ onEvent: (message) => this.onEvent(message) });
  }

  feed(chunk: Uint8Array | string): void {
    this.parser.feed(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
  }

  /** Usage seen so far, or undefined when no usage arrived at all. */
  usage(): Usage | undefined {
    return this.seen ? convertAnthropicUsage(this.fields) : undefined;
  }

  private onEvent(message: EventSourceMessage): void {
    if (message.event !== 'message_start' && message.event !== 'message_delta') return;
    const data = parseJsonSafely(message.data);
    if (!isRecord(data)) return;
    const raw = message.event === 'message_start' ? (isRecord(data.message) ? data.message.usage : undefined) : data.usage;
    if (!isRecord(raw)) return;
    this.fields = mergeAnthropicUsageFields(this.fields, readAnthropicUsageFields(raw));
    this.seen = true;
  }
}

/** Usage of a non-streaming Message body, or undefined when it has none (or is not JSON). */
export function usageFromAnthropicBody(text: string): Usage | undefined {
  const body = parseJsonSafely(text);
  if (!isRecord(body) || !isRecord(body.usage)) return undefined;
  return convertAnthropicUsage(readAnthropicUsageFields(body.usage));
}
