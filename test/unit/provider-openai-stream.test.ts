import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeOpenAIStream } from '../../src/providers/openai/openai-stream.js';
import type { ChatStreamPart } from '../../src/spec/index.js';
import { fixturePath, readFixtureBytes } from '../helpers/fixtures.js';

const streamContext = { provider: 'openai', upstreamModel: 'gpt-4o', upstreamRequestId: 'req_abc', signal: new AbortController().signal };

/** Splits bytes into pieces of varying size (1, 2, 3 … 17 bytes): many cuts land inside multi-byte characters. */
async function* pieces(bytes: Buffer): AsyncGenerator<Uint8Array> {
  let size = 1;
  for (let at = 0; at < bytes.length; at += size, size = (size % 17) + 1) yield bytes.subarray(at, at + size);
}

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of decodeOpenAIStream(body, streamContext)) parts.push(part);
  return parts;
}

interface Reassembled {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  usage: unknown;
  finishReason: string | undefined;
}

/** Reassembles a canonical stream and checks the stream contract on the way. */
function reassemble(parts: ChatStreamPart[]): Reassembled {
  const out: Reassembled = { text: '', toolCalls: [], usage: undefined, finishReason: undefined };
  expect(parts[0].type).toBe('start');
  expect(parts.filter((p) => p.type === 'start')).toHaveLength(1);
  expect(parts.at(-1)?.type).toBe('finish');
  let open: number | undefined;
  let expectedIndex = 0;
  for (const part of parts.slice(1, -1)) {
    if (part.type === 'text-start' || part.type === 'tool-call-start' || part.type === 'reasoning-start') {
      expect(open).toBeUndefined();
      expect(part.index).toBe(expectedIndex++);
      open = part.index;
      if (part.type === 'tool-call-start') out.toolCalls.push({ id: part.id, name: part.name, arguments: '' });
    } else if (part.type === 'text-delta') {
      expect(part.index).toBe(open);
      out.text += part.delta;
    } else if (part.type === 'tool-call-delta') {
      expect(part.index).toBe(open);
      out.toolCalls[out.toolCalls.length - 1].arguments += part.argumentsDelta;
    } else if (part.type === 'text-end' || part.type === 'tool-call-end' || part.type === 'reasoning-end') {
      expect(part.index).toBe(open);
      open = undefined;
    } else if (part.type === 'usage') {
      out.usage = part.usage;
    } else {
      expect.unreachable(`unexpected ${part.type}`);
    }
  }
  expect(open).toBeUndefined();
  const finish = parts.at(-1);
  if (finish?.type === 'finish') {
    out.finishReason = finish.rawFinishReason;
    expect(finish.usage).toEqual(out.usage ?? { inputTokens: 0, outputTokens: 0 });
  }
  return out;
}

/** The expectation, computed straight from the recording with a plain line-and-JSON pass. */
function expectedFrom(sse: string): Reassembled {
  const out: Reassembled = { text: '', toolCalls: [], usage: undefined, finishReason: undefined };
  const byIndex = new Map<number, { id: string; name: string; arguments: string }>();
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6));
    if (chunk.usage) {
      const u = chunk.usage;
      out.usage = {
        inputTokens: u.prompt_tokens,
        outputTokens: u.completion_tokens,
        ...(u.prompt_tokens_details ? { cacheReadTokens: u.prompt_tokens_details.cached_tokens } : {}),
        ...(u.completion_tokens_details ? { reasoningTokens: u.completion_tokens_details.reasoning_tokens } : {}),
      };
    }
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== 0) continue;
      out.text += (choice.delta?.content ?? '') + (choice.delta?.refusal ?? '');
      for (const call of choice.delta?.tool_calls ?? []) {
        if (!byIndex.has(call.index)) byIndex.set(call.index, { id: call.id, name: call.function.name, arguments: '' });
        byIndex.get(call.index)!.arguments += call.function?.arguments ?? '';
      }
      if (choice.finish_reason) out.finishReason = choice.finish_reason;
    }
  }
  out.toolCalls = [...byIndex.values()];
  return out;
}

