import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeAnthropicStream } from '../../src/providers/anthropic/anthropic-stream.js';
import type { ChatStreamPart, GatewayError, Usage } from '../../src/spec/index.js';
import { fixturePath, readFixture, readFixtureBytes } from '../helpers/fixtures.js';

// ---------- helpers ----------

/** Splits bytes into uneven chunks, one boundary inside the first multi-byte character. */
function* chunked(bytes: Buffer): Generator<Uint8Array> {
  const sizes = [1, 9, 40, 3, 128, 17];
  const cuts = new Set<number>();
  for (let at = 0, i = 0; at < bytes.length; i++) cuts.add((at = Math.min(bytes.length, at + sizes[i % sizes.length])));
  const multi = bytes.findIndex((b) => b >= 0x80);
  if (multi >= 0) cuts.add(multi + 1);
  let start = 0;
  for (const end of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(start, end);
    start = end;
  }
}

async function* asAsync(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

async function decode(bytes: Buffer | string): Promise<ChatStreamPart[]> {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const parts: ChatStreamPart[] = [];
  for await (const part of decodeAnthropicStream(asAsync(chunked(buffer)), { provider: 'anthropic', upstreamModel: 'claude-called', upstreamRequestId: 'req_s' })) {
    parts.push(part);
  }
  return parts;
}

interface Reassembled {
  blocks: Array<
    | { type: 'text'; text: string }
    | { type: 'reasoning'; text: string; signature: string }
    | { type: 'redacted'; data: string }
    | { type: 'tool'; id: string; name: string; args: string }
  >;
  finish?: { finishReason: string; rawFinishReason?: string; stopSequence?: string; usage: Usage };
  error?: GatewayError;
  starts: Array<{ id: string; model: string }>;
}

/** Rebuilds content from canonical parts and checks the stream contract while doing so. */
function reassemble(parts: ChatStreamPart[]): Reassembled {
  const out: Reassembled = { blocks: [], starts: [] };
  let open: number | undefined;
  parts.forEach((part, i) => {
    expect(out.finish === undefined && out.error === undefined, `part ${i} (${part.type}) after the stream ended`).toBe(true);
    switch (part.type) {
      case 'start':
        out.starts.push({ id: part.id, model: part.model });
        break;
      case 'text-start':
      case 'reasoning-start':
      case 'tool-call-start':
      case 'redacted-reasoning':
        expect(open, 'blocks never interleave').toBeUndefined();
        expect(part.index, 'indices are 0,1,2…').toBe(out.blocks.length);
        if (part.type === 'text-start') out.blocks.push({ type: 'text', text: '' });
        else if (part.type === 'reasoning-start') out.blocks.push({ type: 'reasoning', text: '', signature: '' });
        else if (part.type === 'tool-call-start') out.blocks.push({ type: 'tool', id: part.id, name: part.name, args: '' });
        else out.blocks.push({ type: 'redacted', data: part.data });
        if (part.type !== 'redacted-reasoning') open = part.index;
        break;
      case 'text-delta':
      case 'reasoning-delta':
      case 'reasoning-signature':
      case 'tool-call-delta': {
        expect(part.index).toBe(open);
        const block = out.blocks[part.index];
        if (part.type === 'text-delta' && block.type === 'text') block.text += part.delta;
        else if (part.type === 'reasoning-delta' && block.type === 'reasoning') block.text += part.delta;
        else if (part.type === 'reasoning-signature' && block.type === 'reasoning') block.signature += part.signature;
        else if (part.type === 'tool-call-delta' && block.type === 'tool') block.args += part.argumentsDelta;
        else throw new Error(`${part.type} does not match block ${block.type}`);
        break;
      }
      case 'text-end':
      case 'reasoning-end':
      case 'tool-call-end':
        expect(part.index).toBe(open);
        open = undefined;
        break;
      case 'usage':
        break;
      case 'finish':
        expect(open, 'no block open at finish').toBeUndefined();
        out.finish = { finishReason: part.finishReason, rawFinishReason: part.rawFinishReason, stopSequence: part.stopSequence, usage: part.usage };
        break;
      case 'error':
        out.error = part.error;
        break;
    }
  });
  return out;
}

/** The wire fields the reference reading below looks at. */
interface WireEvent {
  type: string;
  index: number;
  message: { id: string; model: string; usage?: Record<string, unknown> };
  content_block: { type: string; text?: string; thinking?: string; signature?: string; id?: string; name?: string };
  delta: { type?: string; text?: string; thinking?: string; signature?: string; partial_json?: string; stop_reason?: string | null; stop_sequence?: string | null };
  usage?: Record<string, unknown>;
}

/**
 * An independent reading of a recorded stream: what the response *says*, computed directly from the
 * fixture's events (blocks by index, server-tool blocks left out, last usage values, stop reason).
 */
function expectedFromFixture(text: string) {
  const events = text
    .split(/\r?\n\r?\n/)
    .map((frame) => frame.split(/\r?\n/).find((line) => line.startsWith('data:')))
    .filter((line): line is string => line !== undefined)
    .map((line) => JSON.parse(line.slice(5)) as WireEvent);
  const byIndex = new Map<number, Reassembled['blocks'][number] | null>();
  const usage: Record<string, number> = {};
  let stopReason: string | undefined;
  let stopSequence: string | undefined;
  let message: WireEvent['message'] | undefined;
  for (const event of events) {
    if (event.type === 'message_start') {
      message = event.message;
      for (const [key, value] of Object.entries(event.message.usage ?? {})) if (typeof value === 'number') usage[key] = value;
    } else if (event.type === 'content_block_start') {
      const block = event.content_block;
      byIndex.set(
        event.index,
        block.type === 'text'
          ? { type: 'text', text: block.text ?? '' }
          : block.type === 'thinking'
            ? { type: 'reasoning', text: block.thinking ?? '', signature: block.signature ?? '' }
            : block.type === 'tool_use'
              ? { type: 'tool', id: block.id ?? '', name: block.name ?? '', args: '' }
              : null,
      );
    } else if (event.type === 'content_block_delta') {
      const block = byIndex.get(event.index);
      const delta = event.delta;
      if (!block) continue;
      if (delta.type === 'text_delta' && block.type === 'text') block.text += delta.text;
      if (delta.type === 'thinking_delta' && block.type === 'reasoning') block.text += delta.thinking;
      if (delta.type === 'signature_delta' && block.type === 'reasoning') block.signature += delta.signature;
      if (delta.type === 'input_json_delta' && block.type === 'tool') block.args += delta.partial_json;
    } else if (event.type === 'message_delta') {
      stopReason = event.delta.stop_reason ?? undefined;
      stopSequence = event.delta.stop_sequence ?? undefined;
      for (const [key, value] of Object.entries(event.usage ?? {})) if (typeof value === 'number') usage[key] = value;
    }
  }
  const blocks = [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, block]) => block)
    .filter((block): block is NonNullable<typeof block> => block !== null)
    .map((block) => (block.type === 'tool' && block.args === '' ? { ...block, args: '{}' } : block));
  const finishByStop: Record<string, string> = { end_turn: 'stop', tool_use: 'tool-calls', max_tokens: 'length', refusal: 'content-filter', stop_sequence: 'stop-sequence' };
  return {
    message: message ?? { id: '', model: '' },
    blocks,
    finishReason: finishByStop[stopReason ?? ''],
    stopReason,
    stopSequence,
    inputTokens: (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0),
    outputTokens: usage.output_tokens,
  };
}

