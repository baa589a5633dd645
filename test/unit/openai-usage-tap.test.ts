import { describe, expect, it } from 'vitest';
import { tapOpenAIStream } from '../../src/providers/openai/openai-usage-tap.js';
import { readFixtureBytes } from '../helpers/fixtures.js';

const FIXTURE = 'openai/recorded-vercel-ai/derived-sse/openai-text.sse';

async function run(chunks: Buffer[], stripUsage: boolean) {
  async function* source() {
    for (const chunk of chunks) yield chunk;
  }
  const tap = tapOpenAIStream(source(), { stripUsage, provider: 'p', signal: new AbortController().signal });
  const out: Buffer[] = [];
  for await (const piece of tap.body) out.push(Buffer.from(piece));
  return { text: Buffer.concat(out).toString('utf8'), usage: await tap.usage };
}

function events(text: string): string[] {
  return text.split(/\r?\n\r?\n/).filter((e) => e.trim() !== '');
}

const original = readFixtureBytes(FIXTURE);
const originalEvents = events(original.toString('utf8'));
const usageEvent = originalEvents.find((e) => /"usage":\{/.test(e) && /"choices":\[\]/.test(e))!;
const expectedUsage = JSON.parse(usageEvent.slice('data: '.length)).usage as { prompt_tokens: number; completion_tokens: number };

describe('OpenAI passthrough usage tap', () => {
  it('the fixture has a usage chunk and usage:null on other chunks (what the tap must tell apart)', () => {
    expect(usageEvent).toBeDefined();
    expect(originalEvents.filter((e) => e.includes('"usage":null')).length).toBeGreaterThan(3);
  });

  it('client asked for usage: bytes unchanged at every split point, usage read', async () => {
    for (let cut = 1; cut < original.length; cut += 7) {
      const { text, usage } = await run([original.subarray(0, cut), original.subarray(cut)], false);
      expect(text).toBe(original.toString('utf8'));
      expect(usage).toMatchObject({ inputTokens: expectedUsage.prompt_tokens, outputTokens: expectedUsage.completion_tokens });
    }
  });

  it('client did not ask: only the usage chunk is removed, at every split point, usage still read', async () => {
    const expected = originalEvents.filter((e) => e !== usageEvent);
    for (let cut = 1; cut < original.length; cut += 7) {
      const { text, usage } = await run([original.subarray(0, cut), original.subarray(cut)], true);
      expect(events(text)).toEqual(expected);
      expect(usage?.outputTokens).toBe(expectedUsage.completion_tokens);
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
