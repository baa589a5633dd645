import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { sampleFromSchema } from '../../src/providers/simulated/schema-sample.js';
import { fixturePath } from '../helpers/fixtures.js';

/**
 * A mock of the Bedrock Runtime Converse API speaking the real wire format, for adapter and
 * end-to-end tests: POST /model/{modelId}/converse (JSON) and /converse-stream
 * (`application/vnd.amazon.eventstream`, binary frames encoded by @smithy/eventstream-codec with
 * `:event-type`, `:content-type`, `:message-type` headers and a `p` padding field in every payload,
 * written in small TCP writes that cut frames apart and join them).
 *
 * Authorization is checked like the real front door: `Authorization: Bearer <options.apiKey>`, or a
 * SigV4 signature (signing name `bedrock`) that the mock recomputes with SignatureV4 for
 * `options.credentials`; a wrong signature is 403 InvalidSignatureException, an unknown key or
 * session token 403 UnrecognizedClientException.
 *
 * Behaviour by the (URL-decoded) model id:
 * - `fixture:<name>`: replays `bedrock/recorded-vercel-ai/<name>.json` (converse) or `<name>.chunks.txt`
 *   (each `{"<eventType>": payload}` line re-encoded as one frame), or `bedrock/synthetic/<name>.eventstream.bin` raw;
 * - `error:<ExceptionName>`: that error with its status, `x-amzn-ErrorType` and `{"message"}`;
 * - `stream-exception:<camelCaseType>`: a stream that starts, then fails with that exception frame;
 * - `stream-error-frame`: a stream that starts, then sends a `:message-type: error` frame;
 * - `truncated`: a stream that stops after some text, without messageStop;
 * - `exception-after-start:<camelCaseType>`: messageStart, then that exception frame (no content); non-stream: 503;
 * - `bad-crc`: messageStart, then a frame whose message CRC is corrupted; non-stream: a 200 body that is not JSON;
 * - `slow-headers` / `slow-body`: wait `slowMs` before the headers / after the first frame;
 * - anything else: a deterministic generative echo. Offered tools are called (the forced one, else
 *   the first, two in parallel when there are several and no specific tool is forced) unless the last
 *   user turn carries tool results; otherwise the text is `Echo: <last user text>` plus
 *   ` [images: N]` and ` Tool result: <text>`. `thinking` in additionalModelRequestFields adds a
 *   reasoning block with a signature; maxTokens and stopSequences are honoured. Streams follow the
 *   real order: messageStart, blocks, messageStop, then metadata (the only place with usage).
 */

export interface BedrockMockOptions {
  /** Accepted bearer token (Bedrock API key). */
  apiKey?: string;
  /** Accepted SigV4 credentials. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Region the signature must be scoped to (default us-east-1). */
  region?: string;
  /** Delay of `slow-headers` / `slow-body`, in ms (default 2000). */
  slowMs?: number;
  /** Bytes per TCP write when streaming (default 29: frames are cut apart and joined). */
  writeSize?: number;
}

export interface RecordedBedrockRequest {
  method: string;
  /** The raw request path, model id still percent-encoded. */
  path: string;
  /** The decoded model id. */
  modelId: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (the raw text when it was not JSON). */
  body: unknown;
}

export interface BedrockMock {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: RecordedBedrockRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** HTTP status of each error shape (service model, plus the front-door ones). */
export const BEDROCK_ERROR_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PADDING = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
let frameCounter = 0;

/** One ConverseStream event frame; the payload gets a `p` padding string like the real service. */
export function encodeBedrockEventFrame(eventType: string, payload: Json): Uint8Array {
  frameCounter = (frameCounter + 1) % PADDING.length;
  const body = { ...payload, p: PADDING.slice(0, 1 + frameCounter) };
  return encodeFrame({ ':event-type': str(eventType), ':content-type': str('application/json'), ':message-type': str('event') }, body);
}

/** One in-stream exception frame (`:exception-type` in camelCase, e.g. throttlingException). */
export function encodeBedrockExceptionFrame(exceptionType: string, payload: Json): Uint8Array {
  return encodeFrame({ ':exception-type': str(exceptionType), ':content-type': str('application/json'), ':message-type': str('exception') }, payload);
}

/** One unmodeled error frame. */
export function encodeBedrockErrorFrame(errorCode: string, errorMessage: string): Uint8Array {
  return codec.encode({
    headers: { ':error-code': str(errorCode), ':error-message': str(errorMessage), ':message-type': str('error') },
    body: new Uint8Array(0),
  });
}

/** Re-encodes a vercel `*.chunks.txt` recording (`{"<eventType>": payload}` per line) as frames. */
export function chunksToFrames(chunksText: string): Uint8Array[] {
  return chunksText
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const event = JSON.parse(line) as Json;
      const [eventType] = Object.keys(event);
      return encodeBedrockEventFrame(eventType, event[eventType] as Json);
    });
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

