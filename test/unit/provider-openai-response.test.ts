import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertOpenAIResponse } from '../../src/providers/openai/convert-openai-response.js';
import { convertOpenAIUsage } from '../../src/providers/openai/convert-openai-usage.js';
import { mapOpenAIFinishReason } from '../../src/providers/openai/map-openai-finish-reason.js';
import { GatewayError, type Warning } from '../../src/spec/index.js';
import { fixturePath, readFixtureJson } from '../helpers/fixtures.js';

const context = { provider: 'openai', upstreamModel: 'gpt-4o', upstreamRequestId: 'req_123', warnings: [] as Warning[] };

interface RecordedCompletion {
  id: string;
  model: string;
  choices: Array<{
    index: number;
    finish_reason: string;
    message: { content: string | null; refusal?: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> };
  }>;
  usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens: number }; completion_tokens_details?: { reasoning_tokens: number } };
}

const recordedDir = 'openai/recorded-json-openai-python';
const recorded = readdirSync(fixturePath(recordedDir)).filter((name) => name.endsWith('.json'));

describe('convertOpenAIResponse on recorded chat.completion bodies', () => {
  it('has recordings to replay', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(14);
  });

  it.each([...recorded.map((name) => `${recordedDir}/${name}`), 'openai/recorded-vercel-ai/openai-text.json'])('%s', (path) => {
    const body = readFixtureJson<RecordedCompletion>(path);
    const choice = body.choices[0];
    const result = convertOpenAIResponse(body, context);

    const expected: unknown[] = [];
    const text = choice.message.content ?? choice.message.refusal;
    if (text) expected.push({ type: 'text', text });
    for (const call of choice.message.tool_calls ?? []) expected.push({ type: 'tool-call', id: call.id, name: call.function.name, argumentsJson: call.function.arguments });
    expect(result.content).toEqual(expected);
    expect(result.id).toBe(body.id);
    expect(result.model).toBe(body.model);
    expect(result.rawFinishReason).toBe(choice.finish_reason);
    expect(result.finishReason).toBe({ stop: 'stop', length: 'length', tool_calls: 'tool-calls' }[choice.finish_reason]);
    expect(result.usage.inputTokens).toBe(body.usage.prompt_tokens);
    expect(result.usage.outputTokens).toBe(body.usage.completion_tokens);
    expect(result.usage.cacheReadTokens).toBe(body.usage.prompt_tokens_details?.cached_tokens);
    expect(result.usage.reasoningTokens).toBe(body.usage.completion_tokens_details?.reasoning_tokens);
    expect(result.upstreamRequestId).toBe('req_123');
  });
});

describe('convertOpenAIResponse', () => {
  it('keeps cached and reasoning token breakdowns inside inclusive totals, and carries warnings', () => {
    const warnings: Warning[] = [{ type: 'unsupported-setting', setting: 'top_k' }];
    const result = convertOpenAIResponse(
      {
        id: 'chatcmpl-1',
        model: 'o3-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Done.' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1200, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 256 } },
      },
      { ...context, warnings },
    );
    expect(result.usage).toEqual({ inputTokens: 1200, outputTokens: 300, cacheReadTokens: 1024, reasoningTokens: 256 });
    expect(result.warnings).toBe(warnings);
  });

  it('reads compatible servers’ reasoning_content, fills empty tool arguments and generates missing ids', () => {
    const result = convertOpenAIResponse(
      {
        choices: [
          {
            message: { content: '', reasoning_content: 'Let me think.', tool_calls: [{ type: 'function', function: { name: 'now', arguments: '' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
      context,
    );
    expect(result.content[0]).toEqual({ type: 'reasoning', text: 'Let me think.' });
    expect(result.content[1]).toMatchObject({ type: 'tool-call', name: 'now', argumentsJson: '{}' });
    expect((result.content[1] as { id: string }).id).toMatch(/^call_/);
    expect(result.id).toMatch(/^chatcmpl-/);
    expect(result.model).toBe('gpt-4o');
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('uses choice 0 when several choices come back', () => {
    const result = convertOpenAIResponse(
      {
        id: 'x',
        choices: [
          { index: 1, message: { content: 'second' }, finish_reason: 'stop' },
          { index: 0, message: { content: 'first' }, finish_reason: 'length' },
        ],
      },
      context,
    );
    expect(result.content).toEqual([{ type: 'text', text: 'first' }]);
    expect(result.finishReason).toBe('length');
  });

  it('throws a typed error for a 200 body that carries an error, and for one without choices', () => {
    const withError = () => convertOpenAIResponse({ error: { message: 'boom', type: 'server_error', param: null, code: null } }, context);
    expect(withError).toThrow(GatewayError);
    expect(withError).toThrow('openai: boom');
    try {
      convertOpenAIResponse({ id: 'x', choices: [] }, context);
      expect.unreachable();
    } catch (error) {
      expect(GatewayError.is(error) && error.code).toBe('SWY_ERR_UPSTREAM_BAD_RESPONSE');
    }
  });
});

describe('convertOpenAIResponse on bodies of the wrong shape', () => {
  const withMessage = (message: unknown) => ({ id: 'x', choices: [{ index: 0, message, finish_reason: 'stop' }] });

  it.each([
    ['an object', {}],
    ['a string', 'x'],
    ['a number', 5],
    ['[null]', [null]],
  ])('choices that is %s is an unreadable response (a typed 502), not a TypeError', (_, choices) => {
    expect(() => convertOpenAIResponse({ id: 'x', choices }, context)).toThrow(expect.objectContaining({ code: 'SWY_ERR_UPSTREAM_BAD_RESPONSE' }));
  });

  it.each([
    ['[null]', [null]],
    ['a number', 5],
    ['an object', { id: 'call_1' }],
  ])('tool_calls that is %s is read as no tool calls', (_, toolCalls) => {
    expect(convertOpenAIResponse(withMessage({ role: 'assistant', content: 'hi', tool_calls: toolCalls }), context).content).toEqual([{ type: 'text', text: 'hi' }]);
  });

  it('reads a message that is not an object, and a tool name or function_call of the wrong type, as absent', () => {
    expect(convertOpenAIResponse(withMessage(5), context).content).toEqual([]);
    expect(convertOpenAIResponse(withMessage({ function_call: 5 }), context).content).toEqual([]);
    const named = convertOpenAIResponse(withMessage({ tool_calls: [{ id: 'call_1', function: { name: 5, arguments: '{}' } }] }), context);
    expect(named.content).toEqual([{ type: 'tool-call', id: 'call_1', name: '', argumentsJson: '{}' }]);
  });
});

describe('mapOpenAIFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool-calls'],
    ['function_call', 'tool-calls'],
    ['content_filter', 'content-filter'],
    ['eos', 'other'],
    [null, 'other'],
  ] as const)('%s → %s', (raw, mapped) => {
    expect(mapOpenAIFinishReason(raw)).toBe(mapped);
  });
});

describe('convertOpenAIUsage', () => {
  it('omits breakdowns the upstream did not report and reads cache writes when present', () => {
    expect(convertOpenAIUsage({ prompt_tokens: 10, completion_tokens: 5 })).toEqual({ inputTokens: 10, outputTokens: 5 });
    expect(convertOpenAIUsage({ prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: null, cache_write_tokens: 4 } })).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      cacheWriteTokens: 4,
    });
  });
});
