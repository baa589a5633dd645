import { describe, expect, it } from 'vitest';
import { anthropicMessagesDialect } from '../../src/dialects/anthropic-messages/index.js';
import type { EncodeContext } from '../../src/dialects/dialect.js';
import { GatewayError, type ChatStreamPart, type Usage } from '../../src/spec/index.js';
import { assertAnthropicEventOrder, parseAnthropicSse, type AnthropicSseEvent } from '../helpers/anthropic-stream-checker.js';

const context: EncodeContext = { requestedModel: 'smart', servedModel: 'catalog-model', includeUsage: false };

function encode(parts: ChatStreamPart[]): string {
  const encoder = anthropicMessagesDialect.createStreamEncoder(context);
  return parts.map((part) => encoder.push(part)).join('') + encoder.end();
}

function events(parts: ChatStreamPart[]): AnthropicSseEvent[] {
  const parsed = parseAnthropicSse(encode(parts));
  assertAnthropicEventOrder(parsed);
  return parsed;
}

/** Parsed event data, navigable without `any` (values are compared with toEqual/toBe). */
interface JsonTree {
  readonly [key: string]: JsonTree;
}
const json = (event: AnthropicSseEvent) => event.json as JsonTree;
const types = (list: AnthropicSseEvent[]) => list.map((e) => e.event);
const finalUsage: Usage = { inputTokens: 120, outputTokens: 42, cacheReadTokens: 80, cacheWriteTokens: 10 };

