import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertBedrockStream, type BedrockStreamContext } from '../../src/providers/bedrock/bedrock-stream.js';
import type { ChatStreamPart } from '../../src/spec/chat-stream-part.js';
import { GatewayError } from '../../src/spec/errors.js';
import {
  chunksToFrames,
  concatBytes,
  encodeBedrockErrorFrame,
  encodeBedrockEventFrame,
} from '../mock-upstreams/bedrock-mock.js';
import { fixturePath, readFixture, readFixtureBytes } from '../helpers/fixtures.js';

const RECORDED = 'bedrock/recorded-vercel-ai';
const CONTEXT: BedrockStreamContext = { provider: 'aws', modelId: 'anthropic.claude-test', responseId: 'bedrock-req-1', upstreamRequestId: 'req-1' };

/** Canonical finish reason for each Bedrock stopReason, written out independently of the adapter. */
const EXPECTED_FINISH: Record<string, string> = {
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

async function* inPieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, Math.min(bytes.byteLength, i + size));
}

function neverReadError(error: unknown): GatewayError {
  throw new Error(`unexpected read error ${String(error)}`);
}

async function convert(bytes: Uint8Array, size = 23, mapReadError = neverReadError): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of convertBedrockStream(inPieces(bytes, size), CONTEXT, mapReadError)) parts.push(part);
  return parts;
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string; signature?: string }
  | { type: 'redacted-reasoning'; data: string }
  | { type: 'tool-call'; id: string; name: string; arguments: unknown };

/**
 * Checks the canonical stream contract (start first; blocks never interleave; indices 0,1,2…; exactly
 * one finish or error, last) and assembles the blocks.
 */
function assemble(parts: ChatStreamPart[]): { blocks: Block[]; end: ChatStreamPart } {
  const blocks: Block[] = [];
  const toolArgs: string[] = [];
  let open: number | undefined;
  const end = parts[parts.length - 1];
  expect(['finish', 'error']).toContain(end.type);
  expect(parts.filter((p) => p.type === 'finish' || p.type === 'error')).toHaveLength(1);
  if (end.type === 'finish') expect(parts[0].type).toBe('start');
  expect(parts.filter((p) => p.type === 'start').length).toBeLessThanOrEqual(1);
  for (const part of parts) {
    switch (part.type) {
      case 'text-start':
      case 'reasoning-start':
      case 'tool-call-start':
        expect(open, 'a block starts while another is open').toBeUndefined();
        expect(part.index).toBe(blocks.length);
        open = part.index;
        if (part.type === 'text-start') blocks.push({ type: 'text', text: '' });
        else if (part.type === 'reasoning-start') blocks.push({ type: 'reasoning', text: '' });
        else {
          blocks.push({ type: 'tool-call', id: part.id, name: part.name, arguments: undefined });
          toolArgs[part.index] = '';
        }
        break;
      case 'text-delta':
      case 'reasoning-delta': {
        expect(part.index).toBe(open);
        const block = blocks[part.index];
        if (block.type === 'text' || block.type === 'reasoning') block.text += part.delta;
        break;
      }
      case 'reasoning-signature': {
        expect(part.index).toBe(open);
        const block = blocks[part.index];
        if (block.type === 'reasoning') block.signature = part.signature;
        break;
      }
      case 'tool-call-delta':
        expect(part.index).toBe(open);
        toolArgs[part.index] += part.argumentsDelta;
        break;
      case 'text-end':
      case 'reasoning-end':
      case 'tool-call-end': {
        expect(part.index).toBe(open);
        const block = blocks[part.index];
        if (block.type === 'tool-call') block.arguments = JSON.parse(toolArgs[part.index]);
        open = undefined;
        break;
      }
      case 'redacted-reasoning':
        expect(open).toBeUndefined();
        expect(part.index).toBe(blocks.length);
        blocks.push({ type: 'redacted-reasoning', data: part.data });
        break;
      default:
        break;
    }
  }
  if (end.type === 'finish') expect(open, 'finish with an open block').toBeUndefined();
  return { blocks, end };
}

