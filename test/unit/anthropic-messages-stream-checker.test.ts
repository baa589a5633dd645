import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertAnthropicEventOrder, parseAnthropicSse } from '../helpers/anthropic-stream-checker.js';
import { fixturePath, readFixture } from '../helpers/fixtures.js';

const DERIVED = 'anthropic/recorded-vercel-ai/derived-sse';
const SDK = 'anthropic/sdk-ts-fixtures';

/** Deliberately malformed recordings, each with the rule it breaks. */
const MALFORMED: Readonly<Record<string, RegExp>> = {
  [`${DERIVED}/duplicate-message-start.sse`]: /message_start must come first and only once/,
  [`${DERIVED}/spliced-message-start.sse`]: /message_start must come first and only once/,
  // Cut off mid tool call: message_delta arrives while block 1 (tool_use, partial JSON) is open.
  [`${SDK}/tests__lib__fixtures__incomplete_partial_json_response.txt`]: /block 1 is still open at message_delta/,
};

const allFixtures = [
  ...readdirSync(fixturePath(DERIVED)).map((name) => `${DERIVED}/${name}`),
  ...readdirSync(fixturePath(SDK)).map((name) => `${SDK}/${name}`),
];
const wellFormed = allFixtures.filter((name) => !(name in MALFORMED));

describe('anthropic stream checker on recorded fixtures', () => {
  it('finds the fixtures', () => {
    expect(wellFormed.length).toBeGreaterThanOrEqual(12);
    for (const name of Object.keys(MALFORMED)) expect(allFixtures).toContain(name);
  });

  it.each(wellFormed)('accepts well-formed %s', (name) => {
    const events = parseAnthropicSse(readFixture(name));
    expect(events.length).toBeGreaterThan(0);
    expect(() => assertAnthropicEventOrder(events)).not.toThrow();
  });

  it.each(Object.entries(MALFORMED))('rejects malformed %s', (name, reason) => {
    expect(() => assertAnthropicEventOrder(parseAnthropicSse(readFixture(name)))).toThrow(reason);
  });
});

describe('anthropic stream checker grammar', () => {
  const start =
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":0}}}\n\n';
  const textBlock =
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n' +
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n';
  const end =
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":1}}\n\n' +
    'event: message_stop\ndata: {"type":"message_stop"}\n\n';
  const check = (text: string) => () => assertAnthropicEventOrder(parseAnthropicSse(text));

  it('accepts a minimal stream', () => {
    expect(check(start + textBlock + end)).not.toThrow();
  });

  it('rejects a [DONE] sentinel', () => {
    expect(check(start + textBlock + end + 'data: [DONE]\n\n')).toThrow(/\[DONE\]/);
  });

  it('rejects an event name that differs from data.type', () => {
    expect(check(start.replace('event: message_start', 'event: message') + textBlock + end)).toThrow(/event name/);
  });

  it('rejects a delta type that does not match the block type', () => {
    expect(check(start + textBlock.replace('"text_delta","text"', '"thinking_delta","thinking"') + end)).toThrow(
      /thinking_delta is not allowed in a text block/,
    );
  });

  it('rejects a gap in block indices', () => {
    expect(check(start + textBlock.replaceAll('"index":0', '"index":1') + end)).toThrow(/expected block index 0/);
  });

  it('rejects a missing message_stop and anything after an error', () => {
    expect(check(start + textBlock)).toThrow(/ended without message_stop/);
    const error = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    expect(check(start + error)).not.toThrow();
    expect(check(start + error + end)).toThrow(/nothing may follow an error/);
  });

  it('rejects tool input that is not valid JSON at block stop', () => {
    const tool =
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}}\n\n' +
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n';
    expect(check(start + tool + end)).toThrow(/not valid JSON/);
  });
});
