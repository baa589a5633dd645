import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeSseEvent, type SseEvent } from '../../src/providers/shared/sse-decoder.js';
import { decodeSse } from '../helpers/stream-iterables.js';
import { fixturePath, readFixtureBytes } from '../helpers/fixtures.js';

/**
 * The SSE decoder (SseDecoder, through the decodeSse helper) against recorded streams and a synthetic one, fed in every way a socket could cut them:
 * unsplit, in two chunks split at every byte offset, and one byte at a time. Expected events come
 * from a small independent reference decoder (below) written from the WHATWG rules, and for the
 * synthetic stream from a hand-written list.
 */

async function decode(chunks: ReadonlyArray<Uint8Array | string>): Promise<SseEvent[]> {
  async function* source(): AsyncGenerator<Uint8Array | string> {
    for (const chunk of chunks) yield chunk;
  }
  const events: SseEvent[] = [];
  for await (const event of decodeSse(source())) events.push(event);
  return events;
}

function singleBytes(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/**
 * Reference decoder: CRLF, CR and LF line ends; comments; `field: value` with one optional space;
 * data lines joined by LF; event type reset after each dispatch; an event without data is not
 * dispatched; an unterminated final event is flushed (decodeSse's documented contract).
 */
function referenceDecode(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  let data: string[] = [];
  let event: string | undefined;
  const dispatch = (): void => {
    if (data.length > 0) events.push(event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') });
    data = [];
    event = undefined;
  };
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line === '') {
      dispatch();
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value === '' ? undefined : value;
  }
  dispatch();
  return events;
}

const FIXTURE_DIRS = ['openai/recorded-sse-openai-python', 'anthropic/recorded-vercel-ai/derived-sse', 'anthropic/sdk-ts-fixtures'];
const FIXTURES = FIXTURE_DIRS.flatMap((dir) =>
  readdirSync(fixturePath(dir))
    .filter((file) => file.endsWith('.sse'))
    .sort()
    .map((file) => `${dir}/${file}`),
);

/** Longest stretch of whole events that is split at every offset in one piece (keeps the test quadratic only in this). */
const SEGMENT_BYTES = 1200;

/**
 * Cuts a stream into runs of whole events of at most SEGMENT_BYTES (longer single events stay whole).
 * The decoder holds no state across an event boundary (the blank line resets it and UTF-8 is complete
 * there), so splitting each run at every offset covers every offset of the whole stream.
 */
function segmentsOf(bytes: Uint8Array): Uint8Array[] {
  const boundaries: number[] = [];
  for (let i = 1; i < bytes.length; i += 1) if (bytes[i] === 0x0a && bytes[i - 1] === 0x0a) boundaries.push(i + 1);
  const segments: Uint8Array[] = [];
  let start = 0;
  let lastFit = -1;
  for (const boundary of [...boundaries, bytes.length]) {
    if (boundary - start > SEGMENT_BYTES && lastFit > start) {
      segments.push(bytes.subarray(start, lastFit));
      start = lastFit;
    }
    lastFit = boundary;
  }
  if (start < bytes.length) segments.push(bytes.subarray(start));
  return segments;
}

/** A single event longer than this (one 43 KB web-search result) is split at a subset of offsets, see below. */
const EXHAUSTIVE_LIMIT = 4000;

/**
 * Every offset of a run up to EXHAUSTIVE_LIMIT bytes. Longer runs are one event whose middle is a long
 * data line: there every offset of the first and last 1,000 bytes, ±4 bytes around every non-ASCII
 * byte (all cuts inside multi-byte characters), and every 127th offset elsewhere. Any other offset
 * inside one long line takes the same path through the decoder (a pending fragment joined later),
 * and testing all 43,000 of them would cost ~12 s of CPU for no extra coverage.
 */
function splitOffsets(bytes: Uint8Array): number[] {
  if (bytes.length <= EXHAUSTIVE_LIMIT) return Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
  const offsets = new Set<number>();
  for (let i = 1; i < bytes.length; i += 1) {
    if (i < 1000 || i > bytes.length - 1000 || i % 127 === 0) offsets.add(i);
    if (bytes[i] >= 0x80) for (let d = -4; d <= 4; d += 1) if (i + d > 0 && i + d < bytes.length) offsets.add(i + d);
  }
  return [...offsets].sort((a, b) => a - b);
}

async function expectEverySplitDecodesTheSame(bytes: Uint8Array, expected: SseEvent[]): Promise<void> {
  for (const offset of splitOffsets(bytes)) {
    const events = await decode([bytes.subarray(0, offset), bytes.subarray(offset)]);
    if (JSON.stringify(events) !== JSON.stringify(expected)) {
      // Report the first failing offset precisely rather than a huge diff of thousands of cases.
      expect({ offset, events }).toEqual({ offset, events: expected });
    }
  }
}

describe('decodeSse on recorded streams', () => {
  it('finds the fixtures', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(20);
  });

  for (const fixture of FIXTURES) {
    describe(fixture, () => {
      const bytes = new Uint8Array(readFixtureBytes(fixture));
      const text = new TextDecoder().decode(bytes);

      it('decodes the unsplit stream into the expected events', async () => {
        const events = await decode([bytes]);
        expect(events).toEqual(referenceDecode(text));
        expect(events.length).toBe(text.split('\n').filter((line) => line.startsWith('data:')).length);
        for (const event of events) {
          if (event.data === '[DONE]') continue;
          const parsed = JSON.parse(event.data) as { type?: string };
          // Anthropic names every event after its data.type; OpenAI sends no event names.
          if (fixture.startsWith('anthropic/')) expect(event.event).toBe(parsed.type);
          else expect(event.event).toBeUndefined();
        }
        if (fixture.startsWith('openai/')) expect(events[events.length - 1].data).toBe('[DONE]');
      });

      it('decodes the same events when split in two at every byte offset', async () => {
        const segments = segmentsOf(bytes);
        const perSegment: SseEvent[] = [];
        for (const segment of segments) {
          const expected = await decode([segment]);
          perSegment.push(...expected);
          await expectEverySplitDecodesTheSame(segment, expected);
        }
        expect(perSegment).toEqual(await decode([bytes]));
      });

      it('decodes the same events when fed one byte at a time', async () => {
        expect(await decode(singleBytes(bytes))).toEqual(await decode([bytes]));
      });
    });
  }
});