/** What a recording says, read straight from its JSONL events. */
function expectationsFrom(chunksText: string): { blocks: Block[]; stopReason: string; usage: { inputTokens: number; outputTokens: number } } {
  const byIndex = new Map<number, Block & { inputText?: string }>();
  let stopReason = '';
  let usage = { inputTokens: 0, outputTokens: 0 };
  for (const line of chunksText.split('\n').filter((l) => l.trim() !== '')) {
    const event = JSON.parse(line) as Record<string, Record<string, any>>;
    const [type] = Object.keys(event);
    const payload = event[type];
    if (type === 'contentBlockStart' && payload.start?.toolUse) {
      byIndex.set(payload.contentBlockIndex, { type: 'tool-call', id: payload.start.toolUse.toolUseId, name: payload.start.toolUse.name, arguments: undefined, inputText: '' });
    } else if (type === 'contentBlockDelta') {
      const delta = payload.delta;
      const i = payload.contentBlockIndex;
      if (typeof delta.text === 'string') {
        const block = byIndex.get(i) ?? { type: 'text', text: '' };
        if (block.type === 'text') block.text += delta.text;
        byIndex.set(i, block);
      } else if (delta.toolUse) {
        const block = byIndex.get(i)!;
        block.inputText += delta.toolUse.input;
      } else if (delta.reasoningContent) {
        const block = byIndex.get(i) ?? { type: 'reasoning', text: '' };
        if (block.type === 'reasoning') {
          if (typeof delta.reasoningContent.text === 'string') block.text += delta.reasoningContent.text;
          if (typeof delta.reasoningContent.signature === 'string') block.signature = delta.reasoningContent.signature;
        }
        byIndex.set(i, block);
      }
    } else if (type === 'messageStop') {
      stopReason = payload.stopReason;
    } else if (type === 'metadata') {
      const u = payload.usage;
      usage = { inputTokens: u.inputTokens + (u.cacheReadInputTokens ?? 0) + (u.cacheWriteInputTokens ?? 0), outputTokens: u.outputTokens };
    }
  }
  const blocks = [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, block]) => {
      if (block.type !== 'tool-call') return block;
      const { inputText, ...rest } = block;
      return { ...rest, arguments: inputText === '' ? {} : JSON.parse(inputText ?? '') };
    });
  return { blocks, stopReason, usage };
}

describe('ConverseStream recordings → canonical stream parts', () => {
  const recordings = readdirSync(fixturePath(RECORDED)).filter((f) => f.endsWith('.chunks.txt'));

  it('finds all recorded streams', () => {
    expect(recordings.length).toBe(12);
  });

  for (const file of recordings) {
    it(`converts ${file}`, async () => {
      const text = readFixture(`${RECORDED}/${file}`);
      const expected = expectationsFrom(text);
      const parts = await convert(concatBytes(chunksToFrames(text)));
      const { blocks, end } = assemble(parts);
      expect(blocks).toEqual(expected.blocks);
      expect(end).toEqual({ type: 'finish', finishReason: EXPECTED_FINISH[expected.stopReason], rawFinishReason: expected.stopReason, usage: expected.usage });
      expect(parts[0]).toEqual({ type: 'start', id: 'bedrock-req-1', model: 'anthropic.claude-test', upstreamRequestId: 'req-1' });
    });
  }

  it('gives the same parts however the bytes are chunked', async () => {
    const bytes = concatBytes(chunksToFrames(readFixture(`${RECORDED}/amazon-bedrock-reasoning.chunks.txt`)));
    const reference = await convert(bytes, bytes.byteLength);
    for (const size of [1, 2, 5, 64, 1000]) expect(await convert(bytes, size)).toEqual(reference);
  });

  it('keeps the reasoning signature byte for byte and the reasoning before the text', async () => {
    const parts = await convert(concatBytes(chunksToFrames(readFixture(`${RECORDED}/amazon-bedrock-reasoning.chunks.txt`))));
    const signature = parts.find((p) => p.type === 'reasoning-signature');
    expect(signature).toEqual({
      type: 'reasoning-signature',
      index: 0,
      signature:
        'Ep0CCkgICxABGAIqQOWPB6/PmA5SW9jC6FvaNq3E+U9ev4FMWcFWuAho+VGLCtazKc5WDjQ5i0MuxsY0o5pKDSVWVKii8KJDusXH4eASDK7jyzuk8iij7fJNihoMxHO9haYzt48R36HVIjCb/EmIFrJLIXShqN6DN//T6vZBtO9qj1QhNWJa3CGm8VZoq80S2/Ok4U0aVaIDiZcqggHC2b8BHuv8BHZrmsR0wjU1ynansBGMdfjnG+iIv8R5lPpRmYGhSVwNybwP3aQZ6o8Dr48Rau8TJfdsArW+r7bvL7bPs4f5nnlp2vG7WkMzWwABHK3fdM44zZ1GZQaWyECNWR2GfY6dXiklo94vgpFTPuZ97mfiN3LY6uYyBwL8RkDaGAE=',
    });
    expect(parts.findIndex((p) => p.type === 'reasoning-end')).toBeLessThan(parts.findIndex((p) => p.type === 'text-start'));
  });

  it('emits usage as soon as metadata arrives before messageStop, and finish with it', async () => {
    const parts = await convert(concatBytes(chunksToFrames(readFixture(`${RECORDED}/amazon-bedrock-tool-call.1.chunks.txt`))));
    const usageAt = parts.findIndex((p) => p.type === 'usage');
    expect(parts[usageAt]).toEqual({ type: 'usage', usage: { inputTokens: 125, outputTokens: 45 } });
    expect(usageAt).toBeLessThan(parts.length - 1);
  });

  it('turns an empty tool input into "{}"', async () => {
    const parts = await convert(concatBytes(chunksToFrames(readFixture(`${RECORDED}/amazon-bedrock-tool-no-args.chunks.txt`))));
    expect(parts.filter((p) => p.type === 'tool-call-delta')).toEqual([{ type: 'tool-call-delta', index: 1, argumentsDelta: '{}' }]);
  });
});

