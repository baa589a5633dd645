import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonKeySet, scanStreamChunk, type StreamChunkScan } from '../../src/providers/shared/stream-chunk-scan.js';
import { fixturePath } from '../helpers/fixtures.js';

/**
 * The passthrough taps' one-pass scan of a stream chunk: the bytes of the content keys' string values
 * (what a cut stream is billed from), a string `finish_reason` and an object `usage`. Checked on hand
 * cases (escapes, nesting, blanks, text that looks like a key, malformed JSON) and against regular
 * expressions over every event of the recorded OpenAI and Anthropic streams.
 */

const OPENAI_KEYS = ['content', 'arguments', 'reasoning_content', 'reasoning', 'refusal'];
const ANTHROPIC_KEYS = ['text', 'partial_json', 'thinking'];

function scan(text: string, keys = OPENAI_KEYS): StreamChunkScan {
  const bytes = Buffer.from(text);
  return { ...scanStreamChunk(bytes, 0, bytes.length, new JsonKeySet(keys), { contentBytes: 0, finishReason: false, usage: false }) };
}

describe('scanStreamChunk', () => {
  it('adds up the content values at any depth, counting escapes as sent and multi-byte text in bytes', () => {
    expect(scan('{"choices":[{"delta":{"content":"Hé\\"llo"},"finish_reason":null}]}')).toEqual({ contentBytes: 8, finishReason: false, usage: false });
    expect(scan('{"a":{"b":{"tool_calls":[{"function":{"name":"f","arguments":"{\\"x\\":1}"}}]}}}').contentBytes).toBe(9);
    expect(scan('{"content":"ab","refusal":"cd","other":"xyz"}').contentBytes).toBe(4);
  });

  it('never takes text inside a value for a key', () => {
    expect(scan('{"other":"\\"content\\":\\"trap\\"","x":1}').contentBytes).toBe(0);
    expect(scan('{"other":"finish_reason: \\"stop\\"","u":"usage: {"}')).toEqual({ contentBytes: 0, finishReason: false, usage: false });
    expect(scan('{"content":"a\\\\","content":"b"}').contentBytes).toBe(4); // an escaped backslash, then the closing quote
  });

  it('allows blanks around the colon, and reads finish_reason and usage by the type of their value', () => {
    expect(scan('{ "content" : "abc" , "finish_reason" :\n"stop" }')).toEqual({ contentBytes: 3, finishReason: true, usage: false });
    expect(scan('{"finish_reason":null,"usage":null}')).toEqual({ contentBytes: 0, finishReason: false, usage: false });
    expect(scan('{"choices":[],"usage": {"prompt_tokens":1}}').usage).toBe(true);
  });

  it('stops at malformed JSON without reading past the range', () => {
    expect(scan('{"content":"unterminated').contentBytes).toBe(0);
    expect(scan('{"content"').contentBytes).toBe(0);
    expect(scan('"""::"').contentBytes).toBe(0);
    const bytes = Buffer.from('xx{"content":"abc"}yy{"content":"zzzz"}');
    const keys = new JsonKeySet(OPENAI_KEYS);
    expect(scanStreamChunk(bytes, 2, 19, keys, { contentBytes: 0, finishReason: false, usage: false }).contentBytes).toBe(3);
    expect(scanStreamChunk(bytes, 2, 16, keys, { contentBytes: 0, finishReason: false, usage: false }).contentBytes).toBe(0);
  });

  /** Every event of every recorded stream of a family, as raw text. */
  function recordedEvents(dirs: string[]): string[] {
    const events: string[] = [];
    for (const dir of dirs) {
      const path = fixturePath(dir);
      for (const name of readdirSync(path).filter((file) => file.endsWith('.sse'))) {
        for (const event of readFileSync(join(path, name), 'utf8').split(/\r?\n\r?\n/)) if (event.trim() !== '') events.push(event);
      }
    }
    return events;
  }

  function byRegex(event: string, keys: string[]): StreamChunkScan {
    let contentBytes = 0;
    for (const key of keys) for (const match of event.matchAll(new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`, 'g'))) contentBytes += Buffer.byteLength(match[1]);
    return { contentBytes, finishReason: /"finish_reason"\s*:\s*"/.test(event), usage: /"usage"\s*:\s*\{/.test(event) };
  }

  it('agrees with regular expressions on every event of the recorded OpenAI and Anthropic streams', () => {
    const openai = recordedEvents(['openai/recorded-sse-openai-python', 'openai/recorded-vercel-ai/derived-sse']);
    const anthropic = recordedEvents(['anthropic/recorded-vercel-ai/derived-sse', 'anthropic/sdk-ts-fixtures']);
    expect(openai.length).toBeGreaterThan(200);
    expect(anthropic.length).toBeGreaterThan(100);
    let withContent = 0;
    for (const event of openai) {
      expect(scan(event), event).toEqual(byRegex(event, OPENAI_KEYS));
      if (scan(event).contentBytes > 0) withContent++;
    }
    for (const event of anthropic) expect(scan(event, ANTHROPIC_KEYS).contentBytes, event).toBe(byRegex(event, ANTHROPIC_KEYS).contentBytes);
    expect(withContent).toBeGreaterThan(100);
  });
});
