import { readdirSync } from 'node:fs';
import type { Message, MessageHeaderValue } from '@smithy/eventstream-codec';
import { describe, expect, it } from 'vitest';
import { decodeEventStreamFrame, EventStreamFramingError, readBedrockFrame } from '../../src/providers/bedrock/bedrock-event-stream.js';
import { decodeEventStream, splitEventStreamFrames } from '../helpers/stream-iterables.js';
import { chunksToFrames, concatBytes, encodeBedrockErrorFrame, encodeBedrockEventFrame } from '../mock-upstreams/bedrock-mock.js';
import { fixturePath, readFixture, readFixtureBytes, readFixtureJson } from '../helpers/fixtures.js';

const VECTORS = 'bedrock/eventstream-test-vectors';

interface DecodedVector {
  total_length: number;
  headers_length: number;
  prelude_crc: number;
  headers: Array<{ name: string; type: number; value: unknown }>;
  payload: string;
  message_crc: number;
}

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts, bytes.byteLength]) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** A JSON-comparable view of a decoded message. */
function view(message: Message): unknown {
  const headers: Record<string, unknown> = {};
  for (const [name, header] of Object.entries(message.headers)) headers[name] = headerView(header);
  return { headers, body: Buffer.from(message.body).toString('base64') };
}

function headerView(header: MessageHeaderValue): unknown {
  switch (header.type) {
    case 'binary':
      return { type: header.type, value: Buffer.from(header.value).toString('base64') };
    case 'long':
      return { type: header.type, value: header.value.valueOf() };
    case 'timestamp':
      return { type: header.type, value: header.value.getTime() };
    default:
      return { type: header.type, value: header.value };
  }
}