describe('stream events beyond the recordings', () => {
  const frame = encodeBedrockEventFrame;

  it('skips the blocks of a tool the model runs itself (server_tool_use and its toolResult)', async () => {
    const bytes = concatBytes([
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't1', name: 'nova_code_interpreter', type: 'server_tool_use' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"snippet":' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '"1+1"}' } } }),
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('contentBlockStart', { contentBlockIndex: 1, start: { toolResult: { toolUseId: 't1', status: 'success' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolResult: [{ json: { stdOut: '2' } }] } }),
      frame('contentBlockStop', { contentBlockIndex: 1 }),
      frame('contentBlockDelta', { contentBlockIndex: 2, delta: { text: 'The answer is 2.' } }),
      frame('contentBlockStop', { contentBlockIndex: 2 }),
      frame('messageStop', { stopReason: 'end_turn' }),
      frame('metadata', { usage: { inputTokens: 5, outputTokens: 9, totalTokens: 14 }, metrics: { latencyMs: 1 } }),
    ]);
    const parts = await convert(bytes);
    expect(parts.some((p) => p.type.startsWith('tool-call'))).toBe(false);
    const { blocks, end } = assemble(parts);
    expect(blocks).toEqual([{ type: 'text', text: 'The answer is 2.' }]);
    expect(end).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('still streams a client tool call that follows a server tool call', async () => {
    const bytes = concatBytes([
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 's1', name: 'nova_grounding', type: 'server_tool_use' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{}' } } }),
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'c1', name: 'weather', type: 'tool_use' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":"Paris"}' } } }),
      frame('contentBlockStop', { contentBlockIndex: 1 }),
      frame('messageStop', { stopReason: 'tool_use' }),
      frame('metadata', { usage: { inputTokens: 5, outputTokens: 9, totalTokens: 14 }, metrics: { latencyMs: 1 } }),
    ]);
    const { blocks, end } = assemble(await convert(bytes));
    expect(blocks).toEqual([{ type: 'tool-call', id: 'c1', name: 'weather', arguments: { city: 'Paris' } }]);
    expect(end).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('counts cache reads and writes into the input tokens', async () => {
    const bytes = concatBytes([
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'ok' } }),
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('messageStop', { stopReason: 'max_tokens' }),
      frame('metadata', { usage: { inputTokens: 10, outputTokens: 3, totalTokens: 613, cacheReadInputTokens: 500, cacheWriteInputTokens: 100 }, metrics: { latencyMs: 1 } }),
    ]);
    const parts = await convert(bytes);
    expect(parts[parts.length - 1]).toEqual({
      type: 'finish',
      finishReason: 'length',
      rawFinishReason: 'max_tokens',
      usage: { inputTokens: 610, outputTokens: 3, cacheReadTokens: 500, cacheWriteTokens: 100 },
    });
  });

  it('reports the stop sequence Anthropic models return', async () => {
    const bytes = concatBytes([
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'one two' } }),
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('messageStop', { stopReason: 'stop_sequence', additionalModelResponseFields: { delta: { stop_sequence: 'three' } } }),
      frame('metadata', { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 1 } }),
    ]);
    const parts = await convert(bytes);
    expect(parts[parts.length - 1]).toMatchObject({ type: 'finish', finishReason: 'stop-sequence', stopSequence: 'three' });
  });

  it('maps malformed_tool_use to other and keeps the raw reason', async () => {
    const bytes = concatBytes([frame('messageStart', { role: 'assistant' }), frame('messageStop', { stopReason: 'malformed_tool_use' })]);
    expect((await convert(bytes)).at(-1)).toEqual({
      type: 'finish',
      finishReason: 'other',
      rawFinishReason: 'malformed_tool_use',
      usage: { inputTokens: 0, outputTokens: 0 },
    });
  });

  it('emits redacted reasoning as one part with the blobs joined', async () => {
    const a = Buffer.from([1, 2, 3, 4]).toString('base64');
    const b = Buffer.from([5, 6]).toString('base64');
    const bytes = concatBytes([
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: a } } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: b } } }),
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'answer' } }),
      frame('contentBlockStop', { contentBlockIndex: 1 }),
      frame('messageStop', { stopReason: 'end_turn' }),
      frame('metadata', { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } }),
    ]);
    const { blocks } = assemble(await convert(bytes));
    expect(blocks).toEqual([
      { type: 'redacted-reasoning', data: Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64') },
      { type: 'text', text: 'answer' },
    ]);
  });

  it('ignores events after finish', async () => {
    const bytes = concatBytes([
      frame('messageStart', { role: 'assistant' }),
      frame('messageStop', { stopReason: 'end_turn' }),
      frame('metadata', { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'late' } }),
    ]);
    expect((await convert(bytes)).map((p) => p.type)).toEqual(['start', 'finish']);
  });

  it('fails with SWY_ERR_UPSTREAM_STREAM_TRUNCATED when the stream ends before messageStop', async () => {
    const text = readFixture(`${RECORDED}/amazon-bedrock-text.chunks.txt`).split('\n').slice(0, 5).join('\n');
    const parts = await convert(concatBytes(chunksToFrames(text)));
    const end = parts[parts.length - 1];
    expect(parts.slice(0, 3).map((p) => p.type)).toEqual(['start', 'text-start', 'text-delta']);
    expect(end.type).toBe('error');
    if (end.type !== 'error') return;
    expect(end.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED', kind: 'upstream_error', retryable: true, upstreamRequestId: 'req-1' });
  });

  it('fails on an error frame', async () => {
    const bytes = concatBytes([frame('messageStart', { role: 'assistant' }), encodeBedrockErrorFrame('InternalFailure', 'broken')]);
    const parts = await convert(bytes);
    expect(parts.map((p) => p.type)).toEqual(['start', 'error']);
    expect(parts[1]).toMatchObject({ error: { kind: 'upstream_error', upstreamType: 'InternalFailure', retryable: true } });
  });

  it('fails with SWY_ERR_UPSTREAM_STREAM_INVALID on a bad checksum', async () => {
    const bytes = concatBytes(chunksToFrames(readFixture(`${RECORDED}/amazon-bedrock-text.chunks.txt`)));
    const corrupted = Uint8Array.from(bytes);
    corrupted[corrupted.byteLength - 30] ^= 0x01;
    const parts = await convert(corrupted);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_UPSTREAM_STREAM_INVALID', kind: 'upstream_error' } });
  });

  it('maps a failure while reading the body with the given mapper', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield frame('messageStart', { role: 'assistant' });
      throw Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' });
    }
    const sentinel = new GatewayError({ code: 'SWY_ERR_TEST_READ', kind: 'upstream_error', message: 'read failed' });
    const seen: unknown[] = [];
    const parts: ChatStreamPart[] = [];
    for await (const part of convertBedrockStream(failing(), CONTEXT, (e) => (seen.push(e), sentinel))) parts.push(part);
    expect(parts).toEqual([expect.objectContaining({ type: 'start' }), { type: 'error', error: sentinel }]);
    expect((seen[0] as Error).message).toBe('socket hang up');
  });
});

