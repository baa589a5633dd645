import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, resolve, sep } from 'node:path';
import { sampleFromSchema } from '../../src/providers/simulated/schema-sample.js';
import { fixturePath } from '../helpers/fixtures.js';

/**
 * A mock OpenAI Chat Completions upstream speaking the real wire format, on 127.0.0.1 (random
 * port). Routes: POST /v1/chat/completions, and Azure's
 * POST /openai/deployments/{deployment}/chat/completions?api-version=… (checks `api-key` and
 * `api-version`). The model (or deployment) name picks the behaviour:
 *
 * - `fixture:<path under ../shared/fixtures/openai>`  replays a recording: `*.sse` raw, `*.chunks.txt`
 *   as `data: <line>` events + `data: [DONE]`, `*.json` as the body (a pydantic-ai cassette replays its
 *   status, headers and body or body_file; a bare `{"error":…}` file is a 400). Streams go out in
 *   several writes, split inside multi-byte characters too.
 * - `error:<status>` a realistic OpenAI error for that status (`error:429` rate limit with retry-after
 *   and x-ratelimit headers, `error:429:insufficient_quota`, `error:<status>:html` a non-JSON body).
 * - `midstream-error`  content deltas, then `data: {"error":…}` and the connection ends.
 * - `truncated`        content deltas, then the connection ends (no finish_reason, no [DONE]).
 * - `slow-headers` / `slow-body`  delay the headers / stall between chunks by `delayMs`.
 * - `reset`            the connection is destroyed before any response headers.
 * - `malformed`        a 200 whose body is not JSON (non-stream) or whose first event is not JSON (stream).
 * - `stall-after-content`  streams the role chunk and the first content chunk, then stalls like slow-body.
 * - reasoning model names (o1…, o3…, gpt-5…) reject `max_tokens` like OpenAI does.
 * - anything else: a deterministic echo (tool calls when tools apply, else `Echo: <last user text>`).
 *
 * An `x-mock-behaviour` request header (a provider's configured `headers`) picks the behaviour instead
 * of the model name, so a model the price catalog knows can still stall or fail.
 *
 * Every response has `x-request-id`; every request is recorded.
 */
export interface OpenAIMockOptions {
  /** Delay for slow-headers / slow-body, in ms (default 2000). */
  delayMs?: number;
  /** The Azure `api-key` the mock accepts (default: any non-empty key). */
  azureApiKey?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (the raw text when it is not JSON). */
  body: unknown;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
}

