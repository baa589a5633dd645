import { describe, expect, it } from 'vitest';
import { convertAnthropicResponse } from '../../src/providers/anthropic/convert-anthropic-response.js';
import { convertToAnthropicRequest } from '../../src/providers/anthropic/convert-to-anthropic-request.js';
import type { ModelTraits } from '../../src/providers/provider.js';
import { GatewayError, type ChatRequest, type Message, type Warning } from '../../src/spec/index.js';
import { readFixture, readFixtureJson } from '../helpers/fixtures.js';

const traits: ModelTraits = { reasoning: true, tools: true, images: true, json: true, remoteImages: true };
const plainTraits: ModelTraits = { ...traits, reasoning: false };

function request(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }], maxTokens: 100, stream: false, ...overrides };
}

function convert(overrides: Partial<ChatRequest> = {}, model: ModelTraits = traits) {
  return convertToAnthropicRequest(request(overrides), { upstreamModel: 'claude-upstream', model, stream: false });
}

function settingWarning(warnings: Warning[], setting: string): Warning | undefined {
  return warnings.find((w) => (w.type === 'unsupported-setting' || w.type === 'changed-setting') && w.setting === setting);
}

describe('convertToAnthropicRequest: basics', () => {
  it('uses the upstream model, keeps max_tokens and sampling settings, and sets stream only when streaming', () => {
    const { body, warnings } = convert({ temperature: 0.3, topP: 0.9, topK: 40, stopSequences: ['END', '###'], user: 'user-42' });
    expect(body).toEqual({
      model: 'claude-upstream',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END', '###'],
      metadata: { user_id: 'user-42' },
    });
    expect(warnings).toEqual([]);
    const streamed = convertToAnthropicRequest(request(), { upstreamModel: 'm', model: traits, stream: true });
    expect(streamed.body.stream).toBe(true);
  });

  it('sends a plain string system for one plain part and text blocks with cache_control otherwise', () => {
    expect(convert({ system: [{ type: 'text', text: 'Be brief.' }] }).body.system).toBe('Be brief.');
    expect(
      convert({
        system: [
          { type: 'text', text: 'Long instructions', cacheControl: { type: 'ephemeral', ttl: '1h' } },
          { type: 'text', text: 'Second part' },
        ],
      }).body.system,
    ).toEqual([
      { type: 'text', text: 'Long instructions', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Second part' },
    ]);
    expect(convert({ system: [{ type: 'text', text: 'cached', cacheControl: { type: 'ephemeral' } }] }).body.system).toEqual([
      { type: 'text', text: 'cached', cache_control: { type: 'ephemeral' } },
    ]);
    expect(convert({ system: [] }).body).not.toHaveProperty('system');
  });

  it('defaults max_tokens to 4096 (or the model limit) with a changed-setting warning', () => {
    const { body, warnings } = convert({ maxTokens: undefined });
    expect(body.max_tokens).toBe(4096);
    expect(settingWarning(warnings, 'max_tokens')).toMatchObject({ type: 'changed-setting', from: 'unset', to: '4096' });

    const limited = convertToAnthropicRequest(request({ maxTokens: undefined }), {
      upstreamModel: 'm',
      model: { ...traits, maxOutputTokens: 1000 } as ModelTraits,
      stream: false,
    });
    expect(limited.body.max_tokens).toBe(1000);
    expect(settingWarning(limited.warnings, 'max_tokens')).toMatchObject({ to: '1000' });
  });
});

describe('convertToAnthropicRequest: messages', () => {
  it('merges consecutive messages of the same role so turns alternate', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'user', content: [{ type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'd' }] },
      { role: 'user', content: [{ type: 'text', text: 'e' }] },
    ];
    expect(convert({ messages }).body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }, { type: 'text', text: 'd' }] },
      { role: 'user', content: [{ type: 'text', text: 'e' }] },
    ]);
  });

  it('converts parallel tool calls and puts tool results first in the (merged) user turn', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'toolu_1', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'toolu_2', name: 'get_weather', argumentsJson: '{"city":"Rome"}', cacheControl: { type: 'ephemeral' } },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'here you go' }, { type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: '18C' }] }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'toolu_2',
            isError: true,
            content: [
              { type: 'text', text: 'failed' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
            cacheControl: { type: 'ephemeral' },
          },
        ],
      },
    ];
    const { body } = convert({ messages });
    expect(body.messages).toHaveLength(3);
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' }, cache_control: { type: 'ephemeral' } },
      ],
    });
    expect(body.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
        {
          type: 'tool_result',
          tool_use_id: 'toolu_2',
          is_error: true,
          content: [
            { type: 'text', text: 'failed' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
          cache_control: { type: 'ephemeral' },
        },
        { type: 'text', text: 'here you go' },
      ],
    });
  });

  it('sends tool calls without arguments as {} and an empty tool result without content', () => {
    const { body } = convert({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_x', name: 'refresh', argumentsJson: '' }] },
        { role: 'user', content: [{ type: 'tool-result', toolCallId: 'toolu_x', content: [] }] },
      ],
    });
    expect(body.messages[1].content).toEqual([{ type: 'tool_use', id: 'toolu_x', name: 'refresh', input: {} }]);
    expect(body.messages[2].content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_x' }]);
  });

  it('converts base64 and URL images with cache_control', () => {
    const { body } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' }, detail: 'high' },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' }, cacheControl: { type: 'ephemeral' } },
            { type: 'text', text: 'what is this?' },
          ],
        },
      ],
    });
    expect(body.messages[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' }, cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'what is this?' },
    ]);
  });

  it('rejects invalid tool-call JSON with a 400 that names the tool call and the field', () => {
    let caught: unknown;
    try {
      convert({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'x' }] },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_bad', name: 'lookup', argumentsJson: '{"q": ' }] },
        ],
      });
    } catch (error) {
      caught = error;
    }
    expect(GatewayError.is(caught)).toBe(true);
    const error = caught as GatewayError;
    expect(error.kind).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages[1].content[0].argumentsJson');
    expect(error.message).toContain('toolu_bad');
    expect(error.message).toContain('lookup');
  });

  it('rejects tool-call arguments that are JSON but not an object', () => {
    expect(() =>
      convert({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'x' }] },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_arr', name: 'lookup', argumentsJson: '[1,2]' }] },
        ],
      }),
    ).toThrow(/toolu_arr.*must be a JSON object, not an array/);
  });

  it('round-trips a thinking block (text and signature) byte for byte, and redacted thinking opaquely', () => {
    const raw = readFixtureJson<{ content: Array<Record<string, string>> }>('anthropic/recorded-vercel-ai/anthropic-claude-opus-5-reasoning-high.1.json');
    const result = convertAnthropicResponse(raw, { provider: 'anthropic', upstreamModel: 'claude-opus-5' });
    const { body } = convert({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'solve it' }] },
        { role: 'assistant', content: [...result.content, { type: 'redacted-reasoning', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' }] },
        { role: 'user', content: [{ type: 'text', text: 'and now?' }] },
      ],
    });
    const sent = body.messages[1].content;
    expect(sent[0]).toEqual({ type: 'thinking', thinking: raw.content[0].thinking, signature: raw.content[0].signature });
    // Byte-exact: the signature text as it appears in the recorded file.
    const signature = (sent[0] as { signature: string }).signature;
    expect(readFixture('anthropic/recorded-vercel-ai/anthropic-claude-opus-5-reasoning-high.1.json')).toContain(`"signature": "${signature}"`);
    expect(sent[sent.length - 1]).toEqual({ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' });
  });

  it('drops reasoning without a signature with a dropped-content warning', () => {
    const { body, warnings } = convert({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'x' }] },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'hidden chain' }, { type: 'text', text: 'answer' }] },
      ],
    });
    expect(body.messages[1].content).toEqual([{ type: 'text', text: 'answer' }]);
    expect(warnings).toEqual([expect.objectContaining({ type: 'dropped-content', content: 'messages[1].content[0] (reasoning)' })]);
  });
});