describe('synthetic exception frames → error parts', () => {
  const cases: Array<[string, string[], Record<string, unknown>]> = [
    ['internalServerException-first-frame', ['error'], { kind: 'upstream_error', retryable: true, upstreamType: 'internalServerException', upstreamStatus: 500 }],
    ['serviceUnavailableException-first-frame', ['error'], { kind: 'overloaded', retryable: true, upstreamType: 'serviceUnavailableException', status: 529 }],
    ['validationException-first-frame', ['error'], { kind: 'invalid_request', retryable: false, status: 400, upstreamType: 'validationException' }],
    ['stream-then-modelStreamErrorException', ['start', 'error'], { kind: 'upstream_error', retryable: false, upstreamStatus: 424 }],
    ['stream-then-throttlingException', ['start', 'text-start', 'text-delta', 'error'], { kind: 'rate_limit', retryable: true, status: 429 }],
  ];
  for (const [name, types, error] of cases) {
    it(`${name}`, async () => {
      const parts = await convert(readFixtureBytes(`bedrock/synthetic/${name}.eventstream.bin`), 11);
      expect(parts.map((p) => p.type)).toEqual(types);
      const last = parts[parts.length - 1];
      if (last.type !== 'error') throw new Error('no error part');
      expect(GatewayError.is(last.error)).toBe(true);
      expect(last.error).toMatchObject({ ...error, origin: 'upstream', upstreamRequestId: 'req-1', provider: 'aws' });
      expect(last.error.code).toMatch(/^SWY_ERR_/);
    });
  }

  it('keeps the partial text before a throttling exception', async () => {
    const parts = await convert(readFixtureBytes('bedrock/synthetic/stream-then-throttlingException.eventstream.bin'));
    expect(parts[2]).toEqual({ type: 'text-delta', index: 0, delta: 'Hel' });
    expect(parts[3]).toMatchObject({ error: { message: expect.stringContaining('Too many tokens') } });
  });
});