export interface OpenAIMock {
  /** Base URL for the `openai` provider, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Base URL for Azure (`openai-compatible` with `azure`), e.g. http://127.0.0.1:PORT */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Plan {
  text?: string;
  toolCalls?: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string;
  usage: Json;
}

const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
/** The OpenAI recordings, looked up on first use (a missing fixtures folder fails only the tests that replay one). */
const openaiFixtures = (): string => fixturePath('openai');
const REASONING_MODEL = /^(o\d|gpt-5)/;

export async function startOpenAIMock(options: OpenAIMockOptions = {}): Promise<OpenAIMock> {
  const delayMs = options.delayMs ?? 2000;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  let counter = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`mock failure: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: parseJson(raw) ?? raw, aborted: false };
    requests.push(record);
    const requestNumber = ++counter;
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    const requestClosed = new AbortController();
    res.on('close', () => requestClosed.abort());
    const signal = AbortSignal.any([requestClosed.signal, closing.signal]);
    res.setHeader('x-request-id', `req_mock_${requestNumber}`);

    const url = new URL(req.url ?? '/', 'http://mock');
    const body: Json = isObject(record.body) ? record.body : {};
    const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    let behaviour: string;
    if (req.method === 'POST' && url.pathname === '/v1/chat/completions') {
      const override = req.headers['x-mock-behaviour'];
      behaviour = typeof override === 'string' ? override : typeof body.model === 'string' ? body.model : '';
    } else if (req.method === 'POST' && azure) {
      const key = req.headers['api-key'];
      if (typeof key !== 'string' || key === '' || (options.azureApiKey !== undefined && key !== options.azureApiKey)) {
        return sendJson(res, 401, {
          error: {
            code: '401',
            message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
          },
        });
      }
      if (!url.searchParams.get('api-version')) return sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
      behaviour = decodeURIComponent(azure[1]);
    } else {
      return sendJson(res, 404, {
        error: { message: `Invalid URL (${req.method} ${url.pathname})`, type: 'invalid_request_error', param: null, code: null },
      });
    }

    const context: RenderContext = { res, signal, delayMs: 0, id: `chatcmpl-mock${requestNumber}`, azure: azure !== null, body, requestNumber };
    if (behaviour.startsWith('fixture:')) return replayFixture(behaviour.slice('fixture:'.length), context);
    if (behaviour.startsWith('error:')) return sendError(res, behaviour.slice('error:'.length), behaviour);
    if (REASONING_MODEL.test(behaviour) && body.max_tokens !== undefined) {
      return sendJson(res, 400, JSON.parse(readFileSync(resolve(openaiFixtures(), 'recorded-vercel-ai/reasoning-model-legacy-parameter-error.json'), 'utf8')));
    }
    if (behaviour === 'reset') {
      req.socket.destroy();
      return;
    }
    if (behaviour === 'malformed') {
      if (body.stream === true) {
        res.writeHead(200, { 'content-type': SSE_CONTENT_TYPE });
        res.end('data: {"id":"x","choices":[{"delta":{"content":"oops"\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html>upstream proxy error</html>');
      }
      return;
    }
    if (behaviour === 'slow-headers') await sleep(delayMs, signal);
    if (signal.aborted) return;
    if (behaviour === 'slow-body') context.delayMs = delayMs;
    if (behaviour === 'stall-after-content') {
      context.delayMs = delayMs;
      context.stallFrom = 2;
    }
    if (behaviour === 'midstream-error' || behaviour === 'truncated') return sendBrokenStream(context, behaviour);
    return sendPlan(context, planEcho(body, context.id), behaviour);
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      closing.abort();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

interface RenderContext {
  res: ServerResponse;
  signal: AbortSignal;
  /** Stall before each write after the first (slow-body). */
  delayMs: number;
  /** Index of the first stream event preceded by the stall (default 1). */
  stallFrom?: number;
  id: string;
  azure: boolean;
  body: Json;
  requestNumber: number;
}

// ---------- echo ----------

function planEcho(body: Json, id: string): Plan {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
  const last = messages[messages.length - 1];
  const tools = (Array.isArray(body.tools) ? body.tools.filter(isObject) : [])
    .map((tool) => (isObject(tool.function) ? tool.function : undefined))
    .filter((fn): fn is Json => fn !== undefined && typeof fn.name === 'string');
  const choice = body.tool_choice;
  const prompt = Math.ceil(JSON.stringify(messages).length / 4);

  if (tools.length > 0 && choice !== 'none' && last?.role !== 'tool') {
    let chosen: Json[];
    const forced = isObject(choice) && isObject(choice.function) ? choice.function.name : undefined;
    if (typeof forced === 'string') chosen = tools.filter((tool) => tool.name === forced).slice(0, 1);
    else if (body.parallel_tool_calls !== false && tools.length >= 2) chosen = tools.slice(0, 2);
    else chosen = tools.slice(0, 1);
    if (chosen.length === 0) chosen = tools.slice(0, 1);
    const toolCalls = chosen.map((tool, i) => ({
      id: `call_${id.replace('chatcmpl-', '')}_${i}`,
      name: tool.name as string,
      arguments: JSON.stringify(sampleFromSchema(tool.parameters ?? { type: 'object' })),
    }));
    const completion = Math.ceil(toolCalls.reduce((n, call) => n + call.name.length + call.arguments.length, 0) / 4);
    return { toolCalls, finishReason: 'tool_calls', usage: usage(prompt, completion) };
  }

  let text: string;
  if (last?.role === 'tool') {
    const results: string[] = [];
    for (let i = messages.length - 1; i >= 0 && messages[i].role === 'tool'; i--) results.unshift(contentText(messages[i].content));
    text = `Tool result: ${results.join(' | ')}`;
  } else {
    const user = [...messages].reverse().find((message) => message.role === 'user');
    const images = Array.isArray(user?.content) ? user.content.filter((part) => isObject(part) && part.type === 'image_url').length : 0;
    text = `Echo: ${contentText(user?.content)}${images > 0 ? ` [images: ${images}]` : ''}`;
  }
  const format = isObject(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object') text = JSON.stringify({ echo: text });
  else if (format?.type === 'json_schema' && isObject(format.json_schema)) text = JSON.stringify(sampleFromSchema(format.json_schema.schema));

  let finishReason = 'stop';
  const limit = typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  if (limit !== undefined && Math.ceil(text.length / 4) > limit) {
    text = Array.from(text).slice(0, limit * 4).join('');
    finishReason = 'length';
  }
  return { text, finishReason, usage: usage(prompt, Math.ceil(text.length / 4)) };
}

function usage(prompt: number, completion: number): Json {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part): part is Json => isObject(part) && part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join(' ');
}

async function sendPlan(context: RenderContext, plan: Plan, model: string): Promise<void> {
  const { res, body, id } = context;
  const created = 1_770_000_000 + context.requestNumber;
  if (body.stream !== true) {
    const message: Json = { role: 'assistant', content: plan.text ?? null, refusal: null, annotations: [] };
    if (plan.toolCalls) {
      message.tool_calls = plan.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
    }
    const completion = {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
      usage: plan.usage,
      service_tier: 'default',
      system_fingerprint: 'fp_mock',
    };
    const text = JSON.stringify(completion);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (context.delayMs > 0) {
      res.write(text.slice(0, 20));
      await sleep(context.delayMs, context.signal);
      if (context.signal.aborted) return;
      res.end(text.slice(20));
    } else res.end(text);
    return;
  }

  const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
  const chunk = (choices: Json[], extra: Json = {}): string =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_mock',
      choices,
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    })}\n\n`;
  const delta = (d: Json, finish: string | null = null): Json => ({ index: 0, delta: d, logprobs: null, finish_reason: finish });

  const events: string[] = [];
  if (context.azure) {
    events.push(`data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] })}\n\n`);
  }
  events.push(chunk([delta({ role: 'assistant', content: plan.toolCalls ? null : '', refusal: null })]));
  for (const piece of pieces(plan.text ?? '', 3)) events.push(chunk([delta({ content: piece })]));
  plan.toolCalls?.forEach((call, index) => {
    events.push(chunk([delta({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] })]));
    for (const piece of pieces(call.arguments, 8)) events.push(chunk([delta({ tool_calls: [{ index, function: { arguments: piece } }] })]));
  });
  events.push(chunk([delta({}, plan.finishReason)]));
  if (includeUsage) events.push(chunk([], { usage: plan.usage }));
  events.push('data: [DONE]\n\n');
  await streamEvents(context, events);
}