function chatCompletionStreams(dir: string): string[] {
  return readdirSync(fixturePath(dir))
    .filter((name) => name.endsWith('.sse'))
    .map((name) => `${dir}/${name}`)
    .filter((path) => {
      const text = readFixtureBytes(path).toString('utf8');
      // recorded-pydantic-ai also holds a Responses API stream (named events): not Chat Completions.
      return !/^event:/m.test(text) && text.includes('chat.completion.chunk');
    });
}

const fixtures = [
  ...chatCompletionStreams('openai/recorded-sse-openai-python'),
  ...chatCompletionStreams('openai/recorded-vercel-ai/derived-sse'),
  ...chatCompletionStreams('openai/recorded-pydantic-ai'),
];

describe('decodeOpenAIStream replaying every recorded Chat Completions stream', () => {
  it('finds all recordings (12 openai-python, 2 vercel incl. Azure, 2 pydantic-ai)', () => {
    expect(fixtures).toHaveLength(16);
    expect(fixtures.some((path) => path.includes('azure'))).toBe(true);
  });

  it.each(fixtures)('%s', async (path) => {
    const bytes = readFixtureBytes(path);
    const parts = await collect(pieces(bytes));
    const got = reassemble(parts);
    const expected = expectedFrom(bytes.toString('utf8'));
    expect(got.text).toBe(expected.text);
    expect(got.toolCalls).toEqual(expected.toolCalls);
    expect(got.usage).toEqual(expected.usage);
    expect(got.finishReason).toBe(expected.finishReason);
    expect(expected.usage).toBeDefined();
    const start = parts[0];
    expect(start.type === 'start' && start.id).toMatch(/^chatcmpl-/);
    expect(start.type === 'start' && start.upstreamRequestId).toBe('req_abc');
  });

  it('reports parallel tool calls as two consecutive blocks', async () => {
    const parts = await collect(pieces(readFixtureBytes('openai/recorded-sse-openai-python/parse_multiple_pydantic_tools.f82268f2fefd.sse')));
    const starts = parts.filter((p) => p.type === 'tool-call-start');
    expect(starts.map((p) => p.type === 'tool-call-start' && [p.index, p.name])).toEqual([
      [0, 'GetWeatherArgs'],
      [1, 'get_stock_price'],
    ]);
    const finish = parts.at(-1);
    expect(finish?.type === 'finish' && finish.finishReason).toBe('tool-calls');
  });

  it('skips Azure’s prompt-filter chunk: start carries the real id and model', async () => {
    const parts = await collect(pieces(readFixtureBytes('openai/recorded-vercel-ai/derived-sse/azure-model-router.1.sse')));
    expect(parts[0]).toEqual({ type: 'start', id: 'chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt', model: 'gpt-5-nano-2025-08-07', upstreamRequestId: 'req_abc' });
    const finish = parts.at(-1);
    expect(finish?.type === 'finish' && finish.usage).toEqual({ inputTokens: 15, outputTokens: 78, cacheReadTokens: 0, reasoningTokens: 64 });
  });

  it('emits finish only after the usage chunk that follows finish_reason', async () => {
    const parts = await collect(pieces(readFixtureBytes('openai/recorded-vercel-ai/derived-sse/openai-text.sse')));
    const types = parts.map((p) => p.type);
    expect(types.slice(-3)).toEqual(['text-end', 'usage', 'finish']);
  });
});

const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-x', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;

