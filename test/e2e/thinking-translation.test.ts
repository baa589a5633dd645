/**
 * Reasoning ("thinking") blocks across dialects: Anthropic client ↔ Bedrock upstream keeps thinking
 * with its signature byte for byte (both ways, streamed and not); toward an OpenAI client thinking
 * cannot be expressed and is dropped with a warning.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startBedrockMock, type BedrockMock } from '../mock-upstreams/bedrock-mock.js';

const REASONING = { tools: true, images: true, json: false, reasoning: true };
let bedrockMock: BedrockMock;
let anthropicMock: AnthropicMock;
let gateway: RunningGateway;
let anthropic: Anthropic;

beforeAll(async () => {
  [bedrockMock, anthropicMock] = await Promise.all([startBedrockMock({ apiKey: 'bedrock-api-key' }), startAnthropicMock()]);
  gateway = await startTestGateway({
    providers: {
      bedrock: { type: 'bedrock', region: 'us-east-1', apiKey: 'bedrock-api-key', baseUrl: bedrockMock.url },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant', baseUrl: anthropicMock.url },
    },
    models: [
      { id: 'bedrock-claude', provider: 'bedrock', upstreamModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', capabilities: REASONING },
      { id: 'claude-thinking', provider: 'anthropic', upstreamModel: 'thinking', capabilities: REASONING },
    ],
  });
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: TEST_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([bedrockMock?.close(), anthropicMock?.close()]);
});

describe('Anthropic client ↔ Bedrock upstream', () => {
  it('asks Bedrock for thinking and returns the thinking block with its signature', async () => {
    const message = await anthropic.messages.create({
      model: 'bedrock-claude',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
    });
    const sent = bedrockMock.requests.at(-1)!.body as { additionalModelRequestFields?: { thinking?: unknown } };
    expect(sent.additionalModelRequestFields?.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    const thinking = message.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking');
    expect(thinking?.thinking.length).toBeGreaterThan(0);
    expect(thinking?.signature.length).toBeGreaterThan(0);
    expect(message.content.at(-1)?.type).toBe('text');
  });

  it('streams thinking and signature deltas the SDK reassembles', async () => {
    const final = await anthropic.messages
      .stream({ model: 'bedrock-claude', max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'Think, then answer.' }] })
      .finalMessage();
    const thinking = final.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking');
    expect(thinking?.signature.length).toBeGreaterThan(0);
    expect(final.content.some((b) => b.type === 'text')).toBe(true);
  });

  it('sends an earlier thinking block back to Bedrock with the signature unchanged', async () => {
    const signature = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+opaque/=+';
    await anthropic.messages.create({
      model: 'bedrock-claude',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'pondering', signature }, { type: 'text', text: 'answer one' }] },
        { role: 'user', content: 'second' },
      ],
    });
    const sent = bedrockMock.requests.at(-1)!.body as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };
    const reasoning = sent.messages[1].content[0] as { reasoningContent: { reasoningText: { text: string; signature: string } } };
    expect(reasoning.reasoningContent.reasoningText).toEqual({ text: 'pondering', signature });
  });
});

describe('toward an OpenAI client', () => {
  it('drops thinking with a dropped-content warning (non-streaming)', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'claude-thinking', messages: [{ role: 'user', content: 'hm' }] });
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toContain('Echo: hm');
    expect(JSON.stringify(res.json)).not.toContain('Let me think');
    const warnings = JSON.parse(res.headers.get('x-switchyard-warnings') ?? '[]') as Array<{ type: string; content?: string }>;
    expect(warnings).toContainEqual(expect.objectContaining({ type: 'dropped-content', content: 'reasoning' }));
  });

  it('drops thinking from a stream, announced in the warning header when reasoning was requested', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, {
      model: 'bedrock-claude',
      stream: true,
      reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'stream hm' }],
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Echo: ');
    const sent = bedrockMock.requests.at(-1)!.body as { additionalModelRequestFields?: { thinking?: { budget_tokens: number } } };
    expect(sent.additionalModelRequestFields?.thinking?.budget_tokens).toBeGreaterThan(0);
    const warnings = JSON.parse(res.headers.get('x-switchyard-warnings') ?? '[]') as Array<{ type: string; content?: string }>;
    expect(warnings).toContainEqual(expect.objectContaining({ type: 'dropped-content', content: 'reasoning' }));
  });
});
