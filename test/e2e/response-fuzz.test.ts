/**
 * Seeded response fuzzing: a programmable upstream replays recorded provider traffic (OpenAI chat JSON
 * and SSE, Anthropic messages JSON and SSE, Bedrock Converse JSON and ConverseStream event-stream
 * frames, all read in place from the shared fixtures) after seeded mutations — chunk boundaries (1-byte
 * chunks, splits inside UTF-8 characters and CRLF), dropped, duplicated and reordered events,
 * truncation, JSON values swapped for other types, fields removed, unknown fields and event types,
 * SSE comments / retry: / id: lines, CRLF, very long lines, invalid UTF-8, error events mid-stream,
 * error statuses with real error bodies, odd content types, connection resets and stalls, and the
 * upstream's own credential echoed in headers and content.
 *
 * Both client dialects × stream or not × each upstream (passthrough and translation). Every answer must
 * be a correct answer in the client's dialect (JSON, or SSE with its terminator and, for Anthropic,
 * the exact event order) or a typed error in the dialect's shape (in-stream after commit); never a 500
 * of the gateway's own, a hang, a stream without its end, or the upstream credential. Answered
 * requests carry x-switchyard-cost-usd (header, or trailer on streams). On passthrough, an upstream
 * answer that is itself out of grammar may be forwarded as is (counted, not failed). Deterministic:
 * a fixed seed and count (FUZZ_SEED / FUZZ_ITERATIONS widen an ad-hoc campaign).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync, writeFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { assertAnthropicEventOrder, parseAnthropicSse, type AnthropicSseEvent } from '../helpers/anthropic-stream-checker.js';
import { fixturePath, readFixture } from '../helpers/fixtures.js';
import { closeServer, listenLocal } from '../helpers/local-http.js';
import { startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';
import { encodeBedrockEventFrame, encodeBedrockExceptionFrame } from '../mock-upstreams/bedrock-mock.js';
import { jsonSlots as slots, Rng, sendWithDeadline, type FuzzAnswer as Answer, type Json, type JsonSlot } from '../helpers/fuzz-kit.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x2e5f_2026);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 200);
/** Generous for a loaded 2-core machine: only a hang should ever reach it (the gateway's own deadlines are far shorter). */
const REQUEST_TIMEOUT_MS = 10_000;

const OPENAI_KEY = 'sk-proj-respFUZZ0123456789abcdefOPENAI';
const ANTHROPIC_KEY = 'sk-ant-api03-respFUZZ0123456789abcdef';
const BEDROCK_KEY = 'bedrock-api-key-respFUZZ0123456789';
const SECRETS = [OPENAI_KEY, ANTHROPIC_KEY, BEDROCK_KEY];

type Upstream = 'openai' | 'anthropic' | 'bedrock';
type ClientDialect = 'openai' | 'anthropic';

// ---------- recorded traffic (read in place) ----------

interface Recorded {
  name: string;
  /** SSE events (text, without the blank line), or Bedrock events as {type: payload}. */
  events?: string[];
  frames?: Array<{ type: string; payload: Record<string, Json> }>;
  json?: string;
}

function listDir(relative: string, suffix: string): string[] {
  return readdirSync(fixturePath(relative))
    .filter((name) => name.endsWith(suffix))
    .map((name) => `${relative}/${name}`);
}

function sseEvents(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n\n+/)
    .filter((event) => event.trim() !== '');
}

function loadCorpus(): Record<Upstream, { sse: Recorded[]; json: Recorded[] }> {
  const openaiSse = [...listDir('openai/recorded-sse-openai-python', '.sse'), ...listDir('openai/recorded-vercel-ai/derived-sse', '.sse')];
  const openaiJson = [...listDir('openai/recorded-json-openai-python', '.json'), 'openai/recorded-vercel-ai/openai-text.json'];
  const anthropicSse = [
    ...listDir('anthropic/recorded-vercel-ai/derived-sse', '.sse').filter((name) => !/duplicate|spliced/.test(name)),
    ...listDir('anthropic/sdk-ts-fixtures', '.sse').filter((name) => !name.includes('error-event')),
  ];
  const anthropicJson = listDir('anthropic/recorded-vercel-ai', '.json').filter((name) => !name.includes('.error.'));
  const bedrockChunks = listDir('bedrock/recorded-vercel-ai', '.chunks.txt');
  const bedrockJson = listDir('bedrock/recorded-vercel-ai', '.json');
  const frames = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const event = JSON.parse(line) as Record<string, Record<string, Json>>;
        const [type] = Object.keys(event);
        return { type, payload: event[type] };
      });
  return {
    openai: { sse: openaiSse.map((name) => ({ name, events: sseEvents(readFixture(name)) })), json: openaiJson.map((name) => ({ name, json: readFixture(name) })) },
    anthropic: { sse: anthropicSse.map((name) => ({ name, events: sseEvents(readFixture(name)) })), json: anthropicJson.map((name) => ({ name, json: readFixture(name) })) },
    bedrock: { sse: bedrockChunks.map((name) => ({ name, frames: frames(readFixture(name)) })), json: bedrockJson.map((name) => ({ name, json: readFixture(name) })) },
  };
}

