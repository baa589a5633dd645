import { describe, expect, it } from 'vitest';
import { convertBedrockResponse } from '../../src/providers/bedrock/convert-bedrock-response.js';
import { convertToBedrockRequest } from '../../src/providers/bedrock/convert-to-bedrock-request.js';
import type { ChatRequest, Message } from '../../src/spec/chat-request.js';
import { GatewayError } from '../../src/spec/errors.js';
import { readFixtureJson } from '../helpers/fixtures.js';

const CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';

function request(overrides: Partial<ChatRequest>): ChatRequest {
  return { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: false, ...overrides };
}

function convert(overrides: Partial<ChatRequest>, modelId = CLAUDE, reasoning = true, maxOutputTokens?: number) {
  return convertToBedrockRequest(request(overrides), { modelId, traits: { reasoning, maxOutputTokens } });
}

function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

const PNG = 'iVBORw0KGgo=';

describe('convertToBedrockRequest: messages', () => {
  it('sends a minimal request with only messages', () => {
    expect(convert({})).toEqual({ body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }, warnings: [] });
  });

  it('puts system text in system[] with cache points after cached parts', () => {
    const { body, warnings } = convert({
      system: [
        { type: 'text', text: 'You are terse.', cacheControl: { type: 'ephemeral' } },
        { type: 'text', text: 'Answer in French.', cacheControl: { type: 'ephemeral', ttl: '1h' } },
        { type: 'text', text: 'Be kind.', cacheControl: { type: 'ephemeral', ttl: '10m' } },
      ],
    });
    expect(body.system).toEqual([
      { text: 'You are terse.' },
      { cachePoint: { type: 'default' } },
      { text: 'Answer in French.' },
      { cachePoint: { type: 'default', ttl: '1h' } },
      { text: 'Be kind.' },
      { cachePoint: { type: 'default' } },
    ]);
    expect(warnings).toEqual([expect.objectContaining({ type: 'changed-setting', setting: 'system[2].cache_control.ttl', from: '10m', to: 'default' })]);
  });

  it('merges consecutive messages of the same role and keeps cache points in messages', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'a', cacheControl: { type: 'ephemeral' } }] },
      { role: 'user', content: [{ type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
      { role: 'assistant', content: [{ type: 'text', text: '' }, { type: 'text', text: 'd' }] },
      { role: 'user', content: [{ type: 'text', text: 'e' }] },
    ];
    expect(convert({ messages }).body.messages).toEqual([
      { role: 'user', content: [{ text: 'a' }, { cachePoint: { type: 'default' } }, { text: 'b' }] },
      { role: 'assistant', content: [{ text: 'c' }, { text: 'd' }] },
      { role: 'user', content: [{ text: 'e' }] },
    ]);
  });

  for (const [mediaType, format] of [
    ['image/png', 'png'],
    ['image/jpeg', 'jpeg'],
    ['image/jpg', 'jpeg'],
    ['image/gif', 'gif'],
    ['image/webp', 'webp'],
    ['IMAGE/PNG', 'png'],
  ] as const) {
    it(`sends a ${mediaType} image as bytes with format ${format}`, () => {
      const messages: Message[] = [{ role: 'user', content: [{ type: 'image', source: { kind: 'base64', mediaType, data: PNG } }, { type: 'text', text: 'What is it?' }] }];
      expect(convert({ messages }).body.messages[0].content).toEqual([{ image: { format, source: { bytes: PNG } } }, { text: 'What is it?' }]);
    });
  }

  it('rejects other image types with a 400 naming the field', () => {
    const messages: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/bmp', data: PNG } }] }];
    const error = thrown(() => convert({ messages }));
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, param: 'messages[0].content[1].source' });
    expect(error.message).toMatch(/image\/bmp/);
  });

  it('rejects image URLs with a 400 that says to send a data URL', () => {
    const messages: Message[] = [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' } }] }];
    const error = thrown(() => convert({ messages }));
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, code: 'SWY_ERR_REMOTE_IMAGE_UNSUPPORTED', param: 'messages[0].content[0].source' });
    expect(error.message).toContain('Bedrock does not fetch image URLs; send the image as a data URL');
  });

  it('converts tool calls and tool results (with error status and images)', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'tooluse_1', name: 'weather', argumentsJson: '{"city":"Paris","days":[1,2]}' },
          { type: 'tool-call', id: 'tooluse_2', name: 'clock', argumentsJson: '' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool-result', toolCallId: 'tooluse_1', content: [{ type: 'text', text: 'Sunny' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/gif', data: PNG } }] },
          { type: 'tool-result', toolCallId: 'tooluse_2', content: [{ type: 'text', text: 'clock broke' }], isError: true },
        ],
      },
    ];
    const { body } = convert({ messages, tools: [{ name: 'weather', inputSchema: { type: 'object' } }] });
    expect(body.messages[1].content).toEqual([
      { text: 'Checking.' },
      { toolUse: { toolUseId: 'tooluse_1', name: 'weather', input: { city: 'Paris', days: [1, 2] } } },
      { toolUse: { toolUseId: 'tooluse_2', name: 'clock', input: {} } },
    ]);
    expect(body.messages[2]).toEqual({
      role: 'user',
      content: [
        { toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'Sunny' }, { image: { format: 'gif', source: { bytes: PNG } } }], status: 'success' } },
        { toolResult: { toolUseId: 'tooluse_2', content: [{ text: 'clock broke' }], status: 'error' } },
      ],
    });
  });

  it('rejects tool-call arguments that are not a JSON object', () => {
    for (const argumentsJson of ['{"city":', '[1,2]', '"text"']) {
      const messages: Message[] = [
        { role: 'user', content: [{ type: 'text', text: 'x' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 't', name: 'f', argumentsJson }] },
      ];
      expect(thrown(() => convert({ messages }))).toMatchObject({ kind: 'invalid_request', param: 'messages[1].content[0].arguments' });
    }
  });

  it('sends reasoning with its signature and redacted reasoning as its blob', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'x' }] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'thinking…', signature: 'sig+/==' },
          { type: 'redacted-reasoning', data: 'AAEC' },
          { type: 'reasoning', text: 'unsigned' },
          { type: 'text', text: 'answer' },
        ],
      },
    ];
    expect(convert({ messages }).body.messages[1].content).toEqual([
      { reasoningContent: { reasoningText: { text: 'thinking…', signature: 'sig+/==' } } },
      { reasoningContent: { redactedContent: 'AAEC' } },
      { reasoningContent: { reasoningText: { text: 'unsigned' } } },
      { text: 'answer' },
    ]);
  });

  it('round-trips a recorded reasoning response (signature unchanged) back into the request', () => {
    const recorded = readFixtureJson<{ output: { message: { content: unknown[] } } }>('bedrock/recorded-vercel-ai/amazon-bedrock-reasoning.json');
    const result = convertBedrockResponse(recorded, { provider: 'aws', modelId: CLAUDE, responseId: 'r', warnings: [] });
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'How many r in strawberry?' }] },
      { role: 'assistant', content: result.content },
      { role: 'user', content: [{ type: 'text', text: 'Sure?' }] },
    ];
    expect(convert({ messages }).body.messages[1].content).toEqual(recorded.output.message.content);
  });
});

