import { describe, expect, it } from 'vitest';
import type { PassthroughEvent } from '../../src/providers/provider.js';
import type { ChunkPusher, ChunkSink } from '../../src/providers/shared/decoded-stream.js';
import { tapFramedEvents, type EventTapProtocol } from '../../src/providers/shared/framed-event-tap.js';
import { SseEventTooLarge, SseFramer } from '../../src/providers/shared/sse-framer.js';
import { UpstreamChunks } from '../../src/providers/shared/upstream-streamed.js';
import { decodeOpenAIStream } from '../../src/providers/openai/openai-stream.js';
import type { ChatStreamPart } from '../../src/spec/index.js';
import { mapBodyReadError } from '../../src/providers/shared/upstream-http.js';
import { tapOpenAIStream } from '../../src/providers/openai/openai-passthrough-stream.js';
import { GatewayError } from '../../src/spec/index.js';

/**
 * The passthrough taps' shared machinery: the SSE framer (linear in an event split over many chunks,
 * bounded in size, a whole-chunk event not copied) and the event tap on both kinds of body — pushed
 * (UpstreamChunks.attach, what the gateway uses) and read (any async iterable) — with the same events,
 * errors, abandonment and backpressure either way.
 */

function frameAll(framer: SseFramer, chunks: readonly Buffer[]): string[] {
  const out: Buffer[] = [];
  const events: string[] = [];
  for (const chunk of chunks) {
    const count = framer.push(chunk, out);
    for (let i = 0; i < count; i++) events.push(out[i].toString('utf8'));
  }
  const last = framer.flush();
  if (last) events.push(last.toString('utf8'));
  return events;
}

describe('SseFramer', () => {
  const stream = '\n\ndata: {"a":1}\n\nevent: ping\ndata: x\n\n\n\ndata: {"b":"é"}\n\ndata: [DONE]\n\n';
  const expected = ['data: {"a":1}\n\n', 'event: ping\ndata: x\n\n', 'data: {"b":"é"}\n\n', 'data: [DONE]\n\n'];

  it('frames the same events whatever the chunking: whole, split at every byte, and byte by byte', () => {
    const bytes = Buffer.from(stream);
    expect(frameAll(new SseFramer(), [bytes])).toEqual(expected);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(frameAll(new SseFramer(), [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
    }
    expect(frameAll(new SseFramer(), [...bytes].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });

  it('normalises CR and CRLF line ends, also when a CR ends a chunk', () => {
    const crlf = Buffer.from('data: 1\r\n\r\ndata: 2\r\r');
    for (let cut = 1; cut < crlf.length; cut++) {
      expect(frameAll(new SseFramer(), [crlf.subarray(0, cut), crlf.subarray(cut)])).toEqual(['data: 1\n\n', 'data: 2\n\n']);
    }
  });

  it('returns an event that is a whole chunk as that chunk, without a copy', () => {
    const chunk = Buffer.from('data: {"x":1}\n\n');
    const out: Buffer[] = [];
    expect(new SseFramer().push(chunk, out)).toBe(1);
    expect(out[0]).toBe(chunk);
  });

  it('completes an unterminated last event at the end, and holds nothing after it', () => {
    const framer = new SseFramer();
    const out: Buffer[] = [];
    expect(framer.push(Buffer.from('data: a\n\ndata: b'), out)).toBe(1);
    expect(framer.pendingBytes).toBe(7);
    expect(framer.flush()?.toString()).toBe('data: b\n\n');
    expect(framer.pendingBytes).toBe(0);
    expect(framer.flush()).toBeUndefined();
  });

  it('keeps one event split over many chunks as pieces and joins them once (2 MB in 64-byte chunks)', () => {
    const framer = new SseFramer();
    const out: Buffer[] = [];
    const piece = Buffer.alloc(64, 'x');
    expect(framer.push(Buffer.from('data: '), out)).toBe(0);
    const pieces = (2 * 1024 * 1024) / 64;
    for (let i = 0; i < pieces; i++) expect(framer.push(piece, out)).toBe(0);
    expect(framer.pendingBytes).toBe(6 + 2 * 1024 * 1024);
    expect(framer.push(Buffer.from('\n\n'), out)).toBe(1);
    expect(out[0].length).toBe(6 + 2 * 1024 * 1024 + 2);
    expect(out[0].subarray(0, 8).toString()).toBe('data: xx');
  });

  it('refuses an event that grows past its limit before its blank line, and forgets it', () => {
    const framer = new SseFramer(1000);
    const out: Buffer[] = [];
    expect(framer.push(Buffer.alloc(600, 'a'), out)).toBe(0);
    expect(() => framer.push(Buffer.alloc(600, 'a'), out)).toThrow(SseEventTooLarge);
    expect(framer.pendingBytes).toBe(0);
  });
});

/** A protocol that forwards every event; `data: error` is a classified error. */
function protocol(overrides: Partial<EventTapProtocol> = {}): EventTapProtocol {
  const error = (code: string) => new GatewayError({ code, kind: 'upstream_error', message: code });
  return {
    classify: (event) => (event.toString().startsWith('data: error') ? { kind: 'error', error: error('CLASSIFIED') } : { kind: 'content', bytes: event }),
    readError: (cause) => error(cause instanceof SseEventTooLarge ? 'TOO_LARGE' : 'READ'),
    endError: () => error('TRUNCATED'),
    ...overrides,
  };
}

/** A pushed body the test drives by hand, recording what the tap asks of it. */
class FakePusher implements ChunkPusher, AsyncIterable<Uint8Array> {
  sink: ChunkSink | undefined;
  resumed = 0;
  abandoned = 0;
  attach(sink: ChunkSink): void {
    this.sink = sink;
  }
  resume(): void {
    this.resumed++;
  }
  abandon(): void {
    this.abandoned++;
  }
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    throw new Error('a pushed body is never read');
  }
}

function describeEvent(event: PassthroughEvent): string {
  return event.kind === 'error' ? `error:${event.error?.code}` : `${event.kind}:${Buffer.from(event.bytes ?? []).toString().trim()}`;
}

async function drain(events: AsyncIterator<PassthroughEvent>): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done) return seen;
    seen.push(describeEvent(next.value));
  }
}

