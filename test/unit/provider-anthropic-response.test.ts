import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertAnthropicResponse } from '../../src/providers/anthropic/convert-anthropic-response.js';
import {
  convertAnthropicUsage,
  mergeAnthropicUsageFields,
  readAnthropicUsageFields,
} from '../../src/providers/anthropic/convert-anthropic-usage.js';
import { mapAnthropicStopReason } from '../../src/providers/anthropic/map-anthropic-stop-reason.js';
import { GatewayError } from '../../src/spec/index.js';
import { fixturePath, readFixtureJson } from '../helpers/fixtures.js';

const context = { provider: 'anthropic', upstreamModel: 'claude-called', upstreamRequestId: 'req_123' };

describe('mapAnthropicStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop-sequence'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool-calls'],
    ['refusal', 'content-filter'],
    ['pause_turn', 'pause'],
    ['compaction', 'stop'],
    ['something_new', 'other'],
    ['constructor', 'other'],
  ])('%s -> %s, keeping the raw value', (raw, expected) => {
    expect(mapAnthropicStopReason(raw)).toEqual({ finishReason: expected, rawFinishReason: raw });
  });

  it('maps a missing stop reason to other without a raw value', () => {
    expect(mapAnthropicStopReason(null)).toEqual({ finishReason: 'other' });
    expect(mapAnthropicStopReason(undefined)).toEqual({ finishReason: 'other' });
  });
});

describe('Anthropic usage', () => {
  it('makes input inclusive of cache writes and reads and keeps the breakdown', () => {
    const fields = readAnthropicUsageFields({
      input_tokens: 100,
      cache_creation_input_tokens: 20,
      cache_read_input_tokens: 30,
      output_tokens: 55,
      output_tokens_details: { thinking_tokens: 40 },
    });
    expect(convertAnthropicUsage(fields)).toEqual({ inputTokens: 150, outputTokens: 55, cacheWriteTokens: 20, cacheReadTokens: 30, reasoningTokens: 40 });
  });

  it('omits unknown breakdowns and treats null as absent', () => {
    expect(convertAnthropicUsage(readAnthropicUsageFields({ input_tokens: 7, output_tokens: 3 }))).toEqual({ inputTokens: 7, outputTokens: 3 });
    expect(
      convertAnthropicUsage(readAnthropicUsageFields({ input_tokens: 7, cache_creation_input_tokens: null, cache_read_input_tokens: null, output_tokens: 3 })),
    ).toEqual({ inputTokens: 7, outputTokens: 3 });
    expect(convertAnthropicUsage(readAnthropicUsageFields(undefined))).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('merges cumulative stream usage by replacing fields, never adding', () => {
    const start = readAnthropicUsageFields({ input_tokens: 12, cache_read_input_tokens: 8, output_tokens: 1 });
    const first = mergeAnthropicUsageFields(start, readAnthropicUsageFields({ output_tokens: 10 }));
    const last = mergeAnthropicUsageFields(first, readAnthropicUsageFields({ output_tokens: 30 }));
    expect(convertAnthropicUsage(last)).toEqual({ inputTokens: 20, outputTokens: 30, cacheReadTokens: 8 });
    // Newer API versions repeat the input side in message_delta; the later value replaces the earlier one.
    const proxied = mergeAnthropicUsageFields(start, readAnthropicUsageFields({ input_tokens: 61, output_tokens: 2 }));
    expect(convertAnthropicUsage(proxied)).toEqual({ inputTokens: 69, outputTokens: 2, cacheReadTokens: 8 });
  });
});

describe('convertAnthropicResponse', () => {
  it('converts text, tool_use, thinking and redacted_thinking with stop sequence and request id', () => {
    const result = convertAnthropicResponse(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'c2ln+/=' },
          { type: 'redacted_thinking', data: 'opaque==' },
          { type: 'text', text: 'Calling.' },
          { type: 'tool_use', id: 'toolu_9', name: 'search', input: { q: 'x', n: 2 } },
        ],
        stop_reason: 'stop_sequence',
        stop_sequence: '###',
        usage: { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 0, output_tokens: 4 },
      },
      context,
    );
    expect(result).toEqual({
      id: 'msg_1',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'reasoning', text: 'hmm', signature: 'c2ln+/=' },
        { type: 'redacted-reasoning', data: 'opaque==' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool-call', id: 'toolu_9', name: 'search', argumentsJson: '{"q":"x","n":2}' },
      ],
      finishReason: 'stop-sequence',
      rawFinishReason: 'stop_sequence',
      stopSequence: '###',
      usage: { inputTokens: 15, outputTokens: 4, cacheWriteTokens: 5, cacheReadTokens: 0 },
      warnings: [],
      upstreamRequestId: 'req_123',
    });
  });

  it('rejects a body that is not a Message as a bad upstream response', () => {
    for (const body of [null, 'text', { id: 'x' }, { content: ['not a block'] }, { content: [{ type: 'text' }] }]) {
      let caught: unknown;
      try {
        convertAnthropicResponse(body, context);
      } catch (error) {
        caught = error;
      }
      expect(GatewayError.is(caught) && caught.code).toBe('SWY_ERR_UPSTREAM_BAD_RESPONSE');
      expect((caught as GatewayError).upstreamRequestId).toBe('req_123');
    }
  });

  const jsonFixtures = readdirSync(fixturePath('anthropic/recorded-vercel-ai')).filter((name) => name.endsWith('.json'));

  it('finds the recorded Message fixtures', () => {
    expect(jsonFixtures.length).toBeGreaterThanOrEqual(7);
  });

  it.each(jsonFixtures)('converts recorded Message %s', (name) => {
    const raw = readFixtureJson<Record<string, unknown>>(`anthropic/recorded-vercel-ai/${name}`);
    const result = convertAnthropicResponse(raw, context);
    const blocks = raw.content as Array<Record<string, unknown>>;
    const kept = blocks.filter((b) => ['text', 'tool_use', 'thinking', 'redacted_thinking'].includes(String(b.type)));
    expect(result.id).toBe(raw.id);
    expect(result.model).toBe(raw.model);
    expect(result.content).toHaveLength(kept.length);
    kept.forEach((block, i) => {
      const part = result.content[i];
      if (block.type === 'text') expect(part).toEqual({ type: 'text', text: block.text });
      if (block.type === 'thinking') expect(part).toEqual({ type: 'reasoning', text: block.thinking, signature: block.signature });
      if (block.type === 'tool_use') {
        expect(part).toMatchObject({ type: 'tool-call', id: block.id, name: block.name });
        expect(JSON.parse((part as { argumentsJson: string }).argumentsJson)).toEqual(block.input);
      }
    });
    // Server-tool blocks are dropped, each with a warning.
    expect(result.warnings).toHaveLength(blocks.length - kept.length);
    for (const warning of result.warnings) expect(warning.type).toBe('dropped-content');
    const usage = raw.usage as Record<string, number>;
    expect(result.usage.inputTokens).toBe(usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens);
    expect(result.usage.outputTokens).toBe(usage.output_tokens);
    const expectedFinish: Record<string, string> = { end_turn: 'stop', tool_use: 'tool-calls', refusal: 'content-filter', max_tokens: 'length' };
    expect(result.finishReason).toBe(expectedFinish[String(raw.stop_reason)]);
    expect(result.rawFinishReason).toBe(raw.stop_reason);
  });
});