const SYNTHETIC =
  '\uFEFFevent: greeting\r\n' +
  'data: héllo wörld — café\r\n' +
  '\r\n' +
  ': keep-alive comment 💤\n' +
  'data: 日本語のテキスト\r' +
  'data: second line 🎉👩‍👩‍👧\r' +
  '\r' +
  'id: 7\n' +
  'data: {"emoji":"🚀","cjk":"漢字","accent":"naïve"}\n' +
  '\n' +
  ':comment without space\r\n' +
  'data:no-space\n' +
  'data:  two spaces\n' +
  'foo: an unknown field\n' +
  '\n' +
  'event: multi\r\n' +
  'data: line one\r\n' +
  'data:\r\n' +
  'data: line three\n' +
  '\r' +
  'retry: 1000\n' +
  'event: accents\n' +
  'data: ÅÉÎÕÜ ñ ç ø ß Ω\r\n' +
  '\r\n' +
  'event: empty-data\n' +
  'data\n' +
  '\n' +
  'event: no-data-is-not-dispatched\n' +
  '\n' +
  'data: last 💡\n' +
  '\n';

const SYNTHETIC_EVENTS: SseEvent[] = [
  { event: 'greeting', data: 'héllo wörld — café' },
  { data: '日本語のテキスト\nsecond line 🎉👩‍👩‍👧' },
  { data: '{"emoji":"🚀","cjk":"漢字","accent":"naïve"}' },
  { data: 'no-space\n two spaces' },
  { event: 'multi', data: 'line one\n\nline three' },
  { event: 'accents', data: 'ÅÉÎÕÜ ñ ç ø ß Ω' },
  { event: 'empty-data', data: '' },
  { data: 'last 💡' },
];

describe('decodeSse on a synthetic stream (multi-byte UTF-8, CRLF/CR/LF, comments, multi-line data)', () => {
  const bytes = new TextEncoder().encode(SYNTHETIC);

  it('the reference decoder agrees with the hand-written expectation', () => {
    expect(referenceDecode(SYNTHETIC)).toEqual(SYNTHETIC_EVENTS);
  });

  it('decodes the unsplit stream', async () => {
    expect(await decode([bytes])).toEqual(SYNTHETIC_EVENTS);
  });

  it('decodes the same events when split in two at every byte offset (inside characters and CRLF pairs too)', async () => {
    await expectEverySplitDecodesTheSame(bytes, SYNTHETIC_EVENTS);
  });

  it('decodes the same events when fed one byte at a time', async () => {
    expect(await decode(singleBytes(bytes))).toEqual(SYNTHETIC_EVENTS);
  });

  it('decodes the same events from string chunks split at every UTF-16 offset', async () => {
    const withoutBom = SYNTHETIC.slice(1);
    for (let offset = 1; offset < withoutBom.length; offset += 1) {
      const events = await decode([withoutBom.slice(0, offset), withoutBom.slice(offset)]);
      if (JSON.stringify(events) !== JSON.stringify(SYNTHETIC_EVENTS)) expect({ offset, events }).toEqual({ offset, events: SYNTHETIC_EVENTS });
    }
  });

  it('yields each event as soon as its blank line arrives, before the stream ends', async () => {
    const first = new TextEncoder().encode('data: one\n\n');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* source(): AsyncGenerator<Uint8Array> {
      yield first;
      await gate;
      yield new TextEncoder().encode('data: two\n\n');
    }
    const iterator = decodeSse(source());
    expect((await iterator.next()).value).toEqual({ data: 'one' });
    release();
    expect((await iterator.next()).value).toEqual({ data: 'two' });
    expect((await iterator.next()).done).toBe(true);
  });
});

describe('decodeSse end of stream', () => {
  // decodeSse documents: "an unterminated final event is flushed when the stream ends".
  for (const ending of ['\n', '\r\n', '\r', '']) {
    it(`flushes a final event that is not followed by a blank line (ends with ${JSON.stringify(ending)})`, async () => {
      const bytes = new TextEncoder().encode(`data: first\n\nevent: error\ndata: {"type":"error"}${ending}`);
      const expected = [{ data: 'first' }, { event: 'error', data: '{"type":"error"}' }];
      expect(await decode([bytes])).toEqual(expected);
      expect(await decode(singleBytes(bytes))).toEqual(expected);
    });
  }

  it('drops an incomplete multi-byte character at the very end without losing the events before it', async () => {
    const bytes = new TextEncoder().encode('data: ok\n\ndata: 🚀');
    const events = await decode([bytes.subarray(0, bytes.length - 2)]);
    expect(events[0]).toEqual({ data: 'ok' });
  });

  it('round-trips encodeSseEvent output', async () => {
    const wire = encodeSseEvent('{"a":"ü"}') + encodeSseEvent('{"type":"ping"}', 'ping') + encodeSseEvent('[DONE]');
    expect(await decode([new TextEncoder().encode(wire)])).toEqual([{ data: '{"a":"ü"}' }, { event: 'ping', data: '{"type":"ping"}' }, { data: '[DONE]' }]);
  });
});