/** Real error bodies (fixtures README and recordings) by upstream and status. */
function errorBody(upstream: Upstream, status: number, rng: Rng, secret: string): { body: string; headers: Record<string, string> } {
  const echo = rng.chance(0.2) ? ` (key ${secret})` : '';
  if (upstream === 'openai') {
    if (status === 400) return { body: readFixture('openai/recorded-vercel-ai/reasoning-model-legacy-parameter-error.json'), headers: {} };
    const [type, code, message] =
      status === 429
        ? rng.pick([
            ['requests', 'rate_limit_exceeded', 'Rate limit reached for gpt-4o in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.'],
            ['insufficient_quota', 'insufficient_quota', 'You exceeded your current quota, please check your plan and billing details.'],
          ])
        : ['server_error', null, 'The server had an error while processing your request. Sorry about that!'];
    return { body: JSON.stringify({ error: { message: message + echo, type, param: null, code } }), headers: {} };
  }
  if (upstream === 'anthropic') {
    const type = { 400: 'invalid_request_error', 401: 'authentication_error', 429: 'rate_limit_error', 500: 'api_error', 503: 'api_error', 504: 'timeout_error', 529: 'overloaded_error' }[status] ?? 'api_error';
    return { body: JSON.stringify({ type: 'error', error: { type, message: `${type === 'overloaded_error' ? 'Overloaded' : 'Error'}${echo}` }, request_id: 'req_011CTestFuzz' }), headers: {} };
  }
  const type = { 400: 'ValidationException', 401: 'UnrecognizedClientException', 429: 'ThrottlingException', 500: 'InternalServerException', 503: 'ServiceUnavailableException', 504: 'ModelTimeoutException', 529: 'ServiceUnavailableException' }[status] ?? 'InternalServerException';
  return { body: JSON.stringify({ message: `Request failed${echo}` }), headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` } };
}

// ---------- mutations ----------

const LONG = 'L'.repeat(200_000);
const ODD_VALUES: Json[] = [null, 0, -1, 1.5, 1e308, 2 ** 53 + 1, '', 'x', '\ud800', '😀', LONG.slice(0, 5000), [], [null], [1, 'a'], {}, { type: 'mystery' }, true, false];
const REMOVABLE = new Set(['usage', 'choices', 'index', 'id', 'finish_reason', 'stop_reason', 'delta', 'content_block', 'message', 'type', 'content', 'role', 'model', 'output', 'stopReason', 'contentBlockIndex', 'inputTokens', 'outputTokens', 'tool_calls', 'function', 'arguments', 'text', 'input']);

/** One JSON-level mutation of a parsed value; returns a label. */
function mutateJson(value: Json, rng: Rng, secret: string): string {
  const all = slots(value);
  if (all.length === 0) return 'none';
  switch (rng.int(5)) {
    case 0: {
      const slot = rng.pick(all);
      (slot.parent as Record<string, Json>)[slot.key] = structuredClone(rng.pick(ODD_VALUES));
      return `value ${String(slot.key)} swapped`;
    }
    case 1: {
      const named = all.filter((slot) => typeof slot.key === 'string' && REMOVABLE.has(slot.key));
      const slot = named.length > 0 ? rng.pick(named) : rng.pick(all);
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key];
      return `field ${String(slot.key)} removed`;
    }
    case 2: {
      const objects = all.map((slot) => (slot.parent as Record<string, Json>)[slot.key]).filter((v): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v));
      const target = objects.length > 0 ? rng.pick(objects) : undefined;
      if (target) target[rng.pick(['x_unknown', 'obfuscation', 'p', '__proto__x', 'service_tier'])] = rng.pick<Json>(['abc', 1, null, { nested: [1] }]);
      return 'unknown field';
    }
    case 3: {
      const strings = all.filter((slot) => typeof (slot.parent as Record<string, Json>)[slot.key] === 'string' && ['text', 'content', 'partial_json', 'thinking'].includes(String(slot.key)));
      if (strings.length === 0) return 'none';
      const slot = rng.pick(strings);
      (slot.parent as Record<string, Json>)[slot.key] = `${(slot.parent as Record<string, Json>)[slot.key] as string} your key is ${secret} ok`;
      return 'secret in content';
    }
    default: {
      const strings = all.filter((slot) => typeof (slot.parent as Record<string, Json>)[slot.key] === 'string');
      if (strings.length === 0) return 'none';
      const slot = rng.pick(strings);
      (slot.parent as Record<string, Json>)[slot.key] = rng.pick(['é€😀'.repeat(200), LONG, '\u0000\u2028\u2029', 'a\nb\r\nc']);
      return 'string widened';
    }
  }
}

function mutateJsonText(text: string, rng: Rng, secret: string, labels: string[]): string {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch {
    return text;
  }
  labels.push(mutateJson(value, rng, secret));
  return JSON.stringify(value);
}

/** Event-list mutations shared by SSE events and Bedrock frames. */
function mutateList<T>(items: T[], rng: Rng, labels: string[], mutateItem: (item: T) => T, unknown: () => T, error: () => T): T[] {
  const out = [...items];
  const count = rng.int(4);
  for (let i = 0; i < count && out.length > 0; i++) {
    const at = rng.int(out.length);
    switch (rng.int(7)) {
      case 0:
        out.splice(at, 1);
        labels.push(`drop #${at}`);
        break;
      case 1:
        out.splice(at, 0, out[at]);
        labels.push(`duplicate #${at}`);
        break;
      case 2: {
        const other = rng.int(out.length);
        [out[at], out[other]] = [out[other], out[at]];
        labels.push(`swap #${at}/#${other}`);
        break;
      }
      case 3:
        out.length = at;
        labels.push(`truncate at event ${at}`);
        break;
      case 4:
        out.splice(at, 0, unknown());
        labels.push(`unknown event at ${at}`);
        break;
      case 5:
        out.splice(at, 0, error());
        labels.push(`error event at ${at}`);
        break;
      default:
        out[at] = mutateItem(out[at]);
        break;
    }
  }
  return out;
}