async function sendBrokenStream(context: RenderContext, behaviour: 'midstream-error' | 'truncated'): Promise<void> {
  const base = { id: context.id, object: 'chat.completion.chunk', created: 1_770_000_000, model: behaviour, system_fingerprint: 'fp_mock' };
  const event = (d: Json): string => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: null }] })}\n\n`;
  const events = [event({ role: 'assistant', content: '', refusal: null }), event({ content: 'Partial' }), event({ content: ' answer' })];
  if (behaviour === 'midstream-error') {
    events.push(
      `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } })}\n\n`,
    );
  }
  await streamEvents(context, events);
}

/** Writes SSE events one write each (stalling in slow-body mode), splitting inside multi-byte characters. */
async function streamEvents(context: RenderContext, events: string[]): Promise<void> {
  const { res } = context;
  res.writeHead(200, { 'content-type': SSE_CONTENT_TYPE, 'cache-control': 'no-cache' });
  for (let i = 0; i < events.length; i++) {
    if (i >= (context.stallFrom ?? 1) && context.delayMs > 0) await sleep(context.delayMs, context.signal);
    if (context.signal.aborted) return;
    for (const part of splitInsideMultiByte(Buffer.from(events[i]))) {
      await write(res, part);
      if (context.signal.aborted) return;
    }
  }
  res.end();
}

// ---------- fixtures ----------

async function replayFixture(relative: string, context: RenderContext): Promise<void> {
  const base = openaiFixtures();
  const path = resolve(base, relative);
  if (!path.startsWith(base + sep)) return sendJson(context.res, 400, { error: { message: 'fixture path escapes the fixtures folder', type: 'invalid_request_error', param: 'model', code: null } });
  if (path.endsWith('.sse')) return replayBytes(context, 200, { 'content-type': SSE_CONTENT_TYPE }, readFileSync(path));
  if (path.endsWith('.chunks.txt')) {
    const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
    const sse = lines.map((line) => `data: ${line}\n\n`).join('') + 'data: [DONE]\n\n';
    return replayBytes(context, 200, { 'content-type': SSE_CONTENT_TYPE }, Buffer.from(sse));
  }
  const bytes = readFileSync(path);
  const json = JSON.parse(bytes.toString('utf8')) as Json;
  const cassette = isObject(json.response) && isObject(json.response.status) ? json.response : undefined;
  if (cassette) {
    const status = Number((cassette.status as Json).code);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(isObject(cassette.headers) ? cassette.headers : {})) {
      if (!HOP_BY_HOP.has(name.toLowerCase()) && (typeof value === 'string' || Array.isArray(value))) headers[name] = value as string | string[];
    }
    const bodyBytes =
      typeof cassette.body_file === 'string' ? readFileSync(resolve(dirname(path), cassette.body_file)) : Buffer.from(JSON.stringify(cassette.body));
    return replayBytes(context, status, headers, bodyBytes);
  }
  // A plain recorded body goes out byte for byte.
  context.res.writeHead(json.error !== undefined ? 400 : 200, { 'content-type': 'application/json' });
  context.res.end(bytes);
}

const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'content-encoding', 'keep-alive']);

/** Writes a recorded body in pieces of varying size, with a split inside the first multi-byte character. */
async function replayBytes(context: RenderContext, status: number, headers: Record<string, string | string[]>, bytes: Buffer): Promise<void> {
  const { res } = context;
  res.writeHead(status, headers);
  const cuts = new Set<number>();
  const sizes = [5, 97, 13, 1024, 211];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    at += sizes[i % sizes.length];
    cuts.add(Math.min(at, bytes.length));
  }
  const multiByte = bytes.findIndex((byte) => byte >= 0xc0);
  if (multiByte >= 0) cuts.add(multiByte + 1);
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (context.signal.aborted) return;
    await write(res, bytes.subarray(start, cut));
    start = cut;
  }
  res.end();
}

function splitInsideMultiByte(bytes: Buffer): Buffer[] {
  const lead = bytes.findIndex((byte) => byte >= 0xc0);
  return lead < 0 ? [bytes] : [bytes.subarray(0, lead + 1), bytes.subarray(lead + 1)];
}

// ---------- errors ----------

const ERROR_BODIES: Record<string, () => { body: Json; headers?: Record<string, string> }> = {
  '400': () => ({ body: JSON.parse(readFileSync(resolve(openaiFixtures(), 'recorded-vercel-ai/reasoning-model-legacy-parameter-error.json'), 'utf8')) as Json }),
  '400:context_length_exceeded': () => ({
    body: openAIError(
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
      'invalid_request_error',
      'context_length_exceeded',
    ),
  }),
  '401': () => ({
    body: openAIError('Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key'),
  }),
  '403': () => ({ body: openAIError('Country, region, or territory not supported', 'request_forbidden', 'unsupported_country_region_territory') }),
  '404': () => ({ body: openAIError('The model `gpt-unknown` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found') }),
  '429': () => ({
    body: openAIError(
      'Rate limit reached for gpt-4o in organization org-mock on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
      'requests',
      'rate_limit_exceeded',
    ),
    headers: {
      'retry-after': '2',
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '120ms',
      'x-ratelimit-limit-tokens': '30000',
      'x-ratelimit-remaining-tokens': '29950',
      'x-ratelimit-reset-tokens': '100ms',
    },
  }),
  '429:insufficient_quota': () => ({
    body: openAIError(
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      'insufficient_quota',
      'insufficient_quota',
    ),
  }),
  '500': () => ({ body: openAIError('The server had an error while processing your request. Sorry about that!', 'server_error', null) }),
  '503': () => ({ body: openAIError('The engine is currently overloaded, please try again later', 'server_error', null) }),
};

function openAIError(message: string, type: string, code: string | null): Json {
  return { error: { message, type, param: null, code } };
}

function sendError(res: ServerResponse, spec: string, model: string): void {
  const [statusText, variant] = spec.split(':');
  const status = Number(statusText);
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    return sendJson(res, 400, openAIError(`The model \`${model}\` names no error status.`, 'invalid_request_error', null));
  }
  if (variant === 'html') {
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(`<html><head><title>${status}</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>`);
    return;
  }
  const known = ERROR_BODIES[variant ? `${status}:${variant}` : String(status)];
  const { body, headers } = known ? known() : { body: openAIError(`Mock error ${status}.`, 'server_error', null), headers: undefined };
  sendJson(res, status, body, headers);
}

// ---------- helpers ----------

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, bytes: Uint8Array): Promise<void> {
  return new Promise((done) => {
    if (res.destroyed) return done();
    const drained = res.write(bytes);
    // A turn of the event loop between writes so they leave as separate TCP segments.
    if (drained) setImmediate(done);
    else {
      const finish = (): void => {
        res.off('drain', finish);
        res.off('close', finish);
        done();
      };
      res.once('drain', finish);
      res.once('close', finish);
    }
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
  });
}

function pieces(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