describe('convertToAnthropicRequest: tools', () => {
  const tools = [
    { name: 'get_weather', description: 'Weather by city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } },
    { name: 'get_time', inputSchema: { type: 'object', properties: {} } },
  ];

  it('converts tool definitions', () => {
    expect(convert({ tools }).body.tools).toEqual([
      { name: 'get_weather', description: 'Weather by city', input_schema: tools[0].inputSchema },
      { name: 'get_time', input_schema: tools[1].inputSchema },
    ]);
  });

  it.each([
    [{ type: 'auto' } as const, undefined, { type: 'auto' }],
    [{ type: 'required' } as const, undefined, { type: 'any' }],
    [{ type: 'tool', name: 'get_time' } as const, undefined, { type: 'tool', name: 'get_time' }],
    [{ type: 'none' } as const, undefined, { type: 'none' }],
    [{ type: 'auto' } as const, false, { type: 'auto', disable_parallel_tool_use: true }],
    [{ type: 'required' } as const, false, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'tool', name: 'get_time' } as const, false, { type: 'tool', name: 'get_time', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [{ type: 'auto' } as const, true, { type: 'auto' }],
  ])('maps tool_choice %j with parallelToolCalls=%s', (toolChoice, parallelToolCalls, expected) => {
    expect(convert({ tools, toolChoice, parallelToolCalls }).body.tool_choice).toEqual(expected);
  });

  it('sends no tool_choice without tools, warning when a tool was required', () => {
    const { body, warnings } = convert({ toolChoice: { type: 'required' } });
    expect(body).not.toHaveProperty('tool_choice');
    expect(settingWarning(warnings, 'tool_choice')).toBeDefined();
  });

  it('warns that strict tool schemas are not enforced', () => {
    const { warnings } = convert({ tools: [{ ...tools[0], strict: true }] });
    expect(settingWarning(warnings, 'tools[0].strict')).toMatchObject({ type: 'unsupported-setting' });
  });
});

describe('convertToAnthropicRequest: thinking and unsupported settings', () => {
  it('maps budgetTokens to thinking and drops temperature != 1, top_k and low top_p with warnings', () => {
    const { body, warnings } = convert({ maxTokens: 8000, reasoning: { budgetTokens: 2048 }, temperature: 0.2, topK: 5, topP: 0.5 });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_k');
    expect(body).not.toHaveProperty('top_p');
    expect(settingWarning(warnings, 'temperature')).toMatchObject({ type: 'unsupported-setting' });
    expect(settingWarning(warnings, 'top_k')).toMatchObject({ type: 'unsupported-setting' });
    expect(settingWarning(warnings, 'top_p')).toMatchObject({ type: 'unsupported-setting' });
  });

  it('keeps temperature 1 and top_p >= 0.95 with thinking on', () => {
    const { body, warnings } = convert({ maxTokens: 8000, reasoning: { budgetTokens: 2048 }, temperature: 1, topP: 0.95 });
    expect(body.temperature).toBe(1);
    expect(body.top_p).toBe(0.95);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['low', 1024],
    ['medium', 4096],
    ['high', 16384],
  ] as const)('maps effort %s to a %i-token budget on a reasoning model, with room for the answer', (effort, budget) => {
    const { body, warnings } = convert({ maxTokens: undefined, reasoning: { effort } });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: budget });
    expect(body.max_tokens).toBe(budget + 4096);
    expect(settingWarning(warnings, 'reasoning_effort')).toMatchObject({ type: 'changed-setting', from: effort, to: `thinking.budget_tokens=${budget}` });
    expect(settingWarning(warnings, 'max_tokens')).toMatchObject({ to: String(budget + 4096) });
  });

  it('shrinks an effort-derived budget to fit an explicit max_tokens, or leaves thinking off when it cannot fit', () => {
    const fitted = convert({ maxTokens: 8000, reasoning: { effort: 'high' } });
    expect(fitted.body.thinking).toEqual({ type: 'enabled', budget_tokens: 7999 });
    expect(settingWarning(fitted.warnings, 'reasoning_effort')).toMatchObject({ to: 'thinking.budget_tokens=7999' });

    const tooSmall = convert({ maxTokens: 500, reasoning: { effort: 'low' } });
    expect(tooSmall.body).not.toHaveProperty('thinking');
    expect(settingWarning(tooSmall.warnings, 'reasoning_effort')).toMatchObject({ type: 'unsupported-setting' });
  });

  it('ignores effort on a model without reasoning, with an unsupported-setting warning', () => {
    const { body, warnings } = convert({ reasoning: { effort: 'high' }, temperature: 0.2 }, plainTraits);
    expect(body).not.toHaveProperty('thinking');
    expect(body.temperature).toBe(0.2);
    expect(warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'reasoning_effort' })]);
  });

  it('warns (and changes nothing) for response_format, seed, penalties and unmodelled extra fields', () => {
    const plain = convert().body;
    const { body, warnings } = convert({
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
      seed: 7,
      frequencyPenalty: 0.5,
      presencePenalty: 0.1,
      extra: { logprobs: true },
    });
    expect(body).toEqual(plain);
    expect(warnings.map((w) => (w.type === 'unsupported-setting' ? w.setting : w.type))).toEqual([
      'response_format',
      'seed',
      'frequency_penalty',
      'presence_penalty',
      'logprobs',
    ]);
    expect(convert({ responseFormat: { type: 'json_object' } }).warnings).toHaveLength(1);
    expect(convert({ responseFormat: { type: 'text' } }).warnings).toEqual([]);
  });
});
