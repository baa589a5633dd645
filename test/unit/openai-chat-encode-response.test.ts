import { describe, expect, it } from 'vitest';
import { openaiChatDialect } from '../../src/dialects/openai-chat/index.js';
import type { ChatResult, FinishReason } from '../../src/spec/index.js';
import type { EncodeContext } from '../../src/dialects/dialect.js';
import { describeErrors, validateChatCompletion } from '../helpers/openapi-validator.js';

const context: EncodeContext = { requestedModel: 'smart', servedModel: 'gpt-4o', includeUsage: false };

function result(overrides: Partial<ChatResult> = {}): ChatResult {
  return {
    id: 'chatcmpl-abc',
    model: 'gpt-4o-2024-08-06',
    content: [{ type: 'text', text: 'Hello' }],
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 5 },
    warnings: [],
    ...overrides,
  };
}

interface Completion {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: string; content: string | null; refusal: null; annotations: unknown[]; tool_calls?: unknown[] };
    logprobs: null;
    finish_reason: string;
  }>;
  usage: Record<string, unknown>;
}

function encode(r: ChatResult): Completion {
  const body = openaiChatDialect.encodeResponse(r, context) as Completion;
  const validation = validateChatCompletion(body);
  expect(validation.valid, describeErrors(validation.errors)).toBe(true);
  return body;
}

describe('openai-chat encodeResponse', () => {
  it('encodes a text answer as a schema-valid chat.completion', () => {
    const before = Math.floor(Date.now() / 1000);
    const body = encode(result({ content: [{ type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }] }));
    expect(body).toMatchObject({
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      model: 'gpt-4o-2024-08-06',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
    });
    expect(body.choices[0].message).not.toHaveProperty('tool_calls');
    expect(Number.isInteger(body.created)).toBe(true);
    expect(body.created).toBeGreaterThanOrEqual(before);
    expect(body.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('prefixes ids that are not chatcmpl- ids', () => {
    expect(encode(result({ id: 'msg_01XYZ' })).id).toBe('chatcmpl-msg_01XYZ');
    expect(encode(result({ id: 'chatcmpl-keep' })).id).toBe('chatcmpl-keep');
  });

  it('encodes tool calls with arguments as JSON strings and content null', () => {
    const body = encode(
      result({
        content: [
          { type: 'tool-call', id: 'call_1', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'call_2', name: 'get_time', argumentsJson: '{}' },
        ],
        finishReason: 'tool-calls',
      }),
    );
    expect(body.choices[0].message.content).toBeNull();
    expect(body.choices[0].message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    expect(body.choices[0].finish_reason).toBe('tool_calls');
  });

  it('keeps text next to tool calls', () => {
    const body = encode(
      result({ content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool-call', id: 'c', name: 'f', argumentsJson: '{}' }] }),
    );
    expect(body.choices[0].message.content).toBe('Let me check.');
    expect(body.choices[0].message.tool_calls).toHaveLength(1);
  });

  it('sends empty content as "" when there is neither text nor tool calls', () => {
    expect(encode(result({ content: [] })).choices[0].message.content).toBe('');
  });

  it.each<[FinishReason, string]>([
    ['stop', 'stop'],
    ['stop-sequence', 'stop'],
    ['length', 'length'],
    ['tool-calls', 'tool_calls'],
    ['content-filter', 'content_filter'],
    ['pause', 'stop'],
    ['other', 'stop'],
  ])('maps finish reason %s to %s', (reason, expected) => {
    expect(encode(result({ finishReason: reason })).choices[0].finish_reason).toBe(expected);
  });

  it('encodes usage with inclusive totals and details', () => {
    const body = encode(
      result({ usage: { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 1000, cacheWriteTokens: 100, reasoningTokens: 120 } }),
    );
    expect(body.usage).toEqual({
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 1000, audio_tokens: 0, cache_write_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 120, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(encode(result()).usage).toMatchObject({
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(encode(result()).usage.prompt_tokens_details).not.toHaveProperty('cache_write_tokens');
  });

  it('drops reasoning and redacted reasoning with one dropped-content warning, leaving the result unchanged', () => {
    const r = result({
      content: [
        { type: 'reasoning', text: 'Let me think', signature: 'sig' },
        { type: 'redacted-reasoning', data: 'opaque' },
        { type: 'text', text: 'Answer' },
      ],
      warnings: [{ type: 'unsupported-setting', setting: 'seed' }],
    });
    const before = structuredClone(r);
    const body = encode(r);
    expect(body.choices[0].message.content).toBe('Answer');
    expect(JSON.stringify(body)).not.toContain('Let me think');
    expect(JSON.stringify(body)).not.toContain('opaque');
    expect(r).toEqual(before);
    expect(openaiChatDialect.responseWarnings?.(r)).toEqual([expect.objectContaining({ type: 'dropped-content', content: 'reasoning' })]);
    expect(r).toEqual(before);
  });

  it('adds no warning when there is no reasoning', () => {
    const r = result();
    encode(r);
    expect(r.warnings).toEqual([]);
    expect(openaiChatDialect.responseWarnings?.(r)).toEqual([]);
  });
});