function mutateSseEvent(event: string, rng: Rng, secret: string, labels: string[]): string {
  return event
    .split('\n')
    .map((line) => (line.startsWith('data: ') && line !== 'data: [DONE]' ? `data: ${mutateJsonText(line.slice(6), rng, secret, labels)}` : line))
    .join('\n');
}

function sseDecorations(rng: Rng, labels: string[]): string {
  const pick = rng.pick([': keep-alive', 'retry: 3000', 'id: 42', ': OPENROUTER PROCESSING', 'event: ping\ndata: {"type":"ping"}', 'data:', 'unknown-field: x']);
  labels.push(`decoration ${JSON.stringify(pick)}`);
  return pick;
}

function sseStreamBytes(upstream: 'openai' | 'anthropic', recorded: Recorded, rng: Rng, secret: string, labels: string[]): Buffer {
  const unknown = () => (upstream === 'anthropic' ? 'event: mystery_event\ndata: {"type":"mystery_event","x":1}' : 'data: {"object":"mystery","x":1}');
  const error = () =>
    upstream === 'anthropic'
      ? 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
      : 'data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}';
  let events = rng.chance(0.85) ? mutateList(recorded.events!, rng, labels, (e) => mutateSseEvent(e, rng, secret, labels), unknown, error) : [...recorded.events!];
  if (rng.chance(0.25)) {
    const at = rng.int(events.length + 1);
    events = [...events.slice(0, at), sseDecorations(rng, labels), ...events.slice(at)];
  }
  let text = `${events.join('\n\n')}\n\n`;
  if (rng.chance(0.2)) {
    text = text.replace(/\n/g, '\r\n');
    labels.push('CRLF');
  }
  return byteMutations(Buffer.from(text, 'utf8'), rng, labels);
}

function bedrockStreamBytes(recorded: Recorded, rng: Rng, secret: string, labels: string[]): Buffer {
  type Frame = { type: string; payload: Record<string, Json>; exception?: boolean };
  const mutateFrame = (frame: Frame): Frame => {
    const payload = structuredClone(frame.payload);
    labels.push(mutateJson(payload, rng, secret));
    return { ...frame, payload };
  };
  const frames = mutateList<Frame>(
    recorded.frames!,
    rng,
    labels,
    mutateFrame,
    () => ({ type: 'mysteryEvent', payload: { x: 1 } }),
    () => ({ type: rng.pick(['throttlingException', 'modelStreamErrorException', 'internalServerException', 'serviceUnavailableException', 'validationException']), payload: { message: 'Stream failed' }, exception: true }),
  );
  const bytes = Buffer.concat(frames.map((f) => Buffer.from(f.exception ? encodeBedrockExceptionFrame(f.type, f.payload) : encodeBedrockEventFrame(f.type, f.payload))));
  if (rng.chance(0.1) && bytes.length > 20) {
    const at = rng.int(bytes.length);
    bytes[at] ^= 0x5a;
    labels.push(`flipped byte ${at}`);
  }
  return byteMutations(bytes, rng, labels, false);
}

/** Byte-level damage: truncation, invalid UTF-8, a very long line. */
function byteMutations(bytes: Buffer, rng: Rng, labels: string[], text = true): Buffer {
  let out = bytes;
  if (rng.chance(0.1)) {
    const at = rng.int(out.length);
    out = out.subarray(0, at);
    labels.push(`truncated at byte ${at}/${bytes.length}`);
  }
  if (text && rng.chance(0.06)) {
    const at = rng.int(out.length);
    out = Buffer.concat([out.subarray(0, at), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), out.subarray(at)]);
    labels.push(`invalid UTF-8 at ${at}`);
  }
  if (text && rng.chance(0.04)) {
    out = Buffer.concat([Buffer.from(`: ${LONG}\n\n`), out]);
    labels.push('very long comment line');
  }
  return out;
}

