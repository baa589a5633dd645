import { describe, expect, it } from 'vitest';
import { tapOpenAIStream } from '../../src/providers/openai/openai-passthrough-stream.js';
import { createSeededRandom, hashText } from '../../src/providers/simulated/simulated-random.js';
import { readFixtureBytes } from '../helpers/fixtures.js';

const FIXTURE = 'openai/recorded-vercel-ai/derived-sse/openai-text.sse';

async function run(chunks: Buffer[], stripUsage: boolean) {
  async function* source() {
    for (const chunk of chunks) yield chunk;
  }
  const tap = tapOpenAIStream(source(), { stripUsage, provider: 'p', signal: new AbortController().signal });
  const out: Buffer[] = [];
  const kinds: string[] = [];
  for await (const event of tap.events) {
    kinds.push(event.kind);
    if (event.bytes) out.push(Buffer.from(event.bytes));
  }
  return { text: Buffer.concat(out).toString('utf8'), usage: tap.usage(), kinds, finished: tap.finished(), delivered: tap.deliveredChars() };
}

function events(text: string): string[] {
  return text.split(/\r?\n\r?\n/).filter((e) => e.trim() !== '');
}

/** `bytes` cut at the given (ascending, in-range) offsets. */
function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(from, cut));
    from = cut;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

