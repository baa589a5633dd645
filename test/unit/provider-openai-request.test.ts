import { describe, expect, it } from 'vitest';
import { convertToOpenAIRequest, type OpenAIRequestOptions } from '../../src/providers/openai/convert-to-openai-request.js';
import type { ChatRequest } from '../../src/spec/index.js';

const base: OpenAIRequestOptions = { upstreamModel: 'gpt-4o-2024-08-06', reasoningModel: false, maxTokensField: 'max_tokens', includeModel: true, stream: false };

function request(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'smart', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: false, ...overrides };
}

describe('convertToOpenAIRequest: messages', () => {
  it('puts all system parts into one leading system message and sends a lone user text as a string', () => {
    const { body, warnings } = convertToOpenAIRequest(
      request({ system: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Answer in French.' }] }),
      base,
    );
    expect(body.model).toBe('gpt-4o-2024-08-06');
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are terse.\n\nAnswer in French.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('converts a multi-turn conversation with parallel tool calls and their results (tool messages first)', () => {
    const { body } = convertToOpenAIRequest(
      request({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking.' },
              { type: 'tool-call', id: 'call_1', name: 'weather', argumentsJson: '{"city":"Paris"}' },
              { type: 'tool-call', id: 'call_2', name: 'weather', argumentsJson: '' },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Also: be brief.' },
              { type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: '21C' }, { type: 'text', text: 'sunny' }] },
              { type: 'tool-result', toolCallId: 'call_2', content: [] },
            ],
          },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'call_3', name: 'noop', argumentsJson: '{}' }] },
        ],
      }),
      base,
    );
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '21C\nsunny' },
      { role: 'tool', tool_call_id: 'call_2', content: '' },
      { role: 'user', content: 'Also: be brief.' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_3', type: 'function', function: { name: 'noop', arguments: '{}' } }] },
    ]);
  });

  it('turns images into image_url parts (base64 as a data URL, detail kept)', () => {
    const { body } = convertToOpenAIRequest(
      request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'low' },
              { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      }),
      base,
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('drops what Chat Completions cannot carry, with one warning each', () => {
    const { body, warnings } = convertToOpenAIRequest(
      request({
        system: [{ type: 'text', text: 'sys', cacheControl: { type: 'ephemeral' } }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'q' }] },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'thinking…', signature: 'sig' },
              { type: 'redacted-reasoning', data: 'opaque' },
              { type: 'tool-call', id: 'c1', name: 'look', argumentsJson: '{}' },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool-result',
                toolCallId: 'c1',
                isError: true,
                content: [
                  { type: 'text', text: 'failed' },
                  { type: 'image', source: { kind: 'url', url: 'https://example.com/x.png' } },
                ],
              },
            ],
          },
        ],
      }),
      base,
    );
    expect(body.messages[3]).toEqual({ role: 'tool', tool_call_id: 'c1', content: 'failed' });
    expect(body.messages[2]).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: '{}' } }] });
    expect(warnings.map((w) => (w.type === 'dropped-content' ? `dropped:${w.content}` : w.type === 'unsupported-setting' ? `unsupported:${w.setting}` : w.type))).toEqual([
      'unsupported:cache_control',
      'dropped:reasoning',
      'dropped:tool-result image',
      'dropped:tool-result is_error',
    ]);
  });
});