/** Chunk boundaries: 1-byte runs, splits inside multibyte characters and CRLF, or a few big pieces. */
function chunked(bytes: Buffer, rng: Rng): Buffer[] {
  const chunks: Buffer[] = [];
  const mode = rng.int(4);
  let at = 0;
  while (at < bytes.length) {
    let size: number;
    if (mode === 0) size = bytes.length;
    else if (mode === 1) size = 1 + rng.int(7);
    else if (mode === 2) size = chunks.length < 40 && rng.chance(0.5) ? 1 : 1 + rng.int(600);
    else {
      // split right after a lead byte of a multibyte character, or between \r and \n
      let next = at + 1;
      while (next < bytes.length && next - at < 400 && !(bytes[next - 1] >= 0xc0 || (bytes[next - 1] === 0x0d && bytes[next] === 0x0a))) next++;
      size = next - at;
    }
    // At most ~300 writes per answer, whatever the mode.
    size = Math.max(size, Math.ceil((bytes.length - at) / Math.max(1, 300 - chunks.length)));
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

// ---------- the programmable upstream ----------

interface Reply {
  status: number;
  headers: Record<string, string>;
  chunks: Buffer[];
  /** How the connection ends after the chunks. */
  ending: 'end' | 'reset' | 'stall';
  /** Hold the headers back (a first-byte stall). */
  stallHeaders?: boolean;
  labels: string[];
  /** The upstream answer is itself in its protocol's grammar (as far as the checks here go). */
  upstreamValid: boolean;
}

const CONTENT_TYPES: Record<Upstream, { json: string; stream: string }> = {
  openai: { json: 'application/json', stream: 'text/event-stream; charset=utf-8' },
  anthropic: { json: 'application/json', stream: 'text/event-stream; charset=utf-8' },
  bedrock: { json: 'application/json', stream: 'application/vnd.amazon.eventstream' },
};

function buildReply(upstream: Upstream, stream: boolean, rng: Rng, secret: string): Reply {
  const corpus = CORPUS[upstream];
  const labels: string[] = [];
  const headers: Record<string, string> = {};
  // Headers echoing the credential (forwarded request ids), and rate-limit / retry headers.
  if (rng.chance(0.15)) {
    const name = upstream === 'openai' ? 'x-request-id' : upstream === 'anthropic' ? 'request-id' : 'x-amzn-requestid';
    headers[name] = rng.chance(0.5) ? `Bearer ${secret}` : secret;
    labels.push(`secret in ${name}`);
  }
  const roll = rng.next();
  if (roll < 0.16) {
    const status = rng.pick([400, 401, 429, 429, 500, 503, 529, 504]);
    const error = errorBody(upstream, status, rng, secret);
    Object.assign(headers, error.headers, { 'content-type': 'application/json' });
    if (status === 429 || status === 503 || status === 529) {
      const retryAfter = rng.pick(['1', '0', '-5', 'abc', 'Wed, 21 Oct 2015 07:28:00 GMT', '99999999999', '0.5', '']);
      headers['retry-after'] = retryAfter;
      if (rng.chance(0.3)) headers['retry-after-ms'] = rng.pick(['10', '-1', 'NaN', '1e20']);
      if (upstream === 'openai' && rng.chance(0.5)) headers['x-ratelimit-reset-requests'] = rng.pick(['12ms', '6m0s', '', 'x']);
      labels.push(`retry-after ${JSON.stringify(retryAfter)}`);
    }
    labels.push(`status ${status}`);
    return { status, headers, chunks: chunked(Buffer.from(error.body), rng), ending: 'end', labels, upstreamValid: false };
  }
  if (roll < 0.2) {
    labels.push('odd status with a recorded body');
    const status = rng.pick([201, 204, 302, 404, 418, 502]);
    return { status, headers: { ...headers, 'content-type': 'text/html' }, chunks: status === 204 ? [] : [Buffer.from('<html><body>Bad gateway</body></html>')], ending: 'end', labels, upstreamValid: false };
  }
  // A whole JSON answer, or a stream (mostly what was asked for).
  const asStream = rng.chance(0.08) ? !stream : stream;
  if (asStream !== stream) labels.push(asStream ? 'stream for a JSON request' : 'JSON for a stream request');
  const recorded = rng.pick(asStream ? corpus.sse : corpus.json);
  labels.push(recorded.name);
  let bytes: Buffer;
  if (!asStream) {
    let text = recorded.json!;
    if (rng.chance(0.6)) text = mutateJsonText(text, rng, secret, labels);
    bytes = byteMutations(Buffer.from(text), rng, labels);
  } else bytes = upstream === 'bedrock' ? bedrockStreamBytes(recorded, rng, secret, labels) : sseStreamBytes(upstream, recorded, rng, secret, labels);
  headers['content-type'] = asStream ? CONTENT_TYPES[upstream].stream : CONTENT_TYPES[upstream].json;
  if (rng.chance(0.08)) {
    headers['content-type'] = rng.pick(['text/plain', 'application/octet-stream', 'text/event-stream', 'application/json; charset=latin1', 'application/x-ndjson', '']);
    labels.push(`content-type ${JSON.stringify(headers['content-type'])}`);
  }
  const ending = rng.chance(0.06) ? 'reset' : rng.chance(0.05) ? 'stall' : 'end';
  if (ending !== 'end') labels.push(ending);
  const stallHeaders = rng.chance(0.02);
  if (stallHeaders) labels.push('stall before headers');
  const chunks = chunked(bytes, rng);
  // An ending other than 'end' cuts somewhere inside the body.
  const kept = ending === 'end' ? chunks : chunks.slice(0, rng.int(chunks.length + 1));
  return { status: 200, headers, chunks: kept, ending, stallHeaders, labels, upstreamValid: false };
}

let CORPUS: ReturnType<typeof loadCorpus>;

/** The first recording of the kind, unchanged. */
function cleanReply(upstream: Upstream, stream: boolean): Reply {
  const recorded = stream ? CORPUS[upstream].sse[0] : CORPUS[upstream].json[0];
  let bytes: Buffer;
  if (!stream) bytes = Buffer.from(recorded.json!);
  else if (upstream === 'bedrock') bytes = Buffer.concat(recorded.frames!.map((f) => Buffer.from(encodeBedrockEventFrame(f.type, f.payload))));
  else bytes = Buffer.from(`${recorded.events!.join('\n\n')}\n\n`);
  const contentType = stream ? CONTENT_TYPES[upstream].stream : CONTENT_TYPES[upstream].json;
  return { status: 200, headers: { 'content-type': contentType }, chunks: [bytes], ending: 'end', labels: [recorded.name, 'clean'], upstreamValid: true };
}

/** What the current case asks of the upstream; every attempt of the case draws from the same seeded stream. */
let current: { rng: Rng; replies: Reply[]; clean?: boolean } | undefined;

function upstreamOf(req: IncomingMessage): Upstream {
  if (req.url?.includes('/converse')) return 'bedrock';
  if (req.url?.endsWith('/v1/messages')) return 'anthropic';
  return 'openai';
}

function secretOf(req: IncomingMessage): string {
  const sent = String(req.headers['x-api-key'] ?? req.headers.authorization ?? '').replace(/^Bearer /, '');
  return sent || 'no-credential-sent';
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += (chunk as Buffer).toString('utf8');
  const upstream = upstreamOf(req);
  const stream = upstream === 'bedrock' ? req.url!.includes('/converse-stream') : (JSON.parse(body) as { stream?: boolean }).stream === true;
  if (!current) throw new Error('no case is running');
  const reply = current.clean ? cleanReply(upstream, stream) : buildReply(upstream, stream, current.rng, secretOf(req));
  reply.upstreamValid = upstreamAnswerIsValid(upstream, stream, reply);
  current.replies.push(reply);
  if (reply.stallHeaders) return; // hold everything: the gateway's first-byte deadline must end it
  res.writeHead(reply.status, reply.headers);
  res.flushHeaders();
  for (const chunk of reply.chunks) {
    if (res.destroyed) return;
    res.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (reply.ending === 'reset') res.socket?.destroy();
  else if (reply.ending === 'end') res.end();
  // 'stall': nothing more; the gateway's idle deadline must end it (closeServer drops the socket at the end)
}

// ---------- checks: what a correct answer in each dialect looks like ----------

const OPENAI_FINISH = new Set(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);
const ANTHROPIC_STOP = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'compaction', 'model_context_window_exceeded']);

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function openaiCompletionProblem(json: unknown): string | undefined {
  if (!isObject(json)) return 'not a JSON object';
  if (json.object !== 'chat.completion') return `object is ${JSON.stringify(json.object)}`;
  if (typeof json.id !== 'string') return 'no string id';
  if (!Array.isArray(json.choices) || json.choices.length === 0) return 'no choices';
  for (const choice of json.choices) {
    if (!isObject(choice) || typeof choice.index !== 'number') return 'a choice without an index';
    if (!isObject(choice.message) || choice.message.role !== 'assistant') return 'a choice without an assistant message';
    if (!OPENAI_FINISH.has(choice.finish_reason)) return `finish_reason ${JSON.stringify(choice.finish_reason)}`;
    const content = choice.message.content;
    if (content !== null && content !== undefined && typeof content !== 'string') return 'message.content is not a string or null';
  }
  if (!isObject(json.usage) || typeof json.usage.prompt_tokens !== 'number' || typeof json.usage.completion_tokens !== 'number') return 'no usage';
  return undefined;
}

function anthropicMessageProblem(json: unknown): string | undefined {
  if (!isObject(json)) return 'not a JSON object';
  if (json.type !== 'message' || json.role !== 'assistant') return 'not {type:"message", role:"assistant"}';
  if (typeof json.id !== 'string' || typeof json.model !== 'string') return 'no string id or model';
  if (!Array.isArray(json.content) || json.content.some((block) => !isObject(block) || typeof block.type !== 'string')) return 'content is not an array of typed blocks';
  if (!ANTHROPIC_STOP.has(json.stop_reason)) return `stop_reason ${JSON.stringify(json.stop_reason)}`;
  if (!isObject(json.usage) || typeof json.usage.input_tokens !== 'number' || typeof json.usage.output_tokens !== 'number') return 'no usage';
  return undefined;
}

function bedrockConverseProblem(json: unknown): string | undefined {
  if (!isObject(json) || !isObject(json.output) || !isObject(json.output.message) || !Array.isArray(json.output.message.content)) return 'no output.message.content';
  if (typeof json.stopReason !== 'string') return 'no stopReason';
  if (!isObject(json.usage) || typeof json.usage.inputTokens !== 'number') return 'no usage';
  return undefined;
}

interface SseEvent {
  event: string | undefined;
  data: string;
}

function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event, data: message.data }) });
  parser.feed(text);
  return events;
}

