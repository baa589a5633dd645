import { describe, expect, it } from 'vitest';
import { decodeAnthropicStream } from '../../src/providers/anthropic/anthropic-stream.js';
import { convertBedrockStream } from '../../src/providers/bedrock/bedrock-stream.js';
import { decodeOpenAIStream } from '../../src/providers/openai/openai-stream.js';
import { UpstreamChunks } from '../../src/providers/shared/upstream-streamed.js';
import type { ChatStreamPart } from '../../src/spec/index.js';
import { GatewayError } from '../../src/spec/index.js';
import { readFixture, readFixtureBytes } from '../helpers/fixtures.js';
import { chunksToFrames, concatBytes, encodeBedrockExceptionFrame } from '../mock-upstreams/bedrock-mock.js';

/**
 * The translating decoders (OpenAI, Anthropic, Bedrock) on the body the gateway really gives them — an UpstreamChunks that pushes
 * each chunk into the decoder as undici delivers it — against the same bytes read through an async
 * iterable: the same parts, and the call abandoned exactly when nothing more may be read.
 */

const OPENAI = readFixtureBytes('openai/recorded-vercel-ai/derived-sse/openai-text.sse');
const ANTHROPIC = readFixtureBytes('anthropic/recorded-vercel-ai/derived-sse/anthropic-text.sse');

function cuts(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, size = 1; at < bytes.length; at += size, size = (size % 23) + 1) out.push(bytes.subarray(at, at + size));
  return out;
}

/** What a part says, without the ids the decoders make up when the upstream sends none. */
function view(part: ChatStreamPart): unknown {
  const { type } = part;
  if (type === 'text-delta' || type === 'reasoning-delta') return [type, part.delta];
  if (type === 'finish') return [type, part.finishReason, part.usage];
  if (type === 'error') return [type, part.error.code];
  return [type];
}

function owner() {
  return { abandoned: 0, resumeBody() {}, abandon() { this.abandoned++; } };
}

async function pushed(decode: (body: UpstreamChunks) => AsyncIterable<ChatStreamPart>, chunks: Buffer[], end = true) {
  const who = owner();
  const body = new UpstreamChunks(who);
  const iterator = decode(body)[Symbol.asyncIterator]();
  const parts: ChatStreamPart[] = [];
  const first = iterator.next(); // attaches
  for (const chunk of chunks) body.push(chunk);
  if (end) body.end();
  let next = await first;
  while (!next.done) {
    parts.push(next.value);
    next = await iterator.next();
  }
  return { parts: parts.map(view), abandoned: who.abandoned };
}

async function pulled(decode: (body: AsyncIterable<Uint8Array>) => AsyncIterable<ChatStreamPart>, chunks: Buffer[]) {
  async function* read() {
    for (const chunk of chunks) yield chunk;
  }
  const parts: ChatStreamPart[] = [];
  for await (const part of decode(read())) parts.push(part);
  return parts.map(view);
}

const openai = (body: AsyncIterable<Uint8Array>) => decodeOpenAIStream(body, { provider: 'p', upstreamModel: 'm', signal: new AbortController().signal });
const anthropic = (body: AsyncIterable<Uint8Array>) => decodeAnthropicStream(body, { provider: 'p', upstreamModel: 'm' });

describe('translating decoders on a pushed body', () => {
  it('OpenAI: the same parts as reading the body; [DONE] ends the parts and abandons the call', async () => {
    const chunks = cuts(OPENAI);
    const expected = await pulled(openai, chunks);
    expect(expected.length).toBeGreaterThan(5);
    expect(expected.at(-1)).toEqual(['finish', 'stop', expect.objectContaining({ inputTokens: expect.any(Number) })]);
    const result = await pushed(openai, chunks, false); // no end: [DONE] alone finishes
    expect(result.parts).toEqual(expected);
    expect(result.abandoned).toBe(1);
  });

  it('Anthropic: the same parts; after message_stop the rest is read, not abandoned; an error event abandons', async () => {
    const chunks = cuts(ANTHROPIC);
    const expected = await pulled(anthropic, chunks);
    expect((expected.at(-1) as unknown[])[0]).toBe('finish');
    const whole = await pushed(anthropic, chunks);
    expect(whole.parts).toEqual(expected);
    expect(whole.abandoned).toBe(0);

    const failing = Buffer.from('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\nevent: ping\ndata: {}\n\n');
    const cut = await pushed(anthropic, [failing], false);
    expect(cut.parts).toEqual([['error', 'SWY_ERR_UPSTREAM_OVERLOADED']]);
    expect(cut.abandoned).toBe(1);
  });

  it('Bedrock: the same parts from the binary event stream; an exception frame ends them and abandons the call', async () => {
    const bytes = Buffer.from(concatBytes(chunksToFrames(readFixture('bedrock/recorded-vercel-ai/amazon-bedrock-tool-call.1.chunks.txt'))));
    const readError = () => new GatewayError({ code: 'READ', kind: 'upstream_error', message: 'read' });
    const bedrock = (body: AsyncIterable<Uint8Array>) => convertBedrockStream(body, { provider: 'p', modelId: 'm', responseId: 'r' }, readError);
    const chunks = cuts(bytes);
    const expected = await pulled(bedrock, chunks);
    expect(expected.some((part) => (part as unknown[])[0] === 'finish')).toBe(true);
    const whole = await pushed(bedrock, chunks);
    expect(whole.parts).toEqual(expected);
    expect(whole.abandoned).toBe(0);

    const throttled = Buffer.from(encodeBedrockExceptionFrame('throttlingException', { message: 'Too many requests' }));
    const cut = await pushed(bedrock, [throttled.subarray(0, 10), throttled.subarray(10)], false);
    expect(cut.parts).toHaveLength(1);
    expect((cut.parts[0] as unknown[])[0]).toBe('error');
    expect(cut.abandoned).toBe(1);
  });

  it('poll() hands out what is queued and then the end without a promise; close() abandons a call still running, as return() does', async () => {
    const who = owner();
    const body = new UpstreamChunks(who);
    const iterator = decodeOpenAIStream(body, { provider: 'p', upstreamModel: 'm', signal: new AbortController().signal })[Symbol.asyncIterator]() as AsyncIterator<ChatStreamPart> & { poll(): IteratorResult<ChatStreamPart> | undefined; close(): void };
    const first = iterator.next(); // attaches
    body.push(OPENAI);
    body.end();
    const polled: ChatStreamPart[] = [(await first).value as ChatStreamPart];
    for (let next = iterator.poll(); next && !next.done; next = iterator.poll()) polled.push(next.value);
    expect(iterator.poll()).toEqual({ value: undefined, done: true });
    expect(polled.map(view)).toEqual(await pulled(openai, [OPENAI]));
    expect(who.abandoned).toBe(1); // [DONE] ended the parts

    const running = owner();
    const open = new UpstreamChunks(running);
    const cut = decodeOpenAIStream(open, { provider: 'p', upstreamModel: 'm', signal: new AbortController().signal })[Symbol.asyncIterator]() as typeof iterator;
    const waiting = cut.next();
    expect(cut.poll()).toBeUndefined(); // nothing queued, not over: the reader must wait
    cut.close();
    expect(running.abandoned).toBe(1);
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(cut.poll()).toEqual({ value: undefined, done: true });
  });
});
