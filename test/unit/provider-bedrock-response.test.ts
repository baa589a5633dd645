import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertBedrockResponse } from '../../src/providers/bedrock/convert-bedrock-response.js';
import { convertBedrockUsage } from '../../src/providers/bedrock/convert-bedrock-usage.js';
import { mapBedrockStopReason } from '../../src/providers/bedrock/map-bedrock-stop-reason.js';
import { GatewayError } from '../../src/spec/errors.js';
import { fixturePath, readFixtureJson } from '../helpers/fixtures.js';

const RECORDED = 'bedrock/recorded-vercel-ai';
const CONTEXT = { provider: 'aws', modelId: 'anthropic.claude-test', responseId: 'bedrock-r1', upstreamRequestId: 'r1', warnings: [] };

type Json = Record<string, any>;

/** The canonical content a Converse body describes, read straight from the fixture. */
function expectedContent(body: Json): unknown[] {
  return (body.output.message.content as Json[]).map((block) => {
    if (typeof block.text === 'string') return { type: 'text', text: block.text };
    if (block.toolUse) return { type: 'tool-call', id: block.toolUse.toolUseId, name: block.toolUse.name, arguments: block.toolUse.input };
    const text = block.reasoningContent.reasoningText;
    return { type: 'reasoning', text: text.text, signature: text.signature };
  });
}