describe('FramedEventTap on a pushed body', () => {
  it('attaches at the first read, hands over each event as its chunk arrives, and ends with the truncation check', async () => {
    const body = new FakePusher();
    const tap = tapFramedEvents(body, protocol({ endError: () => undefined }));
    expect(body.sink).toBeUndefined(); // nothing is read before the first next()
    const first = tap.next();
    expect(body.sink).toBe(tap);
    expect(body.sink!.onChunk(Buffer.from('data: 1\n\ndata: 2\n\n'))).toBe(true);
    expect(describeEvent((await first).value)).toBe('content:data: 1');
    // The chunk's second event is already queued: taken without a promise.
    expect(describeEvent(tap.poll()!.value)).toBe('content:data: 2');
    expect(tap.poll()).toBeUndefined();
    const last = tap.next();
    body.sink!.onEnd();
    expect(await last).toEqual({ value: undefined, done: true });
  });

  it('gives the same events as the read path, errors included', async () => {
    const chunks = ['data: 1\n', '\ndata: 2\n\nda', 'ta: 3\n\n'].map((text) => Buffer.from(text));
    async function* read() {
      for (const chunk of chunks) yield chunk;
    }
    const pulled = await drain(tapFramedEvents(read(), protocol()));
    const body = new FakePusher();
    const tap = tapFramedEvents(body, protocol());
    const pending = drain(tap);
    for (const chunk of chunks) body.sink!.onChunk(chunk);
    body.sink!.onEnd();
    expect(await pending).toEqual(pulled);
    expect(pulled).toEqual(['content:data: 1', 'content:data: 2', 'content:data: 3', 'error:TRUNCATED']);
  });

  it('stops at a classified error and abandons the call; what follows is not read', async () => {
    const body = new FakePusher();
    const tap = tapFramedEvents(body, protocol());
    const pending = drain(tap);
    body.sink!.onChunk(Buffer.from('data: 1\n\ndata: error\n\ndata: 3\n\n'));
    body.sink!.onChunk(Buffer.from('data: 4\n\n'));
    body.sink!.onEnd();
    expect(await pending).toEqual(['content:data: 1', 'error:CLASSIFIED']);
    expect(body.abandoned).toBe(1);
  });

  it('turns a failed read into the read error without abandoning (the call already failed)', async () => {
    const body = new FakePusher();
    const tap = tapFramedEvents(body, protocol());
    const pending = drain(tap);
    body.sink!.onChunk(Buffer.from('data: 1\n\n'));
    body.sink!.onError(new Error('socket reset'));
    expect(await pending).toEqual(['content:data: 1', 'error:READ']);
    expect(body.abandoned).toBe(0);
  });

  it('cuts an event past the framer limit with the read error for it and abandons the call', async () => {
    const body = new FakePusher();
    const tap = tapFramedEvents(body, protocol());
    const pending = drain(tap);
    const huge = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 9; i++) body.sink!.onChunk(huge);
    expect(await pending).toEqual(['error:TOO_LARGE']);
    expect(body.abandoned).toBe(1);
  });

  it('a reader that stops abandons the call and its pending read ends', async () => {
    const body = new FakePusher();
    const tap = tapFramedEvents(body, protocol());
    const pending = tap.next();
    await tap.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(body.abandoned).toBe(1);
    expect(body.sink!.onChunk(Buffer.from('data: late\n\n'))).toBe(true);
    expect(await tap.next()).toEqual({ value: undefined, done: true });
  });

  it('pauses the body past 64 queued events and resumes it once the reader has taken half', async () => {
    const body = new FakePusher();
    const tap = tapFramedEvents(body, protocol());
    const first = tap.next();
    const wants: boolean[] = [];
    for (let i = 0; i < 70; i++) wants.push(body.sink!.onChunk(Buffer.from(`data: ${i}\n\n`)));
    expect(describeEvent((await first).value)).toBe('content:data: 0');
    // The first event went straight to the waiting reader; the socket is asked to pause at 64 queued.
    expect(wants.indexOf(false)).toBe(64);
    expect(body.resumed).toBe(0);
    let taken = 1;
    while (body.resumed === 0) {
      expect(tap.poll()).toBeDefined();
      taken++;
    }
    expect(taken).toBe(1 + 69 - 32);
    expect(body.resumed).toBe(1);
  });
});

