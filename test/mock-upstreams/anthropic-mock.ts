import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';
import { sampleFromSchema } from '../../src/providers/simulated/schema-sample.js';
import { fixturePath } from '../helpers/fixtures.js';

/**
 * A mock of the Anthropic Messages API (POST /v1/messages) speaking the real wire format, for adapter
 * and end-to-end tests. Behaviour is chosen by the request's `model`:
 *
 * - `fixture:<path under ../shared/fixtures/anthropic>` replays a recording: `*.sse` / `*.txt` raw,
 *   `*.chunks.txt` rendered as `event: <type>\ndata: <line>\n\n`, `*.json` as a Message body.
 * - `error:<status>[:<header>=<value>…]` answers with a realistic error body, `request-id` and
 *   (on 429) `retry-after`; extra segments add response headers (e.g. `x-should-retry=false`).
 * - `midstream-error` streams a few events, then `event: error` (overloaded_error).
 * - `error-after-start` streams message_start only, then `event: error` (overloaded_error): no content.
 * - `reset` destroys the connection before any response headers.
 * - `slow-headers` / `slow-body` wait `slowMs` before the headers / after the first events.
 * - `thinking` answers with a thinking block (with signature) and then text.
 * - anything else: a deterministic generative echo (tool calls when tools are offered, otherwise
 *   `Echo: <last user text>`), honouring stop_sequences, max_tokens and tool_choice.
 *
 * Streams are written in many small writes, some boundaries inside multi-byte characters, and some
 * event JSON is padded with whitespace the way the real API does.
 */

export interface AnthropicMockOptions {
  /** Delay of `slow-headers` / `slow-body`, in ms (default 2000). */
  slowMs?: number;
  /** When set, `x-api-key` must equal it; otherwise any non-empty key is accepted. */
  apiKey?: string;
}

export interface RecordedAnthropicRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (the raw text when it was not JSON). */
  body: unknown;
  /** True when the client closed the connection before the response was complete. */
  aborted: boolean;
}

export interface AnthropicMock {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: RecordedAnthropicRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface MockBlock {
  type: 'text' | 'thinking' | 'tool_use';
  text?: string;
  thinking?: string;
  signature?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

interface MockMessage {
  id: string;
  model: string;
  content: MockBlock[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: {
    input_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    output_tokens: number;
    cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  };
}

const ERROR_TYPES: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'messages: roles must alternate between "user" and "assistant"'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'model: not-a-model'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.'],
  500: ['api_error', 'Internal server error'],
  504: ['timeout_error', 'Request timed out'],
  529: ['overloaded_error', 'Overloaded'],
};

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

export async function startAnthropicMock(options: AnthropicMockOptions = {}): Promise<AnthropicMock> {
  const slowMs = options.slowMs ?? 2000;
  const requests: RecordedAnthropicRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const cacheSeen = new Set<string>();
  let counter = 0;

  const sleep = (ms: number) =>
    new Promise<void>((done) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        done();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'api_error', `mock failure: ${String(error)}`, 'req_mock_failure');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.socket?.setNoDelay(true);
    const raw = await readAll(req);
    const record: RecordedAnthropicRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: parseOrRaw(raw), aborted: false };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    const n = ++counter;
    const requestId = `req_mock_${String(n).padStart(6, '0')}`;

    if (record.method !== 'POST' || record.path.split('?')[0] !== '/v1/messages') {
      return sendError(res, 404, 'not_found_error', `Not found: ${record.method} ${record.path}`, requestId);
    }
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey !== 'string' || apiKey === '' || (options.apiKey !== undefined && apiKey !== options.apiKey)) {
      return sendError(res, 401, 'authentication_error', apiKey ? 'invalid x-api-key' : 'x-api-key header is required', requestId);
    }
    if (!req.headers['anthropic-version']) {
      return sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required', requestId);
    }
    const body = record.body;
    if (!isJson(body)) return sendError(res, 400, 'invalid_request_error', 'The request body is not valid JSON.', requestId);
    if (typeof body.model !== 'string') return sendError(res, 400, 'invalid_request_error', 'model: Field required', requestId);
    if (!Array.isArray(body.messages)) return sendError(res, 400, 'invalid_request_error', 'messages: Field required', requestId);
    if (typeof body.max_tokens !== 'number') return sendError(res, 400, 'invalid_request_error', 'max_tokens: Field required', requestId);

    const model = body.model;
    const stream = body.stream === true;
    const headers = { 'request-id': requestId, ...rateLimitHeaders() };