function openaiErrorProblem(json: unknown): string | undefined {
  if (!isObject(json) || !isObject(json.error)) return 'not {"error":{…}}';
  const e = json.error;
  if (typeof e.message !== 'string' || e.message === '' || typeof e.type !== 'string' || !('param' in e) || !('code' in e)) return 'error without message/type/param/code';
  return undefined;
}

/** `checkArguments`: also require each tool call's arguments to be JSON (an upstream's answer; a client's may carry a model's broken JSON string). */
function openaiStreamProblem(text: string, checkArguments = false): string | undefined {
  const events = parseSse(text);
  if (events.length === 0) return 'no events';
  let finished = false;
  const toolArguments = new Map<number, string>();
  for (const [i, event] of events.entries()) {
    const last = i === events.length - 1;
    if (event.data === '[DONE]') {
      if (!last) return `event #${i}: [DONE] is not last`;
      if (!finished) return '[DONE] without a finish_reason';
      if (checkArguments) for (const [index, text] of toolArguments) if (parseJson(text) === undefined) return `the arguments of tool call ${index} are not JSON`;
      return undefined;
    }
    const json = parseJson(event.data);
    if (isObject(json) && 'error' in json) {
      if (!last) return `event #${i}: an error event is not last`;
      return openaiErrorProblem(json);
    }
    if (!isObject(json)) return `event #${i}: data is not a JSON object: ${event.data.slice(0, 80)}`;
    if (json.object !== 'chat.completion.chunk' && json.object !== '') return `event #${i}: object ${JSON.stringify(json.object)}`;
    if (!Array.isArray(json.choices)) return `event #${i}: no choices array`;
    for (const choice of json.choices) {
      if (!isObject(choice) || typeof choice.index !== 'number' || !isObject(choice.delta)) return `event #${i}: a choice without index or delta`;
      for (const call of Array.isArray(choice.delta.tool_calls) ? choice.delta.tool_calls : []) {
        const index = (choice.index as number) * 1000 + (isObject(call) && typeof call.index === 'number' ? call.index : 0);
        if (isObject(call) && isObject(call.function) && typeof call.function.arguments === 'string') toolArguments.set(index, (toolArguments.get(index) ?? '') + call.function.arguments);
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        if (!OPENAI_FINISH.has(choice.finish_reason)) return `event #${i}: finish_reason ${JSON.stringify(choice.finish_reason)}`;
        finished = true;
      }
    }
  }
  return 'the stream ended without [DONE] or an error event';
}

