import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertOpenAIUsage } from '../../src/providers/openai/convert-openai-usage.js';
import { usageFromBytes, usageObjectAt } from '../../src/providers/openai/openai-usage-bytes.js';
import { usageOfBody } from '../../src/providers/openai/openai-passthrough.js';
import { fixturePath, readFixtureBytes } from '../helpers/fixtures.js';

/** What the reader must agree with whenever it answers: the parse it replaces. */
function parsed(text: string) {
  try {
    return convertOpenAIUsage(JSON.parse(text));
  } catch {
    return 'invalid JSON';
  }
}

function read(text: string) {
  const bytes = Buffer.from(text, 'utf8');
  return usageFromBytes(bytes, 0, bytes.length);
}

describe('usage read from the bytes of a non-stream answer', () => {
  it('reads usage objects as OpenAI and compatible servers send them, as JSON.parse would', () => {
    const cases = [
      '{"prompt_tokens":12,"completion_tokens":20,"total_tokens":32}',
      '{"prompt_tokens":12,"completion_tokens":20,"total_tokens":32,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":7,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}',
      '{\n    "prompt_tokens": 14,\n    "completion_tokens": 36,\n    "total_tokens": 50,\n    "completion_tokens_details": {\n      "reasoning_tokens": 0\n    }\n  }',
      '{"prompt_tokens":5,"completion_tokens":null,"prompt_tokens_details":null,"completion_tokens_details":null}',
      '{"prompt_tokens_details":{"cache_write_tokens":9},"prompt_tokens":100,"completion_tokens":0}',
      '{}',
      '{ }',
      '{"prompt_tokens":1,"prompt_tokens":2}', // the last duplicate wins
      '{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens_details":{"audio_tokens":1}}', // a later object replaces the whole earlier one
      '{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens_details":7}',
      '{"completion_tokens_details":{"reasoning_tokens":3},"completion_tokens_details":null}',
      '{"queue_time_details":{"a":1,"b":null},"prompt_tokens":0,"completion_tokens":999999999999999}',
    ];
    for (const text of cases) {
      const got = read(text);
      expect(got, text).toBeDefined();
      expect(got, text).toEqual(parsed(text));
    }
  });

  it('gives up (the caller parses) on anything but integers, null and objects of them — valid JSON or not', () => {
    const cases = [
      '{"prompt_tokens":1.5}',
      '{"prompt_tokens":1e3}',
      '{"prompt_tokens":-1}',
      '{"prompt_tokens":"12"}',
      '{"prompt_tokens":[1]}',
      '{"prompt_tokens":true}',
      '{"prompt_tokens":1234567890123456}',
      '{"prompt_\\u0074okens":1}',
      '{"a":{"b":{"c":1}}}',
      '{"prompt_tokens":01}',
      '{"prompt_tokens":1,}',
      '{"prompt_tokens":1 "completion_tokens":2}',
      '{"prompt_tokens":1}x',
      '{"prompt_tokens":1',
      '{"prompt_tokens"',
      '{"prompt_tokens":nul}',
      '{prompt_tokens:1}',
      '',
    ];
    for (const text of cases) expect(read(text), text).toBeUndefined();
  });

  it('whatever it is given, it answers as JSON.parse does or gives up (random usage-like texts)', () => {
    const atoms = ['{', '}', ',', ':', ' ', '\n', '"prompt_tokens"', '"completion_tokens"', '"prompt_tokens_details"', '"cached_tokens"', '"completion_tokens_details"', '"reasoning_tokens"', '"x"', '0', '7', '12', 'null', '1.5', '-3'];
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let answered = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = '{';
      const length = 1 + Math.floor(random() * 14);
      for (let k = 0; k < length; k++) text += atoms[Math.floor(random() * atoms.length)];
      if (random() < 0.8) text += '}';
      const got = read(text);
      if (got === undefined) continue;
      answered++;
      expect(got, text).toEqual(parsed(text));
    }
    expect(answered).toBeGreaterThan(100); // the generator does produce valid usage objects
  });

  it("every recorded OpenAI answer's usage comes out as parsing the whole body gives it", () => {
    const dirs = ['openai/recorded-json-openai-python', 'openai/recorded-vercel-ai'];
    let checked = 0;
    for (const dir of dirs) {
      for (const file of readdirSync(fixturePath(dir)).filter((name) => name.endsWith('.json'))) {
        const bytes = readFixtureBytes(join(dir, file));
        let whole: { usage?: unknown };
        try {
          whole = JSON.parse(bytes.toString('utf8'));
        } catch {
          continue;
        }
        if (!whole || typeof whole !== 'object' || !whole.usage || typeof whole.usage !== 'object') continue;
        expect(usageOfBody(bytes), file).toEqual(convertOpenAIUsage(whole.usage as never));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('finds the end of the usage object itself when reading from its start, and ignores what follows', () => {
    const usage = '{"prompt_tokens":12,"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":7}}';
    for (const after of ['', '}', ',"system_fingerprint":"fp_x"}', '\n}\n', ' {"not":"read"}']) {
      const bytes = Buffer.from(`{"id":"x","usage":${usage}${after}`);
      const start = bytes.indexOf('{', 5);
      expect(usageObjectAt(bytes, start)).toEqual(parsed(usage));
    }
    // Unfinished or not the plain shape: no answer (usageOfBody then parses).
    expect(usageObjectAt(Buffer.from('{"prompt_tokens":12,"completion_tokens":2'), 0)).toBeUndefined();
    expect(usageObjectAt(Buffer.from('{"prompt_tokens":"12"}'), 0)).toBeUndefined();
    // usageOfBody agrees with parsing the whole body either way.
    for (const body of [`{"usage":${usage}}`, '{"usage":{"prompt_tokens":1.5,"completion_tokens":2}}', '{"usage":{"prompt_tokens":3,"x":"}"},"id":"y"}']) {
      expect(usageOfBody(Buffer.from(body))).toEqual(convertOpenAIUsage(JSON.parse(body).usage));
    }
  });
});
