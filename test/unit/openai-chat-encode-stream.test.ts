import { describe, expect, it } from 'vitest';
import { openaiChatDialect, OpenAIChatStreamEncoder } from '../../src/dialects/openai-chat/index.js';
import type { EncodeContext } from '../../src/dialects/dialect.js';
import { GatewayError, type ChatStreamPart, type Usage } from '../../src/spec/index.js';
import { describeErrors, validateChatCompletionChunk, validateOpenAIError } from '../helpers/openapi-validator.js';

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{ index: number; delta: Record<string, unknown>; logprobs: null; finish_reason: string | null }>;
  usage?: Record<string, unknown> | null;
}

const usage: Usage = { inputTokens: 20, outputTokens: 7, cacheReadTokens: 4, reasoningTokens: 2 };

function context(includeUsage = false): EncodeContext {
  return { requestedModel: 'smart', servedModel: 'gpt-4o', includeUsage };
}

/** Runs parts through a fresh encoder and returns the whole SSE text (push outputs + end()). */
function encodeStream(parts: ChatStreamPart[], includeUsage = false): string {
  const encoder = openaiChatDialect.createStreamEncoder(context(includeUsage));
  return parts.map((part) => encoder.push(part)).join('') + encoder.end();
}

/** Splits SSE text into `data:` payloads, checking the exact framing (no event names, blank-line separated). */
function payloads(sse: string): string[] {
  expect(sse.endsWith('\n\n')).toBe(true);
  const events = sse.slice(0, -2).split('\n\n');
  for (const event of events) {
    expect(event.startsWith('data: ')).toBe(true);
    expect(event.includes('\n')).toBe(false);
  }
  return events.map((event) => event.slice('data: '.length));
}

/** Chunks before [DONE], each validated against OpenAI's CreateChatCompletionStreamResponse schema. */
function chunks(sse: string): Chunk[] {
  const data = payloads(sse);
  expect(data.at(-1)).toBe('[DONE]');
  expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
  return data.slice(0, -1).map((d) => {
    const chunk = JSON.parse(d) as Chunk;
    const result = validateChatCompletionChunk(chunk);
    expect(result.valid, `${d}: ${describeErrors(result.errors)}`).toBe(true);
    return chunk;
  });
}

const textParts: ChatStreamPart[] = [
  { type: 'start', id: 'msg_123', model: 'claude-sonnet-4' },
  { type: 'text-start', index: 0 },
  { type: 'text-delta', index: 0, delta: 'Hel' },
  { type: 'text-delta', index: 0, delta: 'lo "world"' },
  { type: 'text-end', index: 0 },
  { type: 'usage', usage: { inputTokens: 20, outputTokens: 3 } },
  { type: 'finish', finishReason: 'stop', usage },
];

const parallelToolParts: ChatStreamPart[] = [
  { type: 'start', id: 'chatcmpl-tools', model: 'gpt-4o' },
  { type: 'text-start', index: 0 },
  { type: 'text-delta', index: 0, delta: 'Checking.' },
  { type: 'text-end', index: 0 },
  { type: 'tool-call-start', index: 1, id: 'call_a', name: 'get_weather' },
  { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 1, argumentsDelta: '"Paris"}' },
  { type: 'tool-call-end', index: 1 },
  { type: 'tool-call-start', index: 2, id: 'call_b', name: 'get_time' },
  { type: 'tool-call-delta', index: 2, argumentsDelta: '{}' },
  { type: 'tool-call-end', index: 2 },
  { type: 'finish', finishReason: 'tool-calls', usage },
];

describe('openai-chat stream encoder: text', () => {
  it('emits role first, content deltas, a finish chunk with delta {}, then [DONE]', () => {
    const all = chunks(encodeStream(textParts));
    expect(all.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hel' },
      { content: 'lo "world"' },
      {},
    ]);
    expect(all.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
    for (const chunk of all) {
      expect(chunk.id).toBe('chatcmpl-msg_123');
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.model).toBe('claude-sonnet-4');
      expect(chunk.created).toBe(all[0].created);
      expect(chunk.choices[0].index).toBe(0);
      expect(chunk.choices[0].logprobs).toBeNull();
      expect(chunk).not.toHaveProperty('usage');
    }
  });

  it('with includeUsage: usage null on every chunk, then one usage chunk with choices [] before [DONE]', () => {
    const all = chunks(encodeStream(textParts, true));
    expect(all).toHaveLength(5);
    for (const chunk of all.slice(0, -1)) expect(chunk.usage).toBeNull();
    const last = all[4];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 20,
      completion_tokens: 7,
      total_tokens: 27,
      prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(all[3].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
  });

  it('maps finish reasons into the finish chunk', () => {
    const parts: ChatStreamPart[] = [{ type: 'start', id: 'x', model: 'm' }, { type: 'finish', finishReason: 'length', usage }];
    const all = chunks(encodeStream(parts));
    expect(all.at(-1)?.choices[0].finish_reason).toBe('length');
    const filtered = chunks(encodeStream([parts[0], { type: 'finish', finishReason: 'content-filter', usage }]));
    expect(filtered.at(-1)?.choices[0].finish_reason).toBe('content_filter');
  });

  it('still sends the role chunk when the model produced no content', () => {
    const all = chunks(encodeStream([{ type: 'start', id: 'x', model: 'm' }, { type: 'finish', finishReason: 'stop', usage }]));
    expect(all.map((c) => c.choices[0].delta)).toEqual([{ role: 'assistant', content: '' }, {}]);
  });

  it('skips empty deltas and writes nothing for start/end/usage parts', () => {
    const encoder = openaiChatDialect.createStreamEncoder(context());
    expect(encoder.push({ type: 'start', id: 'x', model: 'm' })).toBe('');
    expect(encoder.push({ type: 'text-start', index: 0 })).not.toBe('');
    expect(encoder.push({ type: 'text-delta', index: 0, delta: '' })).toBe('');
    expect(encoder.push({ type: 'text-end', index: 0 })).toBe('');
    expect(encoder.push({ type: 'usage', usage })).toBe('');
  });

  it('escapes text so each event stays on one line', () => {
    const sse = encodeStream([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text-delta', index: 0, delta: 'line1\nline2\n\ndata: fake\u2028' },
      { type: 'finish', finishReason: 'stop', usage },
    ]);
    expect(chunks(sse)[1].choices[0].delta).toEqual({ content: 'line1\nline2\n\ndata: fake\u2028' });
  });
});