function anthropicStreamProblem(text: string, allowUnknownEvents: boolean): string | undefined {
  let events: AnthropicSseEvent[] = parseAnthropicSse(text);
  if (allowUnknownEvents) events = events.filter((e) => !(isObject(e.json) && e.json.type === e.event && typeof e.event === 'string' && !KNOWN_ANTHROPIC_EVENTS.has(e.event)));
  try {
    assertAnthropicEventOrder(events);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

const KNOWN_ANTHROPIC_EVENTS = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error']);

function bedrockStreamIsValid(reply: Reply): boolean {
  // Frames were built from the recording; only unmutated event lists are taken as valid.
  return reply.labels.every((label) => label.startsWith('bedrock/') || label.startsWith('secret in'));
}

/** Whether what the upstream sent is itself a correct answer of its protocol (then the client must get one too). */
function upstreamAnswerIsValid(upstream: Upstream, stream: boolean, reply: Reply): boolean {
  if (reply.status !== 200 || reply.ending !== 'end' || reply.stallHeaders) return false;
  if (reply.labels.some((label) => label.startsWith('content-type') || label.includes(' for a '))) return false;
  const text = Buffer.concat(reply.chunks).toString('utf8');
  if (upstream === 'bedrock') return stream ? bedrockStreamIsValid(reply) : bedrockConverseProblem(parseJson(text)) === undefined;
  if (!stream) return (upstream === 'openai' ? openaiCompletionProblem : anthropicMessageProblem)(parseJson(text)) === undefined;
  return (upstream === 'openai' ? openaiStreamProblem(text, true) : anthropicStreamProblem(text, true)) === undefined;
}

// ---------- the gateway and the client ----------

let upstreamServer: Server;
let gateway: RunningGateway;
const UPSTREAM_OF_MODEL: Record<string, Upstream> = { gpt: 'openai', claude: 'anthropic', 'bedrock-claude': 'bedrock' };
const PRICING = { inputPerMTok: 1, outputPerMTok: 2 };

beforeAll(async () => {
  CORPUS = loadCorpus();
  upstreamServer = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  const url = await listenLocal(upstreamServer);
  gateway = await startTestGateway({
    providers: {
      openai: { type: 'openai', apiKey: OPENAI_KEY, baseUrl: url },
      anthropic: { type: 'anthropic', apiKey: ANTHROPIC_KEY, baseUrl: url },
      bedrock: { type: 'bedrock', region: 'us-east-1', apiKey: BEDROCK_KEY, baseUrl: url },
    },
    // Short deadlines: a stall ends quickly; the client's own timeout is far longer.
    timeouts: { connectMs: 2000, firstByteMs: 400, idleMs: 400, totalMs: 4000 },
    routing: { retryBudget: { ratio: 1, floor: 100_000, windowMs: 1000 }, breaker: { consecutiveFailures: 1_000_000, minRequests: 1_000_000, openMs: 1, defaultCooldownMs: 1, maxCooldownMs: 1 } },
    routes: Object.fromEntries(Object.keys(UPSTREAM_OF_MODEL).map((model) => [`retry-${model}`, { candidates: [model], retries: { attempts: 1, backoffMs: 1, maxBackoffMs: 5 } }])),
    models: [
      { id: 'gpt', provider: 'openai', upstreamModel: 'gpt-4o-fuzz', pricing: PRICING, capabilities: { tools: true, images: true, json: true, reasoning: false } },
      { id: 'claude', provider: 'anthropic', upstreamModel: 'claude-fuzz-4', pricing: PRICING, capabilities: { tools: true, images: true, json: true, reasoning: true } },
      { id: 'bedrock-claude', provider: 'bedrock', upstreamModel: 'anthropic.claude-fuzz-v1:0', pricing: PRICING, capabilities: { tools: true, images: true, json: true, reasoning: true } },
    ],
  });
}, 30_000);

afterAll(async () => {
  await gateway?.close();
  await closeServer(upstreamServer);
});

interface Case {
  label: string;
  dialect: ClientDialect;
  model: string;
  stream: boolean;
  seed: number;
}

function send(c: Case): Promise<Answer> {
  const path = c.dialect === 'openai' ? '/v1/chat/completions' : '/v1/messages';
  const body =
    c.dialect === 'openai'
      ? { model: c.model, stream: c.stream, ...(c.stream ? { stream_options: { include_usage: true } } : {}), max_tokens: 200, messages: [{ role: 'user', content: 'Hello there' }] }
      : { model: c.model, stream: c.stream, max_tokens: 200, messages: [{ role: 'user', content: 'Hello there' }] };
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` };
  if (c.dialect === 'anthropic') headers['anthropic-version'] = '2023-06-01';
  return sendWithDeadline(new URL(path, gateway.url), 'POST', headers, JSON.stringify(body), REQUEST_TIMEOUT_MS);
}

/** 5xx statuses that map an upstream failure (never 500, the gateway's own). */
const UPSTREAM_5XX = new Set([502, 503, 504, 529]);

interface Verdict {
  problem?: string;
  /** A passthrough answer forwarded as the upstream sent it, out of grammar. */
  forwarded?: string;
}

function judge(c: Case, answer: Answer, replies: Reply[]): Verdict {
  const everything = `${JSON.stringify(answer.headers)}${JSON.stringify(answer.trailers)}${answer.text}`;
  for (const secret of SECRETS) if (everything.includes(secret)) return { problem: `the upstream credential ${secret.slice(0, 12)}… reached the client` };
  if (/Internal gateway error/.test(answer.text)) return { problem: `an internal error: ${answer.text.slice(0, 400)}` };
  if (answer.status !== 200) return { problem: errorProblem(c, answer) };

  const cost = answer.headers['x-switchyard-cost-usd'] ?? answer.trailers['x-switchyard-cost-usd'];
  if (typeof cost !== 'string' || !/^\d+\.\d+$/.test(cost)) return { problem: `no x-switchyard-cost-usd (got ${JSON.stringify(cost)})` };
  const contentType = String(answer.headers['content-type'] ?? '');
  const upstream = UPSTREAM_OF_MODEL[c.model.replace(/^retry-/, '')];
  const passthrough = upstream === c.dialect;
  const lastReply = replies[replies.length - 1];
  let problem: string | undefined;
  if (c.stream) {
    if (!contentType.startsWith('text/event-stream')) problem = `a stream answer with content-type ${contentType}`;
    else problem = c.dialect === 'openai' ? openaiStreamProblem(answer.text) : anthropicStreamProblem(answer.text, passthrough);
    if (!problem && /"type":"(api_error|server_error)"/.test(answer.text) && c.dialect === 'openai' && !/"code":"SWY_ERR_(UPSTREAM|REQUEST_DEADLINE|ALL_ATTEMPTS)/.test(answer.text)) {
      problem = `a stream error that is not an upstream's: ${answer.text.slice(-300)}`;
    }
  } else {
    const json = parseJson(answer.text);
    problem = (c.dialect === 'openai' ? openaiCompletionProblem : anthropicMessageProblem)(json);
  }
  if (problem && passthrough && lastReply && !lastReply.upstreamValid) return { forwarded: problem };
  // Translation streams tool arguments as they come: an upstream's broken arguments reach the client broken (known, see the report).
  if (problem && lastReply && !lastReply.upstreamValid && / input_json_delta of block \d+ is not valid JSON/.test(problem)) return { forwarded: `translated: ${problem}` };
  return problem ? { problem } : {};
}

