import { describe, expect, it } from 'vitest';
import { convertToAnthropicRequest } from '../../src/providers/anthropic/convert-to-anthropic-request.js';
import { convertToBedrockRequest } from '../../src/providers/bedrock/convert-to-bedrock-request.js';
import { convertToOpenAIRequest, type OpenAIRequestOptions } from '../../src/providers/openai/convert-to-openai-request.js';
import { rewriteOpenAIPassthroughBody } from '../../src/providers/openai/rewrite-openai-passthrough-body.js';
import type { ModelTraits } from '../../src/providers/provider.js';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { isWarningSetting, settingPath, WARNING_SETTINGS, type ChatRequest, type Message, type Warning } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';

/** Client fields the canonical request does not model: warned about under the client's own name. */
const EXTRA = { logit_bias: { '1': 2 }, service_tier: 'standard_only' };

const CACHED = { type: 'ephemeral' as const, ttl: '10m' };

/** A conversation with tool history, cache hints (one with a TTL no upstream takes) and reasoning. */
const MESSAGES: Message[] = [
  { role: 'user', content: [{ type: 'text', text: 'What is 1+1?', cacheControl: CACHED }] },
  {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'Use the calculator.', signature: 'sig' },
      { type: 'tool-call', id: 't1', name: 'calc', argumentsJson: '{"expr":"1+1"}', cacheControl: CACHED },
    ],
  },
  { role: 'user', content: [{ type: 'tool-result', toolCallId: 't1', content: [{ type: 'text', text: '2' }], isError: true }] },
];

/** Every setting any adapter might decline, at once. */
function everything(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'any',
    system: [{ type: 'text', text: 'Be terse.', cacheControl: CACHED }],
    messages: MESSAGES,
    temperature: 0.5,
    topP: 0.5,
    topK: 40,
    stopSequences: ['END'],
    tools: [{ name: 'calc', inputSchema: { type: 'object' }, strict: true }],
    toolChoice: { type: 'none' },
    parallelToolCalls: false,
    responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
    reasoning: { effort: 'high', budgetTokens: 2048 },
    seed: 7,
    frequencyPenalty: 0.5,
    presencePenalty: 0.5,
    user: 'u-1',
    stream: false,
    extra: EXTRA,
    ...overrides,
  };
}

const traits: ModelTraits = { reasoning: true, tools: true, images: true, json: true, remoteImages: false };
const openAI: OpenAIRequestOptions = { upstreamModel: 'gpt', reasoningModel: false, maxTokensField: 'max_tokens', includeModel: true, stream: false };

/** Warnings of each adapter's request conversion, over requests chosen to trigger every warning it has. */
function adapterWarnings(): Record<string, Warning[]> {
  const noReasoning = { ...everything(), reasoning: undefined };
  return {
    openai: [
      ...convertToOpenAIRequest(everything(), openAI).warnings,
      ...convertToOpenAIRequest(everything({ maxTokens: 100 }), { ...openAI, reasoningModel: true }).warnings,
      ...rewriteOpenAIPassthroughBody({ model: 'x', max_tokens: 10 }, { ...openAI, reasoningModel: true }).warnings,
    ],
    anthropic: [
      ...convertToAnthropicRequest(everything({ toolChoice: { type: 'required' }, tools: undefined }), { upstreamModel: 'c', model: traits, stream: false }).warnings,
      ...convertToAnthropicRequest(everything({ reasoning: { effort: 'high' } }), { upstreamModel: 'c', model: traits, stream: false }).warnings,
      ...convertToAnthropicRequest(everything({ reasoning: { effort: 'high' }, maxTokens: 500 }), { upstreamModel: 'c', model: traits, stream: false }).warnings,
      ...convertToAnthropicRequest(everything({ reasoning: { effort: 'high' } }), { upstreamModel: 'c', model: { ...traits, reasoning: false }, stream: false }).warnings,
      ...convertToAnthropicRequest(noReasoning, { upstreamModel: 'c', model: traits, stream: false }).warnings,
    ],
    bedrock: [
      ...convertToBedrockRequest(everything(), { modelId: 'amazon.nova-pro-v1:0', traits: { reasoning: false } }).warnings,
      ...convertToBedrockRequest(everything({ reasoning: { effort: 'high' } }), { modelId: 'anthropic.claude-sonnet-4', traits: { reasoning: true } }).warnings,
      ...convertToBedrockRequest(everything({ reasoning: { effort: 'high' }, maxTokens: 500 }), { modelId: 'anthropic.claude-sonnet-4', traits: { reasoning: true } }).warnings,
      ...convertToBedrockRequest(everything({ reasoning: { effort: 'high' } }), { modelId: 'amazon.nova-pro-v1:0', traits: { reasoning: false } }).warnings,
      ...convertToBedrockRequest(everything({ messages: [MESSAGES[0]] }), { modelId: 'amazon.nova-pro-v1:0', traits: { reasoning: false } }).warnings,
    ],
  };
}