describe('convertToBedrockRequest: parameters', () => {
  it('fills inferenceConfig and sends top_k to Anthropic models', () => {
    const { body, warnings } = convert({ maxTokens: 100, temperature: 0.2, topP: 0.9, topK: 5, stopSequences: ['END'] });
    expect(body.inferenceConfig).toEqual({ maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] });
    expect(body.additionalModelRequestFields).toEqual({ top_k: 5 });
    expect(warnings).toEqual([]);
  });

  it('warns instead of sending top_k to other models', () => {
    const { body, warnings } = convert({ topK: 5 }, NOVA);
    expect(body.additionalModelRequestFields).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'top_k' })]);
  });

  it('warns about settings Converse does not have', () => {
    const { body, warnings } = convert({
      seed: 1,
      frequencyPenalty: 0.5,
      presencePenalty: 0.5,
      user: 'u-1',
      responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'object' } },
    });
    expect(warnings.map((w) => (w.type === 'unsupported-setting' ? w.setting : w.type)).sort()).toEqual([
      'frequency_penalty',
      'presence_penalty',
      'response_format',
      'seed',
      'user',
    ]);
    expect(Object.keys(body)).toEqual(['messages']);
  });

  it('does not warn about a text response format', () => {
    expect(convert({ responseFormat: { type: 'text' } }).warnings).toEqual([]);
  });

  it('warns about each unmodelled client field instead of dropping it silently', () => {
    const plain = convert({}).body;
    const { body, warnings } = convert({ extra: { logit_bias: { '1': 2 }, service_tier: 'auto' } });
    expect(body).toEqual(plain);
    expect(warnings).toEqual([
      { type: 'unsupported-setting', setting: 'logit_bias', details: 'The field is not part of the canonical request and was not forwarded to Bedrock.' },
      { type: 'unsupported-setting', setting: 'service_tier', details: 'The field is not part of the canonical request and was not forwarded to Bedrock.' },
    ]);
  });

  it('sends a thinking budget to Anthropic models', () => {
    const { body, warnings } = convert({ maxTokens: 8000, reasoning: { budgetTokens: 2048 } });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(warnings).toEqual([]);
  });

  it('warns instead of sending a thinking budget to other models', () => {
    const { body, warnings } = convert({ reasoning: { budgetTokens: 2048 } }, NOVA);
    expect(body.additionalModelRequestFields).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'thinking.budget_tokens' })]);
  });

  it('trusts the catalog for model ids that name no vendor', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';
    expect(convert({ reasoning: { budgetTokens: 2048 } }, arn, true).body.additionalModelRequestFields).toEqual({
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    expect(convert({ reasoning: { budgetTokens: 2048 } }, arn, false).body.additionalModelRequestFields).toBeUndefined();
  });

  for (const [effort, budget] of [
    ['low', 1024],
    ['medium', 4096],
    ['high', 16384],
  ] as const) {
    it(`maps effort ${effort} to a ${budget}-token budget with a warning`, () => {
      const { body, warnings } = convert({ maxTokens: 32000, reasoning: { effort } });
      expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: budget } });
      expect(warnings).toEqual([expect.objectContaining({ type: 'changed-setting', setting: 'reasoning_effort', from: effort, to: `thinking.budget_tokens=${budget}` })]);
    });
  }

  it('keeps an effort budget below maxTokens, and leaves thinking off when there is no room', () => {
    expect(convert({ maxTokens: 3000, reasoning: { effort: 'high' } }).body.additionalModelRequestFields).toEqual({
      thinking: { type: 'enabled', budget_tokens: 2999 },
    });
    const small = convert({ maxTokens: 800, reasoning: { effort: 'high' } });
    expect(small.body.additionalModelRequestFields).toBeUndefined();
    expect(small.warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'reasoning_effort' })]);
  });

  it('sends maxTokens above the budget when the client set none, capped by the catalog', () => {
    const given = convert({ reasoning: { budgetTokens: 2048 } });
    expect(given.body.inferenceConfig).toEqual({ maxTokens: 2048 + 4096 });
    expect(given.body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(given.warnings).toEqual([expect.objectContaining({ type: 'changed-setting', setting: 'max_tokens', from: 'unset', to: '6144' })]);

    const capped = convert({ reasoning: { effort: 'high' } }, CLAUDE, true, 8192);
    expect(capped.body.inferenceConfig).toEqual({ maxTokens: 8192 });
    expect(capped.body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 8191 } });
    expect(capped.warnings.map((w) => (w.type === 'changed-setting' ? `${w.setting}=${w.to}` : w.type))).toEqual([
      'reasoning_effort=thinking.budget_tokens=8191',
      'max_tokens=8192',
    ]);
  });

  it('warns about an effort for a model that does not reason', () => {
    const { body, warnings } = convert({ reasoning: { effort: 'medium' } }, CLAUDE, false);
    expect(body.additionalModelRequestFields).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'reasoning_effort' })]);
  });
});