function errorProblem(c: Case, answer: Answer): string | undefined {
  const json = parseJson(answer.text);
  if (c.dialect === 'openai') {
    const shape = openaiErrorProblem(json);
    if (shape) return `status ${answer.status}: ${shape}: ${answer.text.slice(0, 300)}`;
    const code = String(answer.headers['x-switchyard-error-code'] ?? '');
    if (answer.status >= 500 && (!UPSTREAM_5XX.has(answer.status) || !/^SWY_ERR_(UPSTREAM_|REQUEST_DEADLINE|ALL_ATTEMPTS|NO_HEALTHY)/.test(code))) return `a ${answer.status} ${code}: ${answer.text.slice(0, 300)}`;
    return undefined;
  }
  if (!isObject(json) || json.type !== 'error' || !isObject(json.error) || typeof json.error.type !== 'string' || typeof json.error.message !== 'string' || json.error.message === '') {
    return `status ${answer.status}: not the anthropic error shape: ${answer.text.slice(0, 300)}`;
  }
  if (answer.status >= 500 && !UPSTREAM_5XX.has(answer.status)) return `a ${answer.status}: ${answer.text.slice(0, 300)}`;
  return undefined;
}

function fuzzCases(seed: number, count: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const dialect = rng.pick<ClientDialect>(['openai', 'anthropic']);
    const base = rng.pick(Object.keys(UPSTREAM_OF_MODEL));
    const model = rng.chance(0.2) ? `retry-${base}` : base;
    const stream = rng.chance(0.5);
    cases.push({ label: `#${i} ${dialect}${stream ? ' stream' : ''} → ${model}`, dialect, model, stream, seed: (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0 });
  }
  return cases;
}