// ---------- recorded streams ----------

const BROKEN = new Set(['duplicate-message-start.sse', 'spliced-message-start.sse', 'derived__error-event-overloaded.sse']);
const streamFixtures = [
  ...readdirSync(fixturePath('anthropic/recorded-vercel-ai/derived-sse'))
    .filter((name) => name.endsWith('.sse'))
    .map((name) => `anthropic/recorded-vercel-ai/derived-sse/${name}`),
  ...readdirSync(fixturePath('anthropic/sdk-ts-fixtures'))
    .filter((name) => name.endsWith('.sse') || name.endsWith('.txt'))
    .map((name) => `anthropic/sdk-ts-fixtures/${name}`),
];
const wellFormed = streamFixtures.filter((path) => !BROKEN.has(path.split('/').pop() ?? ''));

describe('decodeAnthropicStream: every recorded Anthropic stream', () => {
  it('covers all recorded streams', () => {
    expect(streamFixtures.length).toBe(16);
    expect(wellFormed.length).toBe(13);
  });

  it.each(wellFormed)('replays %s to the content, usage and stop reason it records', async (path) => {
    const expected = expectedFromFixture(readFixture(path));
    const result = reassemble(await decode(readFixtureBytes(path)));
    expect(result.error).toBeUndefined();
    expect(result.starts).toEqual([{ id: expected.message.id, model: expected.message.model }]);
    expect(result.blocks).toEqual(expected.blocks);
    expect(result.finish).toBeDefined();
    expect(result.finish?.finishReason).toBe(expected.finishReason);
    expect(result.finish?.rawFinishReason).toBe(expected.stopReason);
    expect(result.finish?.stopSequence).toBe(expected.stopSequence);
    expect(result.finish?.usage.inputTokens).toBe(expected.inputTokens);
    expect(result.finish?.usage.outputTokens).toBe(expected.outputTokens);
  });

  it('keeps a thinking signature byte for byte across chunk splits', async () => {
    const path = 'anthropic/recorded-vercel-ai/derived-sse/anthropic-clear-thinking.1.sse';
    const result = reassemble(await decode(readFixtureBytes(path)));
    const signature = (result.blocks[0] as { signature: string }).signature;
    expect(signature).toMatch(/^EvQBCkYICxgCKkAxhD4N.*4yzNgvi\/EhT6Ca17BgB$/);
    expect(readFixture(path)).toContain(`"signature":"${signature}"`);
    expect(result.blocks[1]).toEqual({ type: 'text', text: '925 ÷ 5 = 185' });
  });

  it('skips server-tool blocks and renumbers the remaining blocks from 0', async () => {
    const parts = await decode(readFixtureBytes('anthropic/sdk-ts-fixtures/tests__fixtures__fable-fallback__stream-a-toolrefusal.sse'));
    const starts = parts.filter((p) => p.type.endsWith('-start') && p.type !== 'start');
    expect(starts.map((p) => p.type)).toEqual(['text-start']);
    expect(starts[0]).toMatchObject({ index: 0 });
  });

  it('closes a tool call cut off by max_tokens and reports length', async () => {
    const result = reassemble(await decode(readFixtureBytes('anthropic/sdk-ts-fixtures/tests__lib__fixtures__incomplete_partial_json_response.txt')));
    const tool = result.blocks[1];
    expect(tool).toMatchObject({ type: 'tool', name: 'make_file' });
    expect((tool as { args: string }).args.startsWith('{"filename": "taxes.txt", "lines_of_text": [')).toBe(true);
    expect(result.finish).toMatchObject({ finishReason: 'length', usage: { inputTokens: 450, outputTokens: 124 } });
  });

  it('takes the last message_delta usage instead of adding (proxy that repeats input tokens)', async () => {
    const result = reassemble(await decode(readFixtureBytes('anthropic/recorded-vercel-ai/derived-sse/anthropic-message-delta-input-tokens.sse')));
    expect(result.finish?.usage).toEqual({ inputTokens: 61, outputTokens: 2 });
  });

  it('reports reasoning tokens from output_tokens_details', async () => {
    const result = reassemble(await decode(readFixtureBytes('anthropic/sdk-ts-fixtures/tests__fixtures__fable-fallback__stream-a-refusal.sse')));
    expect(result.finish?.usage).toMatchObject({ inputTokens: 28, outputTokens: 106, reasoningTokens: 67 });
    expect(result.finish?.finishReason).toBe('content-filter');
  });
});