    if (model.startsWith('fixture:')) return replayFixture(res, model.slice('fixture:'.length), headers, requestId);
    if (model.startsWith('error:')) return sendConfiguredError(res, model, requestId);
    if (model === 'reset') {
      req.socket.destroy();
      return;
    }
    // A stream that fails with overloaded_error after its first events: message_start only (no content), or five events (content).
    const failAfter = model === 'error-after-start' ? 1 : model === 'midstream-error' ? 5 : 0;
    if (failAfter > 0 && (stream || model === 'midstream-error')) {
      res.writeHead(200, { ...SSE_HEADERS, ...headers });
      const events = renderEvents(echoMessage(body, `msg_mock_${n}`, cacheSeen)).slice(0, failAfter);
      events.push(sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
      await writeSplit(res, events.join(''));
      res.end();
      return;
    }
    if (model === 'error-after-start') return sendError(res, 529, 'overloaded_error', 'Overloaded', requestId);
    if (model === 'slow-headers') await sleep(slowMs);
    if (res.destroyed) return;

    const message = model === 'thinking' ? thinkingMessage(body, `msg_mock_${n}`, cacheSeen) : echoMessage(body, `msg_mock_${n}`, cacheSeen);
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      if (model === 'slow-body') {
        res.flushHeaders();
        await sleep(slowMs);
      }
      if (!res.destroyed) res.end(JSON.stringify(toWireMessage(message)));
      return;
    }
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    const events = renderEvents(message);
    if (model === 'slow-body') {
      await writeSplit(res, events.slice(0, 2).join(''));
      await sleep(slowMs);
      events.splice(0, 2);
    }
    await writeSplit(res, events.join(''));
    if (!res.destroyed) res.end();
  }

  function replayFixture(res: ServerResponse, relative: string, headers: Record<string, string>, requestId: string): Promise<void> {
    const base = fixturePath('anthropic');
    const file = resolve(base, relative);
    if (!file.startsWith(base + sep)) {
      sendError(res, 400, 'invalid_request_error', `fixture path escapes the fixture folder: ${relative}`, requestId);
      return Promise.resolve();
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      sendError(res, 404, 'not_found_error', `model: no such fixture ${relative}`, requestId);
      return Promise.resolve();
    }
    if (file.endsWith('.json')) {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
    } else {
      res.writeHead(200, { ...SSE_HEADERS, ...headers });
      if (file.endsWith('.chunks.txt')) text = renderChunkLines(text);
    }
    return writeSplit(res, text).then(() => {
      if (!res.destroyed) res.end();
    });
  }

  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function sendConfiguredError(res: ServerResponse, model: string, requestId: string): void {
  const [, statusText, ...extra] = model.split(':');
  const status = Number(statusText);
  const [type, message] = ERROR_TYPES[status] ?? ['api_error', `Upstream error ${statusText}`];
  const headers: Record<string, string> = {};
  if (status === 429) headers['retry-after'] = '2';
  for (const segment of extra) {
    const eq = segment.indexOf('=');
    if (eq > 0) headers[segment.slice(0, eq)] = segment.slice(eq + 1);
  }
  sendError(res, Number.isInteger(status) && status >= 400 ? status : 500, type, message, requestId, headers);
}

function sendError(res: ServerResponse, status: number, type: string, message: string, requestId: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
  res.end(body);
}

function rateLimitHeaders(): Record<string, string> {
  return {
    'anthropic-ratelimit-requests-limit': '1000',
    'anthropic-ratelimit-requests-remaining': '999',
    'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:00Z',
  };
}

// ---------- generative echo ----------

function echoMessage(body: Json, id: string, cacheSeen: Set<string>): MockMessage {
  const messages = body.messages as unknown[];
  const lastUser = [...messages].reverse().find((m) => isJson(m) && m.role === 'user');
  const blocks = isJson(lastUser) ? contentBlocks(lastUser.content) : [];
  const toolResults = blocks.filter((b) => b.type === 'tool_result');
  const tools = Array.isArray(body.tools) ? body.tools.filter(isJson) : [];
  const choice = isJson(body.tool_choice) ? body.tool_choice : undefined;

  if (tools.length > 0 && choice?.type !== 'none' && toolResults.length === 0) {
    let chosen: Json[];
    if (choice?.type === 'tool') chosen = tools.filter((t) => t.name === choice.name).slice(0, 1);
    else if (choice?.disable_parallel_tool_use !== true && tools.length >= 2) chosen = tools.slice(0, 2);
    else chosen = tools.slice(0, 1);
    const content: MockBlock[] = chosen.map((tool, i) => ({
      type: 'tool_use',
      id: `toolu_mock_${id.slice(-6)}_${i}`,
      name: String(tool.name),
      input: sampleFromSchema(tool.input_schema, String(tool.name)),
    }));
    return finishMessage(body, id, content, 'tool_use', null, cacheSeen);
  }

  let text: string;
  if (toolResults.length > 0) {
    text = toolResults.map((r) => `Tool result: ${textOf(r.content)}`).join('\n');
  } else {
    text = `Echo: ${blocks.filter((b) => b.type === 'text').map((b) => String(b.text)).join(' ')}`;
    const images = blocks.filter((b) => b.type === 'image').length;
    if (images > 0) text += ` [images: ${images}]`;
  }
  let stopReason = 'end_turn';
  let stopSequence: string | null = null;
  const sequences = Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((s): s is string => typeof s === 'string' && s !== '') : [];
  let cut = -1;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      stopSequence = sequence;
    }
  }
  if (cut >= 0) {
    text = text.slice(0, cut);
    stopReason = 'stop_sequence';
  }
  const maxTokens = body.max_tokens as number;
  if (stopReason === 'end_turn' && tokens(text) > maxTokens) {
    text = text.slice(0, maxTokens * 4);
    stopReason = 'max_tokens';
  }
  return finishMessage(body, id, [{ type: 'text', text }], stopReason, stopSequence, cacheSeen);
}