describe('openai-chat stream encoder: tool calls', () => {
  it('numbers parallel tool calls 0 and 1; only the first delta per call has id/type/name', () => {
    const all = chunks(encodeStream(parallelToolParts));
    expect(all.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Checking.' },
      { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      {},
    ]);
    expect(all.at(-1)?.choices[0].finish_reason).toBe('tool_calls');
    expect(all[0].id).toBe('chatcmpl-tools');
  });

  it('sends content null in the role chunk when a tool call comes first', () => {
    const all = chunks(
      encodeStream([
        { type: 'start', id: 'x', model: 'm' },
        { type: 'tool-call-start', index: 0, id: 'call_1', name: 'f' },
        { type: 'tool-call-end', index: 0 },
        { type: 'finish', finishReason: 'tool-calls', usage },
      ]),
    );
    expect(all[0].choices[0].delta).toEqual({ role: 'assistant', content: null });
    expect(all[1].choices[0].delta).toEqual({
      tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }],
    });
  });
});

describe('openai-chat stream encoder: reasoning', () => {
  it('drops reasoning and redacted reasoning, recording one warning', () => {
    const encoder = openaiChatDialect.createStreamEncoder(context()) as OpenAIChatStreamEncoder;
    const parts: ChatStreamPart[] = [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, delta: 'secret thoughts' },
      { type: 'reasoning-signature', index: 0, signature: 'sig' },
      { type: 'reasoning-end', index: 0 },
      { type: 'redacted-reasoning', index: 1, data: 'opaque' },
      { type: 'text-start', index: 2 },
      { type: 'text-delta', index: 2, delta: 'Answer' },
      { type: 'text-end', index: 2 },
      { type: 'finish', finishReason: 'stop', usage },
    ];
    const outputs = parts.map((part) => encoder.push(part));
    expect(outputs.slice(0, 6).every((out) => out === '')).toBe(true);
    const sse = outputs.join('') + encoder.end();
    expect(sse).not.toContain('secret thoughts');
    expect(sse).not.toContain('opaque');
    expect(chunks(sse).map((c) => c.choices[0].delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Answer' }, {}]);
    expect(encoder.warnings).toEqual([expect.objectContaining({ type: 'dropped-content', content: 'reasoning' })]);
  });
});

describe('openai-chat stream encoder: errors', () => {
  const overloaded = new GatewayError({
    code: 'SWY_ERR_UPSTREAM_OVERLOADED',
    kind: 'overloaded',
    message: 'The upstream is overloaded.',
    upstreamStatus: 529,
  });

  it('an error part becomes data: {"error":…} and nothing follows, not even [DONE]', () => {
    const encoder = openaiChatDialect.createStreamEncoder(context(true));
    let sse = encoder.push({ type: 'start', id: 'x', model: 'm' });
    sse += encoder.push({ type: 'text-delta', index: 0, delta: 'partial' });
    const errorText = encoder.push({ type: 'error', error: overloaded });
    sse += errorText;
    expect(encoder.push({ type: 'finish', finishReason: 'stop', usage })).toBe('');
    expect(encoder.end()).toBe('');
    const data = payloads(sse);
    expect(data).toHaveLength(3);
    const body = JSON.parse(data[2]) as unknown;
    expect(body).toEqual({
      error: { message: 'The upstream is overloaded.', type: 'server_error', param: null, code: 'SWY_ERR_UPSTREAM_OVERLOADED' },
    });
    expect(validateOpenAIError(body).valid).toBe(true);
    expect(errorText).toBe(openaiChatDialect.encodeStreamError(overloaded));
  });

  it('encodeStreamError is one SSE data line with all four error keys', () => {
    const text = openaiChatDialect.encodeStreamError(
      new GatewayError({ code: 'SWY_ERR_UPSTREAM_TIMEOUT', kind: 'timeout', message: 'Upstream idle for 30s.' }),
    );
    expect(text).toMatch(/^data: \{"error":\{.*\}\}\n\n$/);
    const body = JSON.parse(payloads(text)[0]) as unknown;
    expect(validateOpenAIError(body).valid).toBe(true);
    expect(body).toEqual({ error: { message: 'Upstream idle for 30s.', type: 'server_error', param: null, code: 'SWY_ERR_UPSTREAM_TIMEOUT' } });
  });

  it('end() after finish writes exactly one [DONE]', () => {
    const encoder = openaiChatDialect.createStreamEncoder(context());
    encoder.push({ type: 'start', id: 'x', model: 'm' });
    encoder.push({ type: 'finish', finishReason: 'stop', usage });
    expect(encoder.end()).toBe('data: [DONE]\n\n');
    expect(encoder.end()).toBe('');
  });
});
