import { describe, expect, it } from 'vitest';
import { anthropicMessagesDialect } from '../../src/dialects/anthropic-messages/index.js';
import type { EncodeContext } from '../../src/dialects/dialect.js';
import type { ChatResult, FinishReason } from '../../src/spec/index.js';

const context: EncodeContext = { requestedModel: 'smart', servedModel: 'catalog-model', includeUsage: false };

function result(overrides: Partial<ChatResult> = {}): ChatResult {
  return {
    id: 'msg_01ABC',
    model: 'claude-sonnet-4-5',
    content: [{ type: 'text', text: 'Hello' }],
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 5 },
    warnings: [],
    ...overrides,
  };
}

const encode = (r: ChatResult) => anthropicMessagesDialect.encodeResponse(r, context) as Record<string, unknown>;

describe('anthropic encodeResponse', () => {
  it('renders a text message with every required Message field', () => {
    expect(encode(result())).toEqual({
      id: 'msg_01ABC',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('prefixes ids that are not Anthropic ids and falls back to the served model', () => {
    const body = encode(result({ id: 'chatcmpl-9xyz', model: '' }));
    expect(body.id).toBe('msg_chatcmpl-9xyz');
    expect(body.model).toBe('catalog-model');
    expect(encode(result({ id: '' })).id).toMatch(/^msg_.+/);
  });

  it('reports uncached input tokens: canonical input minus cache read minus cache write', () => {
    const body = encode(result({ usage: { inputTokens: 1000, outputTokens: 80, cacheReadTokens: 600, cacheWriteTokens: 300, reasoningTokens: 20 } }));
    expect(body.usage).toEqual({ input_tokens: 100, output_tokens: 80, cache_creation_input_tokens: 300, cache_read_input_tokens: 600 });
    const inconsistent = encode(result({ usage: { inputTokens: 5, outputTokens: 1, cacheReadTokens: 9 } }));
    expect((inconsistent.usage as Record<string, number>).input_tokens).toBe(0);
  });

  it('renders tool_use with parsed input objects and passes foreign tool ids through unchanged', () => {
    const body = encode(
      result({
        finishReason: 'tool-calls',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool-call', id: 'call_Ab12', name: 'get_weather', argumentsJson: '{"city":"Paris","days":[1,2]}' },
          { type: 'tool-call', id: 'toolu_01X', name: 'noop', argumentsJson: '' },
        ],
      }),
    );
    expect(body.stop_reason).toBe('tool_use');
    expect(body.content).toEqual([
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'call_Ab12', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } },
      { type: 'tool_use', id: 'toolu_01X', name: 'noop', input: {} },
    ]);
  });

  it('wraps arguments that are not a JSON object as {"_raw": text} instead of failing', () => {
    const body = encode(
      result({
        content: [
          { type: 'tool-call', id: 't1', name: 'f', argumentsJson: '{"city":"Par' },
          { type: 'tool-call', id: 't2', name: 'f', argumentsJson: '[1,2]' },
        ],
      }),
    );
    expect(body.content).toEqual([
      { type: 'tool_use', id: 't1', name: 'f', input: { _raw: '{"city":"Par' } },
      { type: 'tool_use', id: 't2', name: 'f', input: { _raw: '[1,2]' } },
    ]);
  });

  it('round-trips a thinking signature and redacted thinking through encode → decode', () => {
    const signature = 'CAISqwQKhwEIEBgCKkAciZInI2gcLrwOU5o9XFlIxHw9HaLI+/Y6V9wHoK2E0w==';
    const body = encode(
      result({
        content: [
          { type: 'reasoning', text: 'Think.', signature },
          { type: 'redacted-reasoning', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
          { type: 'reasoning', text: 'No signature from this upstream' },
          { type: 'text', text: 'Answer' },
        ],
      }),
    );
    expect(body.content).toEqual([
      { type: 'thinking', thinking: 'Think.', signature },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
      { type: 'thinking', thinking: 'No signature from this upstream', signature: '' },
      { type: 'text', text: 'Answer' },
    ]);
    const next = anthropicMessagesDialect.decodeRequest({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: (body.content as unknown[]).slice(0, 2) },
      ],
    });
    expect(next.messages[1].content).toEqual([
      { type: 'reasoning', text: 'Think.', signature },
      { type: 'redacted-reasoning', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
    ]);
  });

  it.each<[FinishReason, string]>([
    ['stop', 'end_turn'],
    ['stop-sequence', 'stop_sequence'],
    ['length', 'max_tokens'],
    ['tool-calls', 'tool_use'],
    ['content-filter', 'refusal'],
    ['pause', 'pause_turn'],
    ['other', 'end_turn'],
  ])('maps finish reason %s to %s', (finishReason, stopReason) => {
    expect(encode(result({ finishReason })).stop_reason).toBe(stopReason);
  });

  it('reports stop_sequence only when it is known and the reason is stop-sequence', () => {
    expect(encode(result({ finishReason: 'stop-sequence', stopSequence: '###' })).stop_sequence).toBe('###');
    expect(encode(result({ finishReason: 'stop-sequence' })).stop_sequence).toBeNull();
    expect(encode(result({ finishReason: 'stop', stopSequence: '###' })).stop_sequence).toBeNull();
  });
});