describe('Converse recordings → ChatResult', () => {
  const files = readdirSync(fixturePath(RECORDED)).filter((f) => f.endsWith('.json'));

  it('finds all recorded responses', () => {
    expect(files.length).toBe(11);
  });

  for (const file of files) {
    it(`converts ${file}`, () => {
      const body = readFixtureJson<Json>(`${RECORDED}/${file}`);
      const result = convertBedrockResponse(body, CONTEXT);
      const content = result.content.map((part) => (part.type === 'tool-call' ? { type: part.type, id: part.id, name: part.name, arguments: JSON.parse(part.argumentsJson) } : part));
      expect(content).toEqual(expectedContent(body));
      const u = body.usage;
      expect(result.usage.inputTokens + result.usage.outputTokens).toBe(u.totalTokens);
      expect(result.usage.outputTokens).toBe(u.outputTokens);
      expect(result.finishReason).toBe(body.stopReason === 'tool_use' ? 'tool-calls' : 'stop');
      expect(result.rawFinishReason).toBe(body.stopReason);
      expect(result).toMatchObject({ id: 'bedrock-r1', model: 'anthropic.claude-test', upstreamRequestId: 'r1', warnings: [] });
    });
  }

  it('keeps the reasoning signature of the recording byte for byte', () => {
    const body = readFixtureJson<Json>(`${RECORDED}/amazon-bedrock-reasoning.json`);
    const reasoning = convertBedrockResponse(body, CONTEXT).content[0];
    expect(reasoning).toEqual({ type: 'reasoning', text: body.output.message.content[0].reasoningContent.reasoningText.text, signature: body.output.message.content[0].reasoningContent.reasoningText.signature });
  });

  it('converts redacted reasoning, citations and reports unknown blocks as dropped', () => {
    const result = convertBedrockResponse(
      {
        output: {
          message: {
            role: 'assistant',
            content: [
              { reasoningContent: { redactedContent: 'AAEC' } },
              { citationsContent: { content: [{ text: 'cited ' }, { text: 'text' }], citations: [] } },
              { image: { format: 'png', source: { bytes: 'x' } } },
            ],
          },
        },
        stopReason: 'content_filtered',
        usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
        additionalModelResponseFields: { stop_sequence: null },
      },
      { ...CONTEXT, warnings: [{ type: 'unsupported-setting', setting: 'seed' }] },
    );
    expect(result.content).toEqual([
      { type: 'redacted-reasoning', data: 'AAEC' },
      { type: 'text', text: 'cited text' },
    ]);
    expect(result.finishReason).toBe('content-filter');
    expect(result.warnings).toEqual([{ type: 'unsupported-setting', setting: 'seed' }, expect.objectContaining({ type: 'dropped-content', content: 'image block' })]);
    expect(result.stopSequence).toBeUndefined();
  });

  it('leaves out the blocks of a tool the model ran itself (server_tool_use and its toolResult), with warnings', () => {
    const result = convertBedrockResponse(
      {
        output: {
          message: {
            role: 'assistant',
            content: [
              { toolUse: { toolUseId: 't1', name: 'nova_code_interpreter', input: { snippet: '1+1' }, type: 'server_tool_use' } },
              { toolResult: { toolUseId: 't1', content: [{ json: { stdOut: '2' } }], status: 'success' } },
              { text: 'The answer is 2.' },
            ],
          },
        },
        stopReason: 'end_turn',
        usage: { inputTokens: 5, outputTokens: 9, totalTokens: 14 },
      },
      CONTEXT,
    );
    expect(result.content).toEqual([{ type: 'text', text: 'The answer is 2.' }]);
    expect(result.finishReason).toBe('stop');
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'dropped-content', content: 'toolUse block (server_tool_use nova_code_interpreter)' }),
      expect.objectContaining({ type: 'dropped-content', content: 'toolResult block' }),
    ]);
  });

  it('keeps client tool calls, whose toolUse type is tool_use or absent', () => {
    const result = convertBedrockResponse(
      {
        output: {
          message: {
            role: 'assistant',
            content: [
              { toolUse: { toolUseId: 'a', name: 'weather', input: { city: 'Paris' }, type: 'tool_use' } },
              { toolUse: { toolUseId: 'b', name: 'clock', input: {} } },
            ],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
      },
      CONTEXT,
    );
    expect(result.content).toEqual([
      { type: 'tool-call', id: 'a', name: 'weather', argumentsJson: '{"city":"Paris"}' },
      { type: 'tool-call', id: 'b', name: 'clock', argumentsJson: '{}' },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('reports the matched stop sequence', () => {
    const result = convertBedrockResponse(
      { output: { message: { content: [{ text: 'a' }] } }, stopReason: 'stop_sequence', usage: {}, additionalModelResponseFields: { stop_sequence: '###' } },
      CONTEXT,
    );
    expect(result).toMatchObject({ finishReason: 'stop-sequence', stopSequence: '###', usage: { inputTokens: 0, outputTokens: 0 } });
  });

  it('rejects a body without output.message.content', () => {
    let error: unknown;
    try {
      convertBedrockResponse({ message: 'hello' }, CONTEXT);
    } catch (e) {
      error = e;
    }
    expect(GatewayError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_BAD_RESPONSE', kind: 'upstream_error', upstreamRequestId: 'r1' });
  });
});

describe('Bedrock usage', () => {
  it('adds cache reads and writes to the input tokens (inputTokens excludes them)', () => {
    expect(convertBedrockUsage({ inputTokens: 10, outputTokens: 5, totalTokens: 1115, cacheReadInputTokens: 1000, cacheWriteInputTokens: 100 })).toEqual({
      inputTokens: 1110,
      outputTokens: 5,
      cacheReadTokens: 1000,
      cacheWriteTokens: 100,
    });
  });

  it('reads the undocumented *Count spellings, never twice', () => {
    expect(convertBedrockUsage({ inputTokens: 10, outputTokens: 5, cacheReadInputTokenCount: 7, cacheWriteInputTokenCount: 3 })).toEqual({
      inputTokens: 20,
      outputTokens: 5,
      cacheReadTokens: 7,
      cacheWriteTokens: 3,
    });
    expect(convertBedrockUsage({ inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 7, cacheReadInputTokenCount: 7 })).toEqual({
      inputTokens: 17,
      outputTokens: 5,
      cacheReadTokens: 7,
    });
  });

  it('treats missing usage as zero', () => {
    expect(convertBedrockUsage(undefined)).toEqual({ inputTokens: 0, outputTokens: 0 });
  });
});

describe('Bedrock stop reasons', () => {
  const mappings = readFixtureJson<{ stop_reason: { bedrock_stopReason_enum: string[] } }>('mappings.json');
  const expected: Record<string, string> = {
    end_turn: 'stop',
    stop_sequence: 'stop-sequence',
    max_tokens: 'length',
    tool_use: 'tool-calls',
    guardrail_intervened: 'content-filter',
    content_filtered: 'content-filter',
    model_context_window_exceeded: 'length',
    malformed_model_output: 'other',
    malformed_tool_use: 'other',
  };

  it('maps every value of the enum and keeps the raw value', () => {
    expect(Object.keys(expected).sort()).toEqual([...mappings.stop_reason.bedrock_stopReason_enum].sort());
    for (const value of mappings.stop_reason.bedrock_stopReason_enum) {
      expect(mapBedrockStopReason(value)).toEqual({ finishReason: expected[value], rawFinishReason: value });
    }
    expect(mapBedrockStopReason('brand_new_reason')).toEqual({ finishReason: 'other', rawFinishReason: 'brand_new_reason' });
  });
});