describe('decodeAnthropicStream: deliberately broken streams', () => {
  it('ignores a duplicated message_start (same id): one start, normal content', async () => {
    const parts = await decode(readFixtureBytes('anthropic/recorded-vercel-ai/derived-sse/duplicate-message-start.sse'));
    const result = reassemble(parts);
    expect(parts.filter((p) => p.type === 'start')).toHaveLength(1);
    expect(result.blocks).toEqual([{ type: 'text', text: 'Hello, World!' }]);
    expect(result.finish).toMatchObject({ finishReason: 'stop', usage: { inputTokens: 17, outputTokens: 227 } });
  });

  it('fails a spliced stream (second message id while the first is open) with a retryable error and nothing after it', async () => {
    const parts = await decode(readFixtureBytes('anthropic/recorded-vercel-ai/derived-sse/spliced-message-start.sse'));
    const result = reassemble(parts);
    expect(result.starts).toEqual([{ id: 'msg_first', model: 'claude-3-haiku-20240307' }]);
    expect(result.blocks[0]).toEqual({ type: 'reasoning', text: 'I will call the tool.', signature: 'sig-first' });
    expect(JSON.stringify(result.blocks)).not.toContain('sig-second');
    expect(result.finish).toBeUndefined();
    expect(parts[parts.length - 1].type).toBe('error');
    expect(result.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_STREAM_SPLICED', retryable: true, upstreamRequestId: 'req_s' });
  });

  it('turns an in-stream overloaded error event into one retryable overloaded error part', async () => {
    const parts = await decode(readFixtureBytes('anthropic/sdk-ts-fixtures/derived__error-event-overloaded.sse'));
    expect(parts).toHaveLength(1);
    expect(parts[0].type).toBe('error');
    expect((parts[0] as { error: GatewayError }).error).toMatchObject({
      kind: 'overloaded',
      retryable: true,
      origin: 'upstream',
      upstreamType: 'overloaded_error',
      status: 529,
    });
  });

  it('reports a stream that ends before message_stop as truncated (retryable)', async () => {
    const full = readFixture('anthropic/recorded-vercel-ai/derived-sse/anthropic-text.sse');
    const parts = await decode(full.slice(0, full.indexOf('event: message_delta')));
    const result = reassemble(parts);
    expect(result.blocks).toEqual(expectedFromFixture(full).blocks);
    expect(result.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED', retryable: true });
  });

  it('turns a body read failure into an error part via the network error mapping', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(readFixture('anthropic/recorded-vercel-ai/derived-sse/anthropic-text.sse').slice(0, 600));
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    const parts: ChatStreamPart[] = [];
    for await (const part of decodeAnthropicStream(failing(), { provider: 'anthropic', upstreamModel: 'm' })) parts.push(part);
    expect(parts[0].type).toBe('start');
    expect(parts[parts.length - 1]).toMatchObject({ type: 'error', error: { code: 'SWY_ERR_UPSTREAM_UNREACHABLE', retryable: true } });
  });

  it('reports a non-JSON data line as a bad upstream response', async () => {
    const parts = await decode('event: message_start\ndata: {not json\n\n');
    expect(parts).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'SWY_ERR_UPSTREAM_BAD_RESPONSE' }) }]);
  });
});