function thinkingMessage(body: Json, id: string, cacheSeen: Set<string>): MockMessage {
  const echo = echoMessage({ ...body, tools: undefined }, id, new Set());
  const text = echo.content[0]?.text ?? '';
  const thinking = `Let me think about this. The user wrote: ${text.replace(/^Echo: /, '')}`;
  const signature = Buffer.from(`mock-signature:${thinking}`).toString('base64');
  return finishMessage(body, id, [{ type: 'thinking', thinking, signature }, ...echo.content], echo.stop_reason, echo.stop_sequence, cacheSeen);
}

function finishMessage(body: Json, id: string, content: MockBlock[], stopReason: string, stopSequence: string | null, cacheSeen: Set<string>): MockMessage {
  const total = tokens(JSON.stringify({ system: body.system, messages: body.messages, tools: body.tools }));
  let cacheCreation = 0;
  let cacheRead = 0;
  let oneHour = false;
  if (Array.isArray(body.system) && body.system.some((b) => isJson(b) && b.cache_control !== undefined)) {
    const key = JSON.stringify(body.system);
    const cached = Math.min(total, tokens(key));
    if (cacheSeen.has(key)) cacheRead = cached;
    else cacheCreation = cached;
    cacheSeen.add(key);
    // `cache_control: {type: "ephemeral", ttl: "1h"}` writes with the one-hour TTL, reported split by TTL like the real API.
    oneHour = body.system.some((b) => isJson(b) && isJson(b.cache_control) && b.cache_control.ttl === '1h');
  }
  const outputChars = content.reduce((sum, b) => sum + (b.text ?? b.thinking ?? JSON.stringify(b.input ?? '')).length, 0);
  return {
    id,
    model: String(body.model),
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage: {
      input_tokens: total - cacheCreation - cacheRead,
      cache_creation_input_tokens: cacheCreation,
      cache_read_input_tokens: cacheRead,
      output_tokens: Math.max(1, tokens('x'.repeat(outputChars))),
      ...(oneHour && cacheCreation > 0 ? { cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: cacheCreation } } : {}),
    },
  };
}

function toWireMessage(message: MockMessage): Json {
  const { id, model, content, stop_reason, stop_sequence, usage } = message;
  return { id, type: 'message', role: 'assistant', model, content, stop_reason, stop_sequence, usage };
}

function contentBlocks(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isJson) : [];
}

function textOf(content: unknown): string {
  return contentBlocks(content)
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text))
    .join(' ');
}

function tokens(text: string): number {
  return Math.ceil(text.length / 4);
}

// ---------- SSE rendering ----------

function renderEvents(message: MockMessage): string[] {
  const { usage } = message;
  const events: Array<[string, Json]> = [];
  events.push([
    'message_start',
    {
      type: 'message_start',
      message: {
        id: message.id,
        type: 'message',
        role: 'assistant',
        model: message.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
  ]);
  events.push(['ping', { type: 'ping' }]);
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      for (const piece of pieces(block.text ?? '', 3)) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }]);
      }
    } else if (block.type === 'thinking') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }]);
      for (const piece of pieces(block.thinking ?? '', 7)) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } }]);
      }
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } }]);
    } else {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } },
      ]);
      for (const piece of ['', ...pieces(JSON.stringify(block.input), 5)]) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } }]);
      }
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
    if (index === 0 && message.content.length > 1) events.push(['ping', { type: 'ping' }]);
  });
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence }, usage }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  // Like the real API, pad some events' JSON with whitespace before the closing brace.
  return events.map(([name, data], i) => {
    const json = JSON.stringify(data);
    return sseEventText(name, i % 3 === 2 ? `${json.slice(0, -1)}${' '.repeat(1 + (i % 7))}}` : json);
  });
}

function sseEvent(name: string, data: Json): string {
  return sseEventText(name, JSON.stringify(data));
}

function sseEventText(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}

function renderChunkLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const parsed: unknown = JSON.parse(line);
      return sseEventText(isJson(parsed) && typeof parsed.type === 'string' ? parsed.type : 'message', line);
    })
    .join('');
}

function pieces(text: string, size: number): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/**
 * Writes text in many small writes with a turn of the event loop between them. Chunk sizes vary,
 * and one boundary is forced into the middle of the first multi-byte character.
 */
async function writeSplit(res: ServerResponse, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const boundaries = new Set<number>();
  const sizes = [7, 61, 13, 257, 3, 1024, 29];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    at += sizes[i % sizes.length];
    boundaries.add(Math.min(at, bytes.length));
  }
  const firstMultiByte = bytes.findIndex((b) => b >= 0x80);
  if (firstMultiByte >= 0) boundaries.add(firstMultiByte + 1);
  let start = 0;
  for (const end of [...boundaries].sort((a, b) => a - b)) {
    if (res.destroyed) return;
    res.write(bytes.subarray(start, end));
    start = end;
    await new Promise<void>((done) => setImmediate(done));
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

function parseOrRaw(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
