/**
 * Mock upstream (run as its own process): OpenAI Chat Completions on POST /v1/chat/completions and
 * Anthropic Messages on POST /v1/messages, JSON or SSE by the body's `stream` flag. Responses are
 * precomputed (mock-responses.mjs); fast streams send one event per event-loop turn. A model name containing "slow" gets a slow stream: the opening
 * events at once, then one content event per `--slow-interval-ms` for `--slow-chunks` events, all
 * driven by a single shared timer so 1,000 open streams cost the mock almost nothing. A model name
 * containing "fail503" gets an OpenAI-shaped 503 at once (the failover row's primary).
 *
 * Prints one JSON line `{"ready":true,"port":N}` on stdout when listening on 127.0.0.1.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import {
  ANTHROPIC_JSON,
  ANTHROPIC_SSE,
  OPENAI_JSON,
  OPENAI_SSE_BODY,
  OPENAI_SSE_DONE,
  OPENAI_SSE_USAGE,
} from './mock-responses.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'slow-interval-ms': { type: 'string', default: '100' },
    'slow-chunks': { type: 'string', default: '40' },
  },
});
const slowIntervalMs = Number(values['slow-interval-ms']);
const slowChunks = Number(values['slow-chunks']);

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const OPENAI_JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(OPENAI_JSON.length), 'x-request-id': 'req_mock_openai' };
const ANTHROPIC_JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(ANTHROPIC_JSON.length), 'request-id': 'req_mock_anthropic' };

const STREAM_FLAG = /"stream"\s*:\s*true/;
const INCLUDE_USAGE = /"include_usage"\s*:\s*true/;
const SLOW_MODEL = /"model"\s*:\s*"[^"]*slow/;
const FAILING_MODEL = /"model"\s*:\s*"[^"]*fail503/;
const OPENAI_503 = Buffer.from('{"error":{"message":"The engine is currently overloaded, please try again later.","type":"server_error","param":null,"code":null}}');
const OPENAI_503_HEADERS = { 'content-type': 'application/json', 'content-length': String(OPENAI_503.length), 'x-request-id': 'req_mock_503' };

/** Slow streams in flight; one timer advances all of them. */
const slow = new Set();
setInterval(() => {
  for (const stream of slow) {
    if (stream.res.destroyed) {
      slow.delete(stream);
      continue;
    }
    if (stream.sent < slowChunks) {
      stream.res.write(stream.content[stream.sent % stream.content.length]);
      stream.sent++;
    } else {
      for (const tail of stream.tail) stream.res.write(tail);
      stream.res.end();
      slow.delete(stream);
    }
  }
}, slowIntervalMs).unref();

/**
 * A fast stream: one event per event-loop turn (setImmediate), so events leave as separate writes
 * the way a real upstream's tokens do, instead of one coalesced buffer the gateway parses at once.
 */
function writePaced(res, buffers) {
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    res.write(buffers[i++]);
    if (i < buffers.length) setImmediate(next);
    else res.end();
  };
  next();
}

function answerOpenAI(res, body) {
  if (FAILING_MODEL.test(body)) {
    res.writeHead(503, OPENAI_503_HEADERS);
    res.end(OPENAI_503);
    return;
  }
  if (!STREAM_FLAG.test(body)) {
    res.writeHead(200, OPENAI_JSON_HEADERS);
    res.end(OPENAI_JSON);
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': 'req_mock_openai' });
  const usage = INCLUDE_USAGE.test(body);
  if (SLOW_MODEL.test(body)) {
    res.write(OPENAI_SSE_BODY[0]);
    const tail = [OPENAI_SSE_BODY[OPENAI_SSE_BODY.length - 1], ...(usage ? [OPENAI_SSE_USAGE] : []), OPENAI_SSE_DONE];
    slow.add({ res, sent: 0, content: OPENAI_SSE_BODY.slice(1, -1), tail });
    return;
  }
  writePaced(res, usage ? [...OPENAI_SSE_BODY, OPENAI_SSE_USAGE, OPENAI_SSE_DONE] : [...OPENAI_SSE_BODY, OPENAI_SSE_DONE]);
}

function answerAnthropic(res, body) {
  if (!STREAM_FLAG.test(body)) {
    res.writeHead(200, ANTHROPIC_JSON_HEADERS);
    res.end(ANTHROPIC_JSON);
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, 'request-id': 'req_mock_anthropic' });
  if (SLOW_MODEL.test(body)) {
    // message_start, content_block_start, ping at once; deltas paced; stop events at the end.
    for (const head of ANTHROPIC_SSE.slice(0, 3)) res.write(head);
    slow.add({ res, sent: 0, content: ANTHROPIC_SSE.slice(3, -3), tail: ANTHROPIC_SSE.slice(-3) });
    return;
  }
  writePaced(res, ANTHROPIC_SSE);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0].toString('latin1') : Buffer.concat(chunks).toString('latin1');
    const path = req.url.split('?')[0];
    if (req.method === 'POST' && path.endsWith('/chat/completions')) return answerOpenAI(res, body);
    if (req.method === 'POST' && path === '/v1/messages') return answerAnthropic(res, body);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"mock: no such route","type":"invalid_request_error","param":null,"code":null}}');
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