describe('UpstreamChunks.attach', () => {
  it('replays what arrived before the tap attached, then pushes; the end follows', async () => {
    const owner = { resumed: 0, abandoned: 0, resumeBody() { this.resumed++; }, abandon() { this.abandoned++; } };
    const chunks = new UpstreamChunks(owner);
    chunks.push(Buffer.from('data: 1\n\n'));
    chunks.push(Buffer.from('data: 2\n\n'));
    const tap = tapFramedEvents(chunks, protocol({ endError: () => undefined }));
    const pending = drain(tap);
    chunks.push(Buffer.from('data: 3\n\n'));
    chunks.end();
    expect(await pending).toEqual(['content:data: 1', 'content:data: 2', 'content:data: 3']);
    expect(owner.abandoned).toBe(0);
  });

  it('a read pending when the body is abandoned ends instead of hanging', async () => {
    const owner = { resumeBody() {}, abandon() {} };
    const chunks = new UpstreamChunks(owner);
    const pending = chunks.next();
    await chunks.return();
    expect(await pending).toEqual({ value: undefined, done: true });
  });
});

describe('an upstream stream event that never ends', () => {
  it('is a typed response-too-large error on the passthrough tap and on the translating decoder', async () => {
    const huge = Buffer.alloc(256 * 1024, 'x');
    async function* endless() {
      yield Buffer.from('data: {"choices":[{"delta":{"content":"');
      for (let i = 0; i < 40; i++) yield huge; // 10 MiB with no blank line
    }
    const tap = tapOpenAIStream(endless(), { stripUsage: false, provider: 'p', signal: new AbortController().signal });
    const events: PassthroughEvent[] = [];
    for await (const event of tap.events) events.push(event);
    expect(events).toHaveLength(1);
    expect(events[0].error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE', status: 502, retryable: false });
    expect(events[0].error?.message).toContain('stream event larger than 8 MiB');

    const parts: ChatStreamPart[] = [];
    for await (const part of decodeOpenAIStream(endless(), { provider: 'p', upstreamModel: 'm', signal: new AbortController().signal })) parts.push(part);
    expect(parts).toHaveLength(1);
    expect(parts[0].type === 'error' && parts[0].error).toMatchObject({ code: 'SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE', status: 502 });
    expect(mapBodyReadError(new SseEventTooLarge(1024), 'p', undefined)).toMatchObject({ code: 'SWY_ERR_UPSTREAM_RESPONSE_TOO_LARGE', provider: 'p' });
  });

  it('does not trip on a large chunk made of many small events, and translates them in linear time', async () => {
    const event = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] })}\n\n`;
    const many = Buffer.from(event.repeat(150_000)); // ~13 MiB in one chunk
    async function* once() {
      yield many;
    }
    let deltas = 0;
    for await (const part of decodeOpenAIStream(once(), { provider: 'p', upstreamModel: 'm', signal: new AbortController().signal })) {
      if (part.type === 'text-delta') deltas++;
    }
    expect(deltas).toBe(150_000);
  });
});