describe('convertToOpenAIRequest: parameters', () => {
  it('maps every canonical parameter for a regular model', () => {
    const { body, warnings } = convertToOpenAIRequest(
      request({
        maxTokens: 256,
        temperature: 0.3,
        topP: 0.9,
        stopSequences: ['END'],
        tools: [
          { name: 'weather', description: 'Get weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
          { name: 'time', inputSchema: { type: 'object' } },
        ],
        toolChoice: { type: 'tool', name: 'weather' },
        parallelToolCalls: false,
        responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true, description: 'An answer' },
        seed: 7,
        frequencyPenalty: 0.5,
        presencePenalty: -0.5,
        user: 'user-42',
      }),
      base,
    );
    expect(body).toEqual({
      model: 'gpt-4o-2024-08-06',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 256,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END'],
      tools: [
        { type: 'function', function: { name: 'weather', description: 'Get weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
        { type: 'function', function: { name: 'time', parameters: { type: 'object' } } },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true, description: 'An answer' } },
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      user: 'user-42',
    });
    expect(warnings).toEqual([]);
  });

  it('warns about each unmodelled client field and does not forward it', () => {
    // Only another dialect's clients get here (OpenAI Chat clients take the passthrough path).
    const plain = convertToOpenAIRequest(request(), base).body;
    const { body, warnings } = convertToOpenAIRequest(request({ extra: { service_tier: 'standard_only', container: 'ctr_1' } }), base);
    expect(body).toEqual(plain);
    expect(warnings).toEqual([
      expect.objectContaining({ type: 'unsupported-setting', setting: 'service_tier' }),
      expect.objectContaining({ type: 'unsupported-setting', setting: 'container' }),
    ]);
  });

  it.each([
    [{ type: 'auto' } as const, 'auto'],
    [{ type: 'none' } as const, 'none'],
    [{ type: 'required' } as const, 'required'],
  ])('maps tool choice %j', (toolChoice, expected) => {
    expect(convertToOpenAIRequest(request({ toolChoice }), base).body.tool_choice).toBe(expected);
  });

  it('maps json_object and text response formats', () => {
    expect(convertToOpenAIRequest(request({ responseFormat: { type: 'json_object' } }), base).body.response_format).toEqual({ type: 'json_object' });
    expect(convertToOpenAIRequest(request({ responseFormat: { type: 'text' } }), base).body.response_format).toEqual({ type: 'text' });
  });

  it('warns about top_k, reasoning effort on a non-reasoning model and a thinking budget', () => {
    const { body, warnings } = convertToOpenAIRequest(request({ topK: 40, reasoning: { effort: 'high', budgetTokens: 2048 } }), base);
    expect(body).not.toHaveProperty('top_k');
    expect(body).not.toHaveProperty('reasoning_effort');
    expect(warnings.map((w) => (w.type === 'unsupported-setting' ? w.setting : w.type))).toEqual(['top_k', 'reasoning_effort', 'thinking.budget_tokens']);
  });

  it('uses max_completion_tokens for reasoning models and says so', () => {
    const { body, warnings } = convertToOpenAIRequest(request({ maxTokens: 1000, reasoning: { effort: 'low' } }), { ...base, reasoningModel: true });
    expect(body.max_completion_tokens).toBe(1000);
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.reasoning_effort).toBe('low');
    expect(warnings).toEqual([
      expect.objectContaining({ type: 'changed-setting', setting: 'max_tokens', from: 'max_tokens', to: 'max_completion_tokens' }),
    ]);
  });

  it('adds no max-token warning for a reasoning model when the client set no limit', () => {
    const { body, warnings } = convertToOpenAIRequest(request(), { ...base, reasoningModel: true });
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(warnings).toEqual([]);
  });

  it('drops temperature/top_p other than 1 for reasoning models with a warning, and keeps 1', () => {
    const dropped = convertToOpenAIRequest(request({ temperature: 0.2, topP: 0.5 }), { ...base, reasoningModel: true });
    expect(dropped.body).not.toHaveProperty('temperature');
    expect(dropped.body).not.toHaveProperty('top_p');
    expect(dropped.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported-setting', setting: 'temperature' }),
      expect.objectContaining({ type: 'unsupported-setting', setting: 'top_p' }),
    ]);
    const kept = convertToOpenAIRequest(request({ temperature: 1, topP: 1 }), { ...base, reasoningModel: true });
    expect(kept.body).toMatchObject({ temperature: 1, top_p: 1 });
    expect(kept.warnings).toEqual([]);
  });

  it('honours a configured max_completion_tokens field without a warning', () => {
    const { body, warnings } = convertToOpenAIRequest(request({ maxTokens: 64 }), { ...base, maxTokensField: 'max_completion_tokens' });
    expect(body.max_completion_tokens).toBe(64);
    expect(body).not.toHaveProperty('max_tokens');
    expect(warnings).toEqual([]);
  });

  it('always asks for usage on streams, and leaves the model out when the URL names it (Azure)', () => {
    const streamed = convertToOpenAIRequest(request({ stream: true }), { ...base, stream: true, includeModel: false });
    expect(streamed.body.stream).toBe(true);
    expect(streamed.body.stream_options).toEqual({ include_usage: true });
    expect(streamed.body).not.toHaveProperty('model');
    const plain = convertToOpenAIRequest(request(), base);
    expect(plain.body).not.toHaveProperty('stream');
    expect(plain.body).not.toHaveProperty('stream_options');
  });
});