describe('decodeOpenAIStream edge cases', () => {
  it('turns a mid-stream error object into a typed error part and stops', async () => {
    const parts = await collect(
      once(
        chunk({ role: 'assistant', content: '' }) +
          chunk({ content: 'Hel' }) +
          'data: {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}\n\n' +
          chunk({ content: 'ignored' }),
      ),
    );
    expect(parts.map((p) => p.type)).toEqual(['start', 'text-start', 'text-delta', 'error']);
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error).toMatchObject({ kind: 'upstream_error', retryable: true, upstreamRequestId: 'req_abc', message: 'openai: The server had an error' });
  });

  it.each([
    ['EOF', chunk({ content: 'cut' })],
    ['[DONE]', chunk({ content: 'cut' }) + 'data: [DONE]\n\n'],
    ['an empty body', ''],
  ])('reports a stream that ends without finish_reason (%s) as truncated', async (_, body) => {
    const parts = await collect(once(body));
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED', kind: 'upstream_error', retryable: true });
    expect(parts.filter((p) => p.type === 'finish')).toEqual([]);
  });

  it.each([
    ['choices that is an object', 'data: {"id":"chatcmpl-x","choices":{}}\n\n'],
    ['choices that is a string', 'data: {"id":"chatcmpl-x","choices":"x"}\n\n'],
    ['a null choice', 'data: {"id":"chatcmpl-x","choices":[null]}\n\n'],
    ['tool_calls [null]', chunk({ tool_calls: [null] })],
    ['tool_calls that is a number', chunk({ tool_calls: 5 })],
  ])('reads a chunk with %s as carrying nothing (not as a failed body read)', async (_, odd) => {
    const parts = await collect(once(chunk({ content: 'hi' }) + odd + chunk({}, 'stop') + 'data: [DONE]\n\n'));
    expect(parts.map((p) => p.type)).toEqual(['start', 'text-start', 'text-delta', 'text-end', 'finish']);
  });

  it('reads a tool name of the wrong type as empty', async () => {
    const parts = await collect(once(chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 5, arguments: '{}' } }] }) + chunk({}, 'tool_calls')));
    expect(parts.find((p) => p.type === 'tool-call-start')).toEqual({ type: 'tool-call-start', index: 0, id: 'call_1', name: '' });
  });

  it('finishes at EOF without [DONE] when finish_reason arrived', async () => {
    const parts = await collect(once(chunk({ content: 'ok' }) + chunk({}, 'stop')));
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } });
  });

  it('streams reasoning_content as a reasoning block before the text', async () => {
    const parts = await collect(once(chunk({ reasoning_content: 'think' }) + chunk({ content: 'answer' }) + chunk({}, 'stop') + 'data: [DONE]\n\n'));
    expect(parts.map((p) => p.type)).toEqual(['start', 'reasoning-start', 'reasoning-delta', 'reasoning-end', 'text-start', 'text-delta', 'text-end', 'finish']);
  });

  it('gives a tool call streamed without arguments "{}" and a generated id when the server sent none', async () => {
    const parts = await collect(once(chunk({ tool_calls: [{ index: 0, type: 'function', function: { name: 'now', arguments: '' } }] }) + chunk({}, 'tool_calls')));
    const start = parts.find((p) => p.type === 'tool-call-start');
    expect(start?.type === 'tool-call-start' && start.id).toMatch(/^call_/);
    expect(parts.filter((p) => p.type === 'tool-call-delta')).toEqual([{ type: 'tool-call-delta', index: 0, argumentsDelta: '{}' }]);
  });

  it('starts a new tool block when a server repeats index 0 with a new id', async () => {
    const parts = await collect(
      once(
        chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'one', arguments: '{}' } }] }) +
          chunk({ tool_calls: [{ index: 0, id: 'b', function: { name: 'two', arguments: '{}' } }] }) +
          chunk({}, 'tool_calls'),
      ),
    );
    expect(parts.filter((p) => p.type === 'tool-call-start').map((p) => p.type === 'tool-call-start' && [p.index, p.id])).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
  });

  it('rejects a chunk that is not JSON with a typed error', async () => {
    const parts = await collect(once(chunk({ content: 'a' }) + 'data: {not json\n\n'));
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error.code).toBe('SWY_ERR_UPSTREAM_BAD_RESPONSE');
  });

  it('maps a failing body read through the network error mapper', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(chunk({ content: 'a' }));
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    const parts = await collect(failing());
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_UNREACHABLE', retryable: true });
  });
});