describe('decodeAnthropicStream: block types', () => {
  const sse = (events: Array<Record<string, unknown>>) =>
    events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`).join('');
  const start = { type: 'message_start', message: { id: 'msg_x', model: 'claude-x', usage: { input_tokens: 5, output_tokens: 1 } } };
  const end = [
    { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: 'STOP' }, usage: { output_tokens: 9 } },
    { type: 'message_stop' },
  ];

  it('emits redacted thinking, tool input given whole at block start, and the matched stop sequence', async () => {
    const parts = await decode(
      sse([
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'ENCRYPTED==' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_w', name: 'whole', input: { a: 1 } } },
        { type: 'content_block_stop', index: 1 },
        { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 2, delta: { type: 'citations_delta', citation: { type: 'char_location' } } },
        { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'done' } },
        { type: 'content_block_stop', index: 2 },
        ...end,
      ]),
    );
    const result = reassemble(parts);
    expect(result.blocks).toEqual([
      { type: 'redacted', data: 'ENCRYPTED==' },
      { type: 'tool', id: 'toolu_w', name: 'whole', args: '{"a":1}' },
      { type: 'text', text: 'done' },
    ]);
    expect(result.finish).toEqual({
      finishReason: 'stop-sequence',
      rawFinishReason: 'stop_sequence',
      stopSequence: 'STOP',
      usage: { inputTokens: 5, outputTokens: 9 },
    });
    expect(parts.filter((p) => p.type === 'usage').map((p) => (p as { usage: Usage }).usage.outputTokens)).toEqual([1, 9]);
  });
});