/** The codec's view of a header from the vector's JSON (type codes 0-9, strings and bytes in base64). */
function expectedHeader(header: { type: number; value: unknown }): unknown {
  const base64 = (v: unknown) => Buffer.from(String(v), 'base64');
  switch (header.type) {
    case 0:
    case 1:
      return { type: 'boolean', value: header.value };
    case 2:
      return { type: 'byte', value: header.value };
    case 3:
      return { type: 'short', value: header.value };
    case 4:
      return { type: 'integer', value: header.value };
    case 5:
      return { type: 'long', value: header.value };
    case 6:
      return { type: 'binary', value: header.value };
    case 7:
      return { type: 'string', value: base64(header.value).toString('utf8') };
    case 8:
      return { type: 'timestamp', value: header.value };
    case 9: {
      const hex = base64(header.value).toString('hex');
      return { type: 'uuid', value: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` };
    }
    default:
      throw new Error(`unknown header type ${header.type}`);
  }
}

describe('event stream codec vectors', () => {
  const positive = readdirSync(fixturePath(`${VECTORS}/encoded/positive`));
  const negative = readdirSync(fixturePath(`${VECTORS}/encoded/negative`));

  it('has the standard vector set', () => {
    expect(positive.sort()).toEqual(['all_headers', 'empty_message', 'int32_header', 'payload_no_headers', 'payload_one_str_header']);
    expect(negative.sort()).toEqual(['corrupted_header_len', 'corrupted_headers', 'corrupted_length', 'corrupted_payload']);
  });

  for (const name of positive) {
    it(`decodes positive/${name} to its decoded JSON, whole and byte by byte`, async () => {
      const bytes = readFixtureBytes(`${VECTORS}/encoded/positive/${name}`);
      const expected = readFixtureJson<DecodedVector>(`${VECTORS}/decoded/positive/${name}`);
      expect(bytes.byteLength).toBe(expected.total_length);
      expect(bytes.readUInt32BE(4)).toBe(expected.headers_length);
      expect(bytes.readInt32BE(8)).toBe(expected.prelude_crc);
      expect(bytes.readInt32BE(bytes.byteLength - 4)).toBe(expected.message_crc);

      const want = {
        headers: Object.fromEntries(expected.headers.map((h) => [h.name, expectedHeader(h)])),
        body: expected.payload,
      };
      expect(view(decodeEventStreamFrame(bytes))).toEqual(want);
      const oneByteChunks = Array.from({ length: bytes.byteLength - 1 }, (_, i) => i + 1);
      const streamed = await collect(decodeEventStream(chunked(bytes, oneByteChunks)));
      expect(streamed.map(view)).toEqual([want]);
    });
  }

  for (const name of negative) {
    it(`rejects negative/${name}, alone and in a stream`, async () => {
      const bytes = readFixtureBytes(`${VECTORS}/encoded/negative/${name}`);
      expect(readFixture(`${VECTORS}/decoded/negative/${name}`)).toMatch(/checksum mismatch/);
      expect(() => decodeEventStreamFrame(bytes)).toThrow();
      await expect(collect(decodeEventStream(chunked(bytes, [5])))).rejects.toThrow();
    });
  }
});

describe('frame splitter', () => {
  const recorded = concatBytes(chunksToFrames(readFixture('bedrock/recorded-vercel-ai/amazon-bedrock-text.chunks.txt')));

  it('yields identical messages when a recorded stream is split at every byte offset', async () => {
    const reference = (await collect(decodeEventStream(chunked(recorded, [])))).map(view);
    expect(reference).toHaveLength(16);
    for (let offset = 1; offset < recorded.byteLength; offset++) {
      const split = (await collect(decodeEventStream(chunked(recorded, [offset])))).map(view);
      expect(split, `split at ${offset}`).toEqual(reference);
    }
  });

  it('yields identical messages from one-byte chunks and from chunks holding several frames', async () => {
    const reference = (await collect(decodeEventStream(chunked(recorded, [])))).map(view);
    const ones = Array.from({ length: recorded.byteLength - 1 }, (_, i) => i + 1);
    expect((await collect(decodeEventStream(chunked(recorded, ones)))).map(view)).toEqual(reference);
    const uneven = [3, 500, 501, 1200, recorded.byteLength - 2];
    expect((await collect(decodeEventStream(chunked(recorded, uneven)))).map(view)).toEqual(reference);
  });

  it('cuts a 12 MB frame that arrives in 32-byte chunks, after a small one, exactly (consumed chunks are dropped in bulk, not shifted one by one)', async () => {
    const big = encodeBedrockEventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x'.repeat(12 * 1024 * 1024) } });
    const small = encodeBedrockEventFrame('messageStop', { stopReason: 'end_turn' });
    const bytes = concatBytes([small, big, small]);
    const cuts = Array.from({ length: Math.floor((bytes.byteLength - 1) / 32) }, (_, i) => (i + 1) * 32);
    const frames = await collect(splitEventStreamFrames(chunked(bytes, cuts)));
    expect(frames.map((f) => f.byteLength)).toEqual([small.byteLength, big.byteLength, small.byteLength]);
    expect(Buffer.compare(Buffer.from(frames[1]), Buffer.from(big))).toBe(0);
  });

  it('cuts frames exactly at their length prefix', async () => {
    const frames = chunksToFrames(readFixture('bedrock/recorded-vercel-ai/amazon-bedrock-tool-call.1.chunks.txt'));
    const bytes = concatBytes(frames);
    const cut = await collect(splitEventStreamFrames(chunked(bytes, [1, 2, 7, 40, 41])));
    expect(cut.map((f) => Buffer.from(f).toString('hex'))).toEqual(frames.map((f) => Buffer.from(f).toString('hex')));
  });

  it('rejects a stream that ends inside a frame, and an impossible length prefix', async () => {
    await expect(collect(splitEventStreamFrames(chunked(recorded.subarray(0, recorded.byteLength - 3), [])))).rejects.toBeInstanceOf(
      EventStreamFramingError,
    );
    await expect(collect(splitEventStreamFrames(chunked(new Uint8Array([0, 0, 0, 5, 1, 2, 3, 4, 5]), [])))).rejects.toThrow(/impossible length/);
  });

  it('rejects a corrupted byte in the middle of a recorded stream', async () => {
    const corrupted = Uint8Array.from(recorded);
    corrupted[300] ^= 0xff;
    await expect(collect(decodeEventStream(chunked(corrupted, [100])))).rejects.toThrow();
  });
});

describe('reading Bedrock frames', () => {
  it('reads an event frame and drops the p padding', () => {
    const frame = readBedrockFrame(decodeEventStreamFrame(encodeBedrockEventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } })));
    expect(frame).toEqual({ kind: 'event', eventType: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Hi' } } });
  });

  it('reads error frames', () => {
    expect(readBedrockFrame(decodeEventStreamFrame(encodeBedrockErrorFrame('InternalFailure', 'boom')))).toEqual({
      kind: 'error',
      errorCode: 'InternalFailure',
      errorMessage: 'boom',
    });
  });

  for (const name of [
    'internalServerException-first-frame',
    'serviceUnavailableException-first-frame',
    'stream-then-modelStreamErrorException',
    'stream-then-throttlingException',
    'validationException-first-frame',
  ]) {
    it(`decodes synthetic/${name} to the frames botocore saw`, async () => {
      const bytes = readFixtureBytes(`bedrock/synthetic/${name}.eventstream.bin`);
      const decoded = readFixtureJson<{ frames: Array<{ headers: Record<string, { value: string }>; payload: Record<string, unknown> }> }>(
        `bedrock/synthetic/${name}.decoded.json`,
      );
      const frames = (await collect(decodeEventStream(chunked(bytes, [7, 13, 120])))).map(readBedrockFrame);
      expect(frames).toEqual(
        decoded.frames.map((f) =>
          f.headers[':message-type'].value === 'exception'
            ? { kind: 'exception', exceptionType: f.headers[':exception-type'].value, payload: f.payload }
            : { kind: 'event', eventType: f.headers[':event-type'].value, payload: f.payload },
        ),
      );
    });
  }
});