export async function startBedrockMock(options: BedrockMockOptions = {}): Promise<BedrockMock> {
  const requests: RecordedBedrockRequest[] = [];
  const region = options.region ?? 'us-east-1';
  const slowMs = options.slowMs ?? 2000;
  const writeSize = options.writeSize ?? 29;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 'InternalServerException', String(error));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const rawPath = (req.url ?? '/').split('?')[0];
    const match = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(rawPath);
    const modelId = match ? safeDecode(match[1]) : '';
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // keep the text
    }
    requests.push({ method: req.method ?? '', path: req.url ?? '', modelId, headers: req.headers, body });

    const authFailure = await checkAuth(req, rawPath, raw);
    if (authFailure) return sendError(res, authFailure.type, authFailure.message);
    if (req.method !== 'POST' || !match) return sendError(res, 'ResourceNotFoundException', `No route for ${req.method} ${rawPath}.`);
    if (typeof body !== 'object' || body === null) return sendError(res, 'ValidationException', 'The request body is not valid JSON.');
    const stream = match[2] === 'converse-stream';
    const request = body as Json;

    if (modelId.startsWith('error:')) {
      const type = modelId.slice('error:'.length);
      return sendError(res, type, `Mock ${type}.`);
    }
    if (modelId.startsWith('fixture:')) return replayFixture(res, modelId.slice('fixture:'.length), stream);
    if (modelId === 'slow-headers') {
      if (!(await sleep(slowMs, res))) return;
    }
    const answer = generate(request);
    if (!stream && modelId.startsWith('exception-after-start:')) return sendError(res, 'ServiceUnavailableException', 'Mock service unavailable.');
    if (!stream && modelId === 'bad-crc') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"output": {"message": ');
      return;
    }
    if (!stream) return sendJson(res, 200, answer.response);

    let frames = answer.frames;
    if (modelId.startsWith('stream-exception:')) {
      frames = [...frames.slice(0, 2), encodeBedrockExceptionFrame(modelId.slice('stream-exception:'.length), { message: 'Mock in-stream exception.' })];
    } else if (modelId === 'stream-error-frame') {
      frames = [...frames.slice(0, 2), encodeBedrockErrorFrame('InternalFailure', 'Mock error frame.')];
    } else if (modelId.startsWith('exception-after-start:')) {
      frames = [frames[0], encodeBedrockExceptionFrame(modelId.slice('exception-after-start:'.length), { message: 'Mock in-stream exception.' })];
    } else if (modelId === 'bad-crc') {
      const corrupt = Buffer.from(frames[1]);
      corrupt[corrupt.length - 1] ^= 0xff;
      frames = [frames[0], corrupt];
    } else if (modelId === 'truncated') {
      frames = frames.slice(0, 3);
    }
    startEventStream(res);
    if (modelId === 'slow-body') {
      if (!(await writeInPieces(res, frames[0]))) return;
      if (!(await sleep(slowMs, res))) return;
      frames = frames.slice(1);
    }
    if (await writeInPieces(res, concatBytes(frames))) res.end();
  }

  async function checkAuth(req: IncomingMessage, rawPath: string, raw: string): Promise<{ type: string; message: string } | undefined> {
    if (options.apiKey === undefined && options.credentials === undefined) return undefined;
    const authorization = req.headers.authorization ?? '';
    if (authorization.startsWith('Bearer ')) {
      return options.apiKey !== undefined && authorization.slice('Bearer '.length) === options.apiKey
        ? undefined
        : { type: 'UnrecognizedClientException', message: 'Invalid API Key format: Must start with pre-defined prefix' };
    }
    if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
      return { type: 'UnrecognizedClientException', message: 'Authorization header requires a Credential and Signature.' };
    }
    const credentials = options.credentials;
    const parsed = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(authorization);
    if (!parsed) return { type: 'IncompleteSignatureException', message: 'Authorization header is malformed.' };
    const [, accessKeyId, , scopeRegion, service, signedHeaders, signature] = parsed;
    if (!credentials || accessKeyId !== credentials.accessKeyId) {
      return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    }
    if (credentials.sessionToken !== undefined && req.headers['x-amz-security-token'] !== credentials.sessionToken) {
      return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    }
    if (service !== 'bedrock' || scopeRegion !== region) {
      return { type: 'InvalidSignatureException', message: `Credential should be scoped to correct service: 'bedrock' in region '${region}'.` };
    }
    const expected = await recomputeSignature(req, rawPath, raw, signedHeaders.split(';'), credentials);
    return expected === signature
      ? undefined
      : {
          type: 'InvalidSignatureException',
          message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        };
  }

  async function recomputeSignature(
    req: IncomingMessage,
    rawPath: string,
    raw: string,
    signedHeaders: string[],
    credentials: NonNullable<BedrockMockOptions['credentials']>,
  ): Promise<string> {
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = req.headers[name];
      headers[name] = Array.isArray(value) ? value.join(',') : (value ?? '');
    }
    const amzDate = headers['x-amz-date'] ?? '';
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    const signingDate = date ? new Date(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`) : new Date(0);
    const host = (req.headers.host ?? '').split(':');
    const signer = new SignatureV4({ service: 'bedrock', region, credentials, sha256: Sha256, applyChecksum: false });
    const request = new HttpRequest({ method: req.method, protocol: 'http:', hostname: host[0], path: rawPath, headers, body: raw });
    // Only the listed headers are signed; SignatureV4 re-adds x-amz-date / the token with the same values.
    const signed = await signer.sign(request, { signingDate, signableHeaders: new Set(signedHeaders) });
    return /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  }

  function replayFixture(res: ServerResponse, name: string, stream: boolean): void | Promise<void> {
    const recorded = `bedrock/recorded-vercel-ai/${name}`;
    if (!stream) {
      const path = fixturePath(`${recorded}.json`);
      if (!existsSync(path)) return sendError(res, 'ResourceNotFoundException', `No fixture ${recorded}.json.`);
      return sendJson(res, 200, JSON.parse(readFileSync(path, 'utf8')));
    }
    const chunks = fixturePath(`${recorded}.chunks.txt`);
    const binary = fixturePath(`bedrock/synthetic/${name}.eventstream.bin`);
    let bytes: Uint8Array;
    if (existsSync(chunks)) bytes = concatBytes(chunksToFrames(readFileSync(chunks, 'utf8')));
    else if (existsSync(binary)) bytes = readFileSync(binary);
    else return sendError(res, 'ResourceNotFoundException', `No stream fixture ${name}.`);
    startEventStream(res);
    return writeInPieces(res, bytes).then((ok) => {
      if (ok) res.end();
    });
  }

  async function writeInPieces(res: ServerResponse, bytes: Uint8Array): Promise<boolean> {
    for (let offset = 0; offset < bytes.byteLength; offset += writeSize) {
      if (res.destroyed) return false;
      res.write(bytes.subarray(offset, Math.min(bytes.byteLength, offset + writeSize)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return !res.destroyed;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface GeneratedAnswer {
  response: Json;
  frames: Uint8Array[];
}

/** The deterministic generative echo, as a Converse body and as ConverseStream frames. */
function generate(request: Json): GeneratedAnswer {
  const messages = Array.isArray(request.messages) ? (request.messages as Json[]) : [];
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const lastContent = Array.isArray(lastUser?.content) ? (lastUser.content as Json[]) : [];
  const inference = record(request.inferenceConfig);
  const toolConfig = record(request.toolConfig);
  const tools = (Array.isArray(toolConfig?.tools) ? (toolConfig.tools as Json[]) : []).map((t) => record(t.toolSpec) ?? {});
  const choice = record(toolConfig?.toolChoice);
  const toolResults = lastContent.filter((b) => b.toolResult !== undefined);

  const content: Json[] = [];
  const thinking = record(record(request.additionalModelRequestFields)?.thinking);
  let stopReason = 'end_turn';
  let outputText = '';

  const callTools = tools.length > 0 && (choice?.any !== undefined || choice?.tool !== undefined || toolResults.length === 0);
  if (callTools) {
    const forced = record(choice?.tool)?.name;
    const chosen = typeof forced === 'string' ? tools.filter((t) => t.name === forced) : tools.slice(0, tools.length >= 2 ? 2 : 1);
    if (thinking?.type === 'enabled') content.push(reasoningBlock(`The user wants ${chosen.map((t) => String(t.name)).join(' and ')}.`));
    chosen.forEach((tool, i) => {
      const input = sampleFromSchema(record(tool.inputSchema)?.json ?? { type: 'object' });
      content.push({ toolUse: { toolUseId: `tooluse_mock_${i + 1}`, name: tool.name, input } });
      outputText += JSON.stringify(input);
    });
    stopReason = 'tool_use';
  } else {
    const userText = lastContent
      .map((b) => b.text)
      .filter((t): t is string => typeof t === 'string')
      .join(' ');
    const images = lastContent.filter((b) => b.image !== undefined).length;
    const pieces: string[] = [];
    if (userText !== '' || toolResults.length === 0) pieces.push(`Echo: ${userText}`);
    if (images > 0) pieces.push(`[images: ${images}]`);
    for (const block of toolResults) {
      const result = record(block.toolResult);
      const text = (Array.isArray(result?.content) ? (result.content as Json[]) : []).map((c) => c.text).filter((t) => typeof t === 'string').join(' ');
      pieces.push(`Tool result: ${text}`);
    }
    let text = pieces.join(' ');
    const stops = Array.isArray(inference?.stopSequences) ? (inference.stopSequences as string[]) : [];
    const stopAt = stops.map((s) => ({ s, at: text.indexOf(s) })).filter((x) => x.at >= 0).sort((a, b) => a.at - b.at)[0];
    if (stopAt) {
      text = text.slice(0, stopAt.at);
      stopReason = 'stop_sequence';
    }
    const maxTokens = typeof inference?.maxTokens === 'number' ? inference.maxTokens : undefined;
    // the limit is counted the way usage is reported (ceil(chars / 4)), as a real model would
    if (maxTokens !== undefined && Math.ceil(text.length / 4) > maxTokens) {
      text = text.slice(0, maxTokens * 4);
      stopReason = 'max_tokens';
    }
    if (thinking?.type === 'enabled') content.push(reasoningBlock(`The user said: ${userText}`));
    content.push({ text });
    outputText += text;
  }

  const hasCachePoint = JSON.stringify([request.system, messages]).includes('"cachePoint"');
  const inputTokens = Math.ceil(JSON.stringify([request.system ?? [], messages]).length / 4);
  const outputTokens = Math.max(1, Math.ceil(outputText.length / 4));
  const usage: Json = {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens + (hasCachePoint ? 8 : 0),
    ...(hasCachePoint ? { cacheReadInputTokens: 0, cacheWriteInputTokens: 8 } : {}),
  };
  const response: Json = {
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage,
    metrics: { latencyMs: 42 },
  };
  return { response, frames: streamFrames(content, stopReason, usage) };
}

function reasoningBlock(text: string): Json {
  return { reasoningContent: { reasoningText: { text, signature: `mock-signature-${Buffer.from(text).toString('base64').slice(0, 16)}` } } };
}

/** The real event order: messageStart, blocks (toolUse with a start event), messageStop, metadata. */
function streamFrames(content: Json[], stopReason: string, usage: Json): Uint8Array[] {
  const frames: Uint8Array[] = [encodeBedrockEventFrame('messageStart', { role: 'assistant' })];
  content.forEach((block, contentBlockIndex) => {
    const delta = (d: Json) => frames.push(encodeBedrockEventFrame('contentBlockDelta', { contentBlockIndex, delta: d }));
    if (typeof block.text === 'string') {
      for (const piece of splitWords(block.text)) delta({ text: piece });
    }
    const reasoning = record(record(block.reasoningContent)?.reasoningText);
    if (reasoning) {
      for (const piece of splitWords(String(reasoning.text))) delta({ reasoningContent: { text: piece } });
      delta({ reasoningContent: { signature: reasoning.signature } });
    }
    const toolUse = record(block.toolUse);
    if (toolUse) {
      frames.push(encodeBedrockEventFrame('contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId: toolUse.toolUseId, name: toolUse.name } } }));
      const json = JSON.stringify(toolUse.input);
      const half = Math.ceil(json.length / 2);
      delta({ toolUse: { input: json.slice(0, half) } });
      delta({ toolUse: { input: json.slice(half) } });
    }
    frames.push(encodeBedrockEventFrame('contentBlockStop', { contentBlockIndex }));
  });
  frames.push(encodeBedrockEventFrame('messageStop', { stopReason }));
  frames.push(encodeBedrockEventFrame('metadata', { usage, metrics: { latencyMs: 42 } }));
  return frames;
}

function splitWords(text: string): string[] {
  const pieces = text.match(/\S*\s*/g)?.filter((p) => p !== '') ?? [];
  return pieces.length > 0 ? pieces : [text];
}

function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
  res.flushHeaders();
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID(), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, type: string, message: string): void {
  const status = BEDROCK_ERROR_STATUS[type] ?? 400;
  const namespace = type.endsWith('ClientException') || type.includes('Signature') ? 'com.amazon.coral.service' : 'com.amazon.bedrock';
  sendJson(res, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/${namespace}/` });
}

function encodeFrame(headers: MessageHeaders, payload: Json): Uint8Array {
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

function str(value: string): { type: 'string'; value: string } {
  return { type: 'string', value };
}

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Waits `ms` unless the client goes away first; resolves false when it did. */
function sleep(ms: number, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    res.once('close', onClose);
  });
}