describe('convertToBedrockRequest: tools', () => {
  const tools = [
    { name: 'weather', description: 'Get the weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } },
    { name: 'clock', description: '', inputSchema: { type: 'object' }, strict: true },
  ];

  it('sends toolSpecs and maps each tool choice', () => {
    const auto = convert({ tools, toolChoice: { type: 'auto' } }).body.toolConfig;
    expect(auto).toEqual({
      tools: [
        { toolSpec: { name: 'weather', description: 'Get the weather', inputSchema: { json: tools[0].inputSchema } } },
        { toolSpec: { name: 'clock', inputSchema: { json: { type: 'object' } }, strict: true } },
      ],
      toolChoice: { auto: {} },
    });
    expect(convert({ tools, toolChoice: { type: 'required' } }).body.toolConfig?.toolChoice).toEqual({ any: {} });
    expect(convert({ tools, toolChoice: { type: 'tool', name: 'clock' } }).body.toolConfig?.toolChoice).toEqual({ tool: { name: 'clock' } });
    expect(convert({ tools }).body.toolConfig).not.toHaveProperty('toolChoice');
  });

  it('rejects a forced tool that is not offered', () => {
    expect(thrown(() => convert({ tools, toolChoice: { type: 'tool', name: 'nope' } }))).toMatchObject({ kind: 'invalid_request', param: 'toolChoice.name' });
  });

  it('drops the tools for tool choice none, with a warning', () => {
    const { body, warnings } = convert({ tools, toolChoice: { type: 'none' } });
    expect(body.toolConfig).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ type: 'changed-setting', setting: 'tools', to: 'none' })]);
  });

  it('keeps the tools with auto for tool choice none when the conversation holds tool calls', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'x' }] },
      { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'clock', argumentsJson: '{}' }] },
      { role: 'user', content: [{ type: 'tool-result', toolCallId: 't1', content: [{ type: 'text', text: '12:00' }] }] },
    ];
    const { body, warnings } = convert({ messages, tools, toolChoice: { type: 'none' } });
    expect(body.toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(warnings).toEqual([expect.objectContaining({ type: 'changed-setting', setting: 'tool_choice', from: 'none', to: 'auto' })]);
  });

  it('warns that parallel tool calls cannot be forbidden', () => {
    expect(convert({ tools, parallelToolCalls: false }).warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'parallel_tool_calls' })]);
    expect(convert({ tools, parallelToolCalls: true }).warnings).toEqual([]);
  });
});