async function simulatedWarnings(): Promise<Warning[]> {
  const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });
  const ask = (overrides: Partial<ChatRequest>): ChatRequest => ({
    model: 'any',
    stream: false,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe Lisbon.' }] }],
    ...overrides,
  });
  const plain = testCallContext('sim-small', { model: { reasoning: false, json: false } });
  const results = await Promise.all([
    provider.chat(ask({ reasoning: { effort: 'high' }, responseFormat: { type: 'json_object' } }), plain),
    provider.chat(ask({ reasoning: { budgetTokens: 2048 } }), plain),
  ]);
  return results.flatMap((result) => result.warnings);
}

function settingsOf(warnings: Warning[]): string[] {
  return warnings.flatMap((w) => (w.type === 'unsupported-setting' || w.type === 'changed-setting' ? [w.setting] : []));
}

describe('warning setting vocabulary', () => {
  it('is wire names only, and knows indexed paths', () => {
    for (const setting of WARNING_SETTINGS) expect(setting).not.toMatch(/[A-Z]/);
    expect(isWarningSetting('top_k')).toBe(true);
    expect(isWarningSetting('tools[3].strict')).toBe(true);
    expect(isWarningSetting('messages[0].content[2].cache_control.ttl')).toBe(true);
    for (const camel of ['topK', 'responseFormat', 'maxTokens', 'reasoning.effort', 'toolChoice', 'system[0].cacheControl.ttl']) {
      expect(isWarningSetting(camel), camel).toBe(false);
    }
    expect(settingPath('messages[].content[].cache_control.ttl', 1, 2)).toBe('messages[1].content[2].cache_control.ttl');
  });

  for (const [adapter, warnings] of Object.entries(adapterWarnings())) {
    it(`${adapter}: every setting named in a warning is in the vocabulary (or an unmodelled field the client sent)`, () => {
      const settings = settingsOf(warnings);
      expect(settings.length).toBeGreaterThan(3);
      const unknown = settings.filter((setting) => !isWarningSetting(setting) && !Object.hasOwn(EXTRA, setting));
      expect(unknown).toEqual([]);
    });
  }

  it('every translating adapter warns about each unmodelled field', () => {
    for (const [adapter, warnings] of Object.entries(adapterWarnings())) {
      if (adapter === 'openai') {
        // The passthrough rewrite keeps unknown fields; the translation warns.
        expect(settingsOf(convertToOpenAIRequest(everything(), openAI).warnings), adapter).toEqual(expect.arrayContaining(Object.keys(EXTRA)));
        continue;
      }
      expect(settingsOf(warnings), adapter).toEqual(expect.arrayContaining(Object.keys(EXTRA)));
    }
  });

  it('bedrock names settings as the other adapters do', () => {
    const settings = new Set(settingsOf(adapterWarnings().bedrock));
    for (const expected of ['top_k', 'response_format', 'seed', 'frequency_penalty', 'presence_penalty', 'user', 'parallel_tool_calls', 'tool_choice', 'tools', 'reasoning_effort', 'thinking.budget_tokens', 'max_tokens', 'system[0].cache_control.ttl', 'messages[0].content[0].cache_control.ttl']) {
      expect(settings.has(expected), expected).toBe(true);
    }
  });

  it('simulated: every setting named in a warning is in the vocabulary', async () => {
    const settings = settingsOf(await simulatedWarnings());
    expect(settings).toEqual(expect.arrayContaining(['reasoning_effort', 'response_format', 'thinking.budget_tokens']));
    expect(settings.filter((setting) => !isWarningSetting(setting))).toEqual([]);
  });
});