const original = readFixtureBytes(FIXTURE);
const originalEvents = events(original.toString('utf8'));
const usageEvent = originalEvents.find((e) => /"usage":\{/.test(e) && /"choices":\[\]/.test(e))!;
const expectedUsage = JSON.parse(usageEvent.slice('data: '.length)).usage as { prompt_tokens: number; completion_tokens: number };

/**
 * A small stream cut from the recording, small enough to try every split point: the role chunk, a plain
 * text chunk, the chunks whose text is multi-byte UTF-8 ("—", "’"), the finish chunk, the usage chunk and
 * [DONE], in their recorded order.
 */
const usageIndex = originalEvents.indexOf(usageEvent);
const smallEvents = [
  ...originalEvents.slice(0, 2),
  ...originalEvents.filter((e) => /[^\x00-\x7f]/.test(e)),
  ...originalEvents.slice(usageIndex - 1),
];
const small = Buffer.from(smallEvents.map((e) => `${e}\n\n`).join(''));

/**
 * Split points of the large recording: seeded random offsets, plus every offset around the places a
 * split is most likely to break something: each byte of the blank lines around the usage chunk and of
 * its `"usage":{` marker, inside every multi-byte character, and at both ends.
 */
const random = createSeededRandom(hashText('openai-usage-tap split points'));
function largeCuts(): number[] {
  const cuts = new Set<number>([1, 2, original.length - 2, original.length - 1]);
  const text = original.toString('latin1'); // one char per byte, so string offsets are byte offsets
  const usageAt = text.lastIndexOf(usageEvent.slice(0, 200));
  if (usageAt < 0) throw new Error('usage chunk not found in the recording');
  const around = (offset: number, radius: number) => {
    for (let c = offset - radius; c <= offset + radius; c++) if (c > 0 && c < original.length) cuts.add(c);
  };
  around(usageAt - 1, 3); // the blank line before the usage chunk
  around(usageAt + Buffer.byteLength(usageEvent) + 1, 3); // the one after it
  around(text.indexOf('"usage":{', usageAt) + 4, 6); // the marker the tap searches for
  for (let i = 0; i < original.length; i++) if (original[i]! >= 0x80) around(i, 1); // multi-byte characters
  while (cuts.size < 200) cuts.add(random.integer(1, original.length - 1));
  return [...cuts].sort((a, b) => a - b);
}
const LARGE_CUTS = largeCuts();

/** Seeded chunkings of the large recording into many pieces of 1 byte to 4 KB (many split points per run). */
const CHUNKINGS = Array.from({ length: 8 }, () => {
  const cuts: number[] = [];
  const maxPiece = random.pick([16, 256, 4096]);
  for (let at = random.integer(1, maxPiece); at < original.length; at += random.integer(1, maxPiece)) cuts.push(at);
  return cuts;
});

describe('OpenAI passthrough usage tap', () => {
  it('the fixture has a usage chunk and usage:null on other chunks (what the tap must tell apart)', () => {
    expect(usageEvent).toBeDefined();
    expect(originalEvents.filter((e) => e.includes('"usage":null')).length).toBeGreaterThan(3);
    expect(smallEvents).toContain(usageEvent);
    expect(smallEvents.filter((e) => /[^\x00-\x7f]/.test(e)).length).toBeGreaterThan(0);
    expect(small.length).toBeLessThan(4096);
  });

  it('client asked for usage: bytes unchanged at every split point of a small recording, usage read', async () => {
    for (let cut = 1; cut < small.length; cut++) {
      const { text, usage } = await run(splitAt(small, [cut]), false);
      expect(text, `cut at ${cut}`).toBe(small.toString('utf8'));
      expect(usage, `cut at ${cut}`).toMatchObject({ inputTokens: expectedUsage.prompt_tokens, outputTokens: expectedUsage.completion_tokens });
    }
  });

  it('client did not ask: only the usage chunk is removed, at every split point of a small recording, usage still read', async () => {
    const expected = smallEvents.filter((e) => e !== usageEvent);
    for (let cut = 1; cut < small.length; cut++) {
      const { text, usage } = await run(splitAt(small, [cut]), true);
      expect(events(text), `cut at ${cut}`).toEqual(expected);
      expect(usage?.outputTokens, `cut at ${cut}`).toBe(expectedUsage.completion_tokens);
    }
  });

  it('client asked for usage: bytes unchanged at sampled split points and chunkings of the full recording', async () => {
    const whole = original.toString('utf8');
    for (const cuts of [...LARGE_CUTS.map((cut) => [cut]), ...CHUNKINGS]) {
      const label = `cuts at ${cuts.slice(0, 8).join(',')}${cuts.length > 8 ? `… (${cuts.length})` : ''}`;
      const { text, usage } = await run(splitAt(original, cuts), false);
      expect(text === whole, label).toBe(true);
      expect(usage, label).toMatchObject({ inputTokens: expectedUsage.prompt_tokens, outputTokens: expectedUsage.completion_tokens });
    }
  });

  it('client did not ask: only the usage chunk is removed at sampled split points and chunkings of the full recording', async () => {
    const expected = originalEvents.filter((e) => e !== usageEvent);
    for (const cuts of [...LARGE_CUTS.map((cut) => [cut]), ...CHUNKINGS]) {
      const label = `cuts at ${cuts.slice(0, 8).join(',')}${cuts.length > 8 ? `… (${cuts.length})` : ''}`;
      const { text, usage } = await run(splitAt(original, cuts), true);
      expect(events(text), label).toEqual(expected);
      expect(usage?.outputTokens, label).toBe(expectedUsage.completion_tokens);
    }
  });

  it('one byte at a time', async () => {
    const bytes = [...original].map((b) => Buffer.from([b]));
    const { text, usage } = await run(bytes, true);
    expect(events(text)).toEqual(originalEvents.filter((e) => e !== usageEvent));
    expect(usage?.inputTokens).toBe(expectedUsage.prompt_tokens);
  });

  it('CRLF-delimited streams go through the spec-complete parser with the same result', async () => {
    const crlf = Buffer.from(original.toString('utf8').replace(/\n/g, '\r\n'));
    const { text, usage } = await run([crlf.subarray(0, 100), crlf.subarray(100)], true);
    expect(events(text).map((e) => JSON.parse(e.slice(6) === '[DONE]' ? '"[DONE]"' : e.slice(6)))).toEqual(
      originalEvents.filter((e) => e !== usageEvent).map((e) => JSON.parse(e.slice(6) === '[DONE]' ? '"[DONE]"' : e.slice(6))),
    );
    expect(usage?.outputTokens).toBe(expectedUsage.completion_tokens);
  });

  it('a usage object on a chunk that also has choices is removed from that chunk only', async () => {
    const stream = Buffer.from(
      'data: {"id":"a","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n: keep-alive\n\ndata: [DONE]\n\n',
    );
    const { text, usage } = await run([stream], true);
    expect(text).toBe('data: {"id":"a","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n: keep-alive\n\ndata: [DONE]\n\n');
    expect(usage).toMatchObject({ inputTokens: 3, outputTokens: 1 });
  });
});

describe('OpenAI passthrough stream events', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

  it('tags the role chunk as other and the first text as content; finished on [DONE]; delivered characters counted', async () => {
    const stream = Buffer.from(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'Hello' }) + chunk({ content: ' world' }) + chunk({}, 'stop') + 'data: [DONE]\n\n');
    const result = await run([stream], false);
    expect(result.kinds).toEqual(['other', 'content', 'content', 'finish', 'finish']);
    expect(result.finished).toBe(true);
    expect(result.delivered).toBe('Hello world'.length);
  });

  it('a tool-call delta is content', async () => {
    const stream = Buffer.from(chunk({ tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '' } }] }) + chunk({}, 'tool_calls') + 'data: [DONE]\n\n');
    const result = await run([stream], false);
    expect(result.kinds[0]).toBe('content');
  });

  it('an in-stream {"error":…} becomes a typed error event and is not forwarded raw', async () => {
    const secret = 'sk-canary-0123456789abcdefghij';
    const stream = Buffer.from(chunk({ content: 'Hi' }) + `data: {"error":{"message":"boom with ${secret}","type":"server_error"}}\n\n`);
    const tap = tapOpenAIStream((async function* () { yield stream; })(), { stripUsage: false, provider: 'p', signal: new AbortController().signal });
    const seen = [];
    for await (const event of tap.events) seen.push(event);
    expect(seen.map((e) => e.kind)).toEqual(['content', 'error']);
    expect(seen[1].bytes).toBeUndefined();
    expect(seen[1].error?.code).toMatch(/^SWY_ERR_UPSTREAM/);
  });

  it('a stream that ends without finish_reason or [DONE] ends with a retryable truncation error', async () => {
    const tap = tapOpenAIStream((async function* () { yield Buffer.from(chunk({ content: 'Partial' })); })(), { stripUsage: false, provider: 'p', signal: new AbortController().signal });
    const kinds = [];
    let last;
    for await (const event of tap.events) {
      kinds.push(event.kind);
      last = event;
    }
    expect(kinds).toEqual(['content', 'error']);
    expect(last?.error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED', retryable: true });
    expect(tap.finished()).toBe(false);
  });

  it('a body that ends after its finish_reason without [DONE] still ends with [DONE] for the client', async () => {
    const result = await run([Buffer.from(chunk({ content: 'Hi' }) + chunk({}, 'stop'))], false);
    expect(result.kinds).toEqual(['content', 'finish', 'finish']);
    expect(events(result.text).at(-1)).toBe('data: [DONE]');
    expect(result.finished).toBe(true);
  });

  it('nothing an upstream sends after [DONE] is forwarded, and [DONE] is not added twice', async () => {
    const result = await run([Buffer.from(chunk({ content: 'Hi' }) + chunk({}, 'stop') + 'data: [DONE]\n\n' + chunk({ content: 'late' }) + 'data: [DONE]\n\n')], false);
    expect(events(result.text)).toEqual([chunk({ content: 'Hi' }).trim(), chunk({}, 'stop').trim(), 'data: [DONE]']);
  });

  it('a connection reset after [DONE] ends the complete stream without an error', async () => {
    const body = chunk({ content: 'Hi' }) + chunk({}, 'stop') + 'data: [DONE]\n\n';
    const source = (async function* () {
      yield Buffer.from(body);
      throw Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    })();
    const tap = tapOpenAIStream(source, { stripUsage: false, provider: 'p', signal: new AbortController().signal });
    const kinds: string[] = [];
    for await (const event of tap.events) kinds.push(event.kind);
    expect(kinds).toEqual(['content', 'finish', 'finish']);
    expect(tap.finished()).toBe(true);
  });

  it('a chunk that is not JSON is a bad-response error', async () => {
    const tap = tapOpenAIStream((async function* () { yield Buffer.from('data: {not json\n\n'); })(), { stripUsage: false, provider: 'p', signal: new AbortController().signal });
    const seen = [];
    for await (const event of tap.events) seen.push(event);
    expect(seen).toHaveLength(1);
    expect(seen[0].error?.code).toBe('SWY_ERR_UPSTREAM_BAD_RESPONSE');
  });
});