describe('anthropic stream encoder', () => {
  it('encodes a text stream in the exact Anthropic SSE framing', () => {
    const text = encode([
      { type: 'start', id: 'msg_01', model: 'claude-x' },
      { type: 'text-start', index: 0 },
      { type: 'text-delta', index: 0, delta: 'Hel' },
      { type: 'text-delta', index: 0, delta: 'lo\n"world"' },
      { type: 'text-end', index: 0 },
      { type: 'finish', finishReason: 'stop', usage: finalUsage },
    ]);
    expect(text.startsWith('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01",')).toBe(true);
    expect(text).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(text).toContain(
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo\\n\\"world\\""}}\n\n',
    );
    expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    expect(text).not.toContain('[DONE]');

    const parsed = parseAnthropicSse(text);
    assertAnthropicEventOrder(parsed);
    expect(types(parsed)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const event of parsed) expect(json(event).type).toBe(event.event);
    const start = json(parsed[0]).message;
    expect(start).toMatchObject({ id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null });
    expect(json(parsed[6])).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 30, cache_creation_input_tokens: 10, cache_read_input_tokens: 80, output_tokens: 42 },
    });
  });

  it('puts input usage reported right after start into message_start, else zeros', () => {
    const early = events([
      { type: 'start', id: 'chatcmpl-1', model: 'gpt' },
      { type: 'usage', usage: { inputTokens: 50, outputTokens: 1, cacheReadTokens: 20 } },
      { type: 'text-start', index: 0 },
      { type: 'text-end', index: 0 },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 50, outputTokens: 7, cacheReadTokens: 20 } },
    ]);
    expect(json(early[0]).message.id).toBe('msg_chatcmpl-1');
    expect(json(early[0]).message.usage).toEqual({ input_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 20, output_tokens: 1 });

    const late = events([
      { type: 'start', id: 'x', model: '' },
      { type: 'text-start', index: 0 },
      { type: 'text-delta', index: 0, delta: 'a' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 3 } },
      { type: 'text-end', index: 0 },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 3 } },
    ]);
    expect(json(late[0]).message.usage.input_tokens).toBe(0);
    expect(json(late[0]).message.model).toBe('catalog-model');
    expect(json(late.at(-2)!).usage.input_tokens).toBe(9);
  });

  it('encodes parallel tool calls as tool_use blocks with input_json_delta, renumbered densely', () => {
    const parsed = events([
      { type: 'start', id: 'msg_t', model: 'm' },
      { type: 'text-start', index: 3 },
      { type: 'text-delta', index: 3, delta: 'Both.' },
      { type: 'text-end', index: 3 },
      { type: 'tool-call-start', index: 5, id: 'call_1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 5, argumentsDelta: '' },
      { type: 'tool-call-delta', index: 5, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 5, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-end', index: 5 },
      { type: 'tool-call-start', index: 6, id: 'toolu_2', name: 'get_time' },
      { type: 'tool-call-delta', index: 6, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 6 },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 10, outputTokens: 20 } },
    ]);
    const starts = parsed.filter((e) => e.event === 'content_block_start').map((e) => json(e));
    expect(starts).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} } },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} } },
    ]);
    const fragments = parsed
      .filter((e) => e.event === 'content_block_delta' && (json(e).index as unknown) === 1)
      .map((e) => json(e).delta);
    expect(fragments).toEqual([
      { type: 'input_json_delta', partial_json: '{"city":' },
      { type: 'input_json_delta', partial_json: '"Paris"}' },
    ]);
    expect(json(parsed.at(-2)!).delta.stop_reason).toBe('tool_use');
  });

  it('encodes thinking with its signature and redacted thinking', () => {
    const parsed = events([
      { type: 'start', id: 'msg_r', model: 'm' },
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, delta: 'Let me ' },
      { type: 'reasoning-delta', index: 0, delta: 'think.' },
      { type: 'reasoning-signature', index: 0, signature: 'EvQBCkYI+/==' },
      { type: 'reasoning-end', index: 0 },
      { type: 'redacted-reasoning', index: 1, data: 'EmwKAhgB' },
      { type: 'text-start', index: 2 },
      { type: 'text-delta', index: 2, delta: '42' },
      { type: 'text-end', index: 2 },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } },
    ]);
    const body = parsed.filter((e) => e.event?.startsWith('content_block')).map((e) => json(e));
    expect(body).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EvQBCkYI+/==' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'EmwKAhgB' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: '42' } },
      { type: 'content_block_stop', index: 2 },
    ]);
  });

  it('repairs a canonical stream that starts a block before start and finishes with a block open', () => {
    const parsed = events([
      { type: 'text-delta', index: 0, delta: 'early' },
      { type: 'start', id: 'msg_late', model: 'm' },
      { type: 'text-delta', index: 0, delta: ' text' },
      { type: 'reasoning-delta', index: 1, delta: 'hmm' },
      { type: 'finish', finishReason: 'length', usage: { inputTokens: 3, outputTokens: 4 } },
    ]);
    expect(types(parsed)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(json(parsed[0]).message.id).toMatch(/^msg_/);
    expect(json(parsed.at(-2)!).delta.stop_reason).toBe('max_tokens');
  });

  it('ignores parts after finish and stop_sequence is reported when known', () => {
    const encoder = anthropicMessagesDialect.createStreamEncoder(context);
    encoder.push({ type: 'start', id: 'msg_s', model: 'm' });
    const finish = encoder.push({ type: 'finish', finishReason: 'stop-sequence', stopSequence: '###', usage: { inputTokens: 1, outputTokens: 1 } });
    expect(encoder.push({ type: 'text-delta', index: 0, delta: 'late' })).toBe('');
    expect(encoder.end()).toBe('');
    const parsed = parseAnthropicSse(finish);
    assertAnthropicEventOrder(parsed);
    expect(json(parsed.find((e) => e.event === 'message_delta')!).delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: '###' });
  });

  it('ends with an error event mid-stream and writes nothing after it', () => {
    const encoder = anthropicMessagesDialect.createStreamEncoder(context);
    let text = encoder.push({ type: 'start', id: 'msg_e', model: 'm' });
    text += encoder.push({ type: 'text-start', index: 0 });
    text += encoder.push({ type: 'text-delta', index: 0, delta: 'partial' });
    const error = new GatewayError({ code: 'SWY_ERR_UPSTREAM_OVERLOADED', kind: 'overloaded', message: 'Overloaded', upstreamStatus: 529 });
    const errorText = encoder.push({ type: 'error', error });
    expect(errorText).toBe('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
    text += errorText;
    expect(encoder.push({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } })).toBe('');
    expect(encoder.end()).toBe('');
    const parsed = parseAnthropicSse(text);
    assertAnthropicEventOrder(parsed);
    expect(parsed.at(-1)!.event).toBe('error');
  });

  it('turns a stream that ends without finish into an api_error event', () => {
    const encoder = anthropicMessagesDialect.createStreamEncoder(context);
    const text = encoder.push({ type: 'start', id: 'msg_x', model: 'm' }) + encoder.push({ type: 'text-delta', index: 0, delta: 'cut' }) + encoder.end();
    const parsed = parseAnthropicSse(text);
    assertAnthropicEventOrder(parsed);
    expect(json(parsed.at(-1)!)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });
});
