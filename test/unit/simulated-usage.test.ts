import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { countTokens } from '../../src/providers/simulated/simulated-tokens.js';
import { countInputTokens, IMAGE_TOKENS, LOW_DETAIL_IMAGE_TOKENS } from '../../src/providers/simulated/simulated-usage.js';
import type { ChatRequest, ToolDefinition } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';

const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });
const TOOL: ToolDefinition = { name: 'lookup', description: 'Looks a word up.', inputSchema: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] } };
const PNG = { kind: 'base64' as const, mediaType: 'image/png', data: 'iVBORw0KGgo=' };

function ask(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text }] }], ...extra };
}

describe('simulated usage', () => {
  it('counts input tokens over system, messages, tool definitions and images', () => {
    const base = countInputTokens(ask('Hello there'));
    expect(base).toBeGreaterThan(countTokens('Hello there'));
    const longer = countInputTokens(ask('Hello there, this is a much longer question with many more words in it'));
    expect(longer - base).toBe(countTokens('Hello there, this is a much longer question with many more words in it') - countTokens('Hello there'));

    const withSystem = countInputTokens(ask('Hello there', { system: [{ type: 'text', text: 'You are terse.' }] }));
    expect(withSystem).toBeGreaterThanOrEqual(base + countTokens('You are terse.'));

    const withTool = countInputTokens(ask('Hello there', { tools: [TOOL] }));
    expect(withTool - base).toBe(countTokens(JSON.stringify({ name: TOOL.name, description: TOOL.description, parameters: TOOL.inputSchema })));

    const image: ChatRequest = { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }, { type: 'image', source: PNG }] }] };
    expect(countInputTokens(image) - base).toBe(IMAGE_TOKENS);
    const lowDetail: ChatRequest = { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }, { type: 'image', source: PNG, detail: 'low' }] }] };
    expect(countInputTokens(lowDetail) - base).toBe(LOW_DETAIL_IMAGE_TOKENS);
  });

  it('reports inclusive usage on results: output tokens are the tokens of what was generated', async () => {
    const result = await provider.chat(ask('What is a queue?', { system: [{ type: 'text', text: 'Be brief.' }] }), testCallContext('sim-medium'));
    expect(result.usage.inputTokens).toBe(countInputTokens(ask('What is a queue?', { system: [{ type: 'text', text: 'Be brief.' }] })));
    const text = result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
    expect(result.usage.outputTokens).toBe(countTokens(text));
    expect(result.usage.reasoningTokens).toBeUndefined();
    expect(result.usage.cacheReadTokens).toBeUndefined();
  });

  it('counts tool names and arguments as output when calling tools', async () => {
    const result = await provider.chat(ask('Look up "gateway".', { tools: [TOOL] }), testCallContext('sim-small'));
    const calls = result.content.flatMap((part) => (part.type === 'tool-call' ? [part] : []));
    expect(calls).toHaveLength(1);
    expect(result.usage.outputTokens).toBe(countTokens(calls[0].name) + countTokens(calls[0].argumentsJson));
  });

  it('streams the input side first and the final usage with finish', async () => {
    const { stream } = await provider.chatStream({ ...ask('What is a queue?'), stream: true }, testCallContext('sim-medium'));
    const usages = [];
    for await (const part of stream) if (part.type === 'usage' || part.type === 'finish') usages.push(part);
    expect(usages).toHaveLength(2);
    const [early, finish] = usages;
    expect(early.type).toBe('usage');
    expect(early.usage.outputTokens).toBe(0);
    expect(early.usage.inputTokens).toBe(finish.usage.inputTokens);
    expect(finish.type).toBe('finish');
    expect(finish.usage.outputTokens).toBeGreaterThan(0);
  });
});