async function runCases(cases: Case[], clean = false): Promise<{ problems: string[]; forwarded: string[] }> {
  const problems: string[] = [];
  const forwarded: string[] = [];
  for (const c of cases) {
    current = { rng: new Rng(c.seed), replies: [], clean };
    let answer: Answer;
    try {
      answer = await send(c);
    } catch (error) {
      problems.push(`${c.label}: ${(error as Error).message} [upstream: ${current.replies.map((r) => r.labels.join(', ')).join(' | ')}]`);
      continue;
    }
    const verdict = judge(c, answer, current.replies);
    if (process.env.FUZZ_ONLY) console.log(`${c.label}: ${answer.status} ${JSON.stringify(answer.headers)} ${JSON.stringify(answer.trailers)}\n${answer.text.slice(-1500)}\nupstream sent: ${current.replies.map((r) => Buffer.concat(r.chunks).toString('utf8').slice(-1500)).join('\n|||\n')}`);
    const upstreamSaid = current.replies.map((r) => `${r.status} ${r.labels.join(', ')}`).join(' | ');
    if (process.env.FUZZ_LOG) console.log(`${c.label} -> ${answer.status} [${upstreamSaid}] ${verdict.problem ?? verdict.forwarded ?? 'ok'}`);
    if (verdict.problem) problems.push(`${c.label} (seed ${c.seed}): ${verdict.problem} [upstream: ${upstreamSaid}] [answer: ${answer.text.slice(0, 200)}…${answer.text.slice(-200)}]`);
    if (verdict.forwarded) forwarded.push(`${c.label}: ${verdict.forwarded}`);
  }
  current = undefined;
  return { problems, forwarded };
}

describe('response fuzzing', () => {
  it(`answers ${ITERATIONS} seeded mutations of recorded upstream traffic correctly or with a typed error`, async () => {
    const only = process.env.FUZZ_ONLY?.split(',').map(Number);
    const cases = fuzzCases(SEED, ITERATIONS).filter((_, i) => only === undefined || only.includes(i));
    const { problems, forwarded } = await runCases(cases);
    if (process.env.FUZZ_LOG && forwarded.length > 0) console.log(`passthrough forwarded out-of-grammar upstream answers:\n${forwarded.join('\n')}`);
    if (process.env.FUZZ_OUT) writeFileSync(process.env.FUZZ_OUT, `${[...problems, '--- forwarded:', ...forwarded].join('\n')}\n`);
    expect(problems).toEqual([]);
    // Still serving: a clean recorded answer through translation and passthrough.
    const after = await runCases([
      { label: 'after: openai → claude', dialect: 'openai', model: 'claude', stream: false, seed: 0 },
      { label: 'after: anthropic stream → gpt', dialect: 'anthropic', model: 'gpt', stream: true, seed: 0 },
      { label: 'after: openai stream → bedrock', dialect: 'openai', model: 'bedrock-claude', stream: true, seed: 0 },
    ], true);
    expect(after.problems).toEqual([]);
  }, 120_000);
});
