import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { anthropicMessagesDialect } from '../../src/dialects/anthropic-messages/index.js';
import { openaiChatDialect } from '../../src/dialects/openai-chat/index.js';
import type { ProviderCredentials } from '../../src/providers/credentials.js';
import type { CallContext, ProviderAdapter } from '../../src/providers/provider.js';
import { createProviders } from '../../src/providers/registry.js';
import { closeUpstreamAgents } from '../../src/providers/shared/upstream-http.js';
import type { ChatRequest } from '../../src/spec/chat-request.js';
import type { ChatStreamPart } from '../../src/spec/chat-stream-part.js';
import { GatewayError } from '../../src/spec/errors.js';
import { clearRegisteredSecrets } from '../../src/spec/redact-secrets.js';
import { encodeBedrockErrorFrame, encodeBedrockEventFrame, encodeBedrockExceptionFrame } from '../mock-upstreams/bedrock-mock.js';

/**
 * Canary secrets: every provider type is configured with credentials nobody else uses, the mock
 * upstream answers errors that echo the request headers and every canary back, and no canary (nor a
 * 10-character piece of one) may reach a GatewayError message or a rendered client error of either
 * dialect, while the upstream's useful words ("Invalid model") must survive.
 */

const alnum = (n: number) => randomBytes(n * 2).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, n);
const upper = (n: number) => alnum(n * 3).toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, n);

const CANARY = {
  openai: `cnryOpenAI${alnum(30)}`,
  compat: `cnryCompat${alnum(30)}`,
  compatHeader: `cnryEntra${alnum(40)}`,
  azure: `cnryAzure${alnum(24)}`,
  anthropic: `cnryAnthropic${alnum(30)}`,
  awsKeyId: `ASIA${upper(16)}`,
  awsSecret: `cnry/Secret+${alnum(28)}/x`,
  awsSession: `IQoJcnrySession/${alnum(120)}+${alnum(60)}==`,
  bedrockBearer: `cnryBedrockKey${alnum(40)}`,
  master: `cnryMaster${alnum(24)}`,
  clientKey: `cnryClient${alnum(24)}`,
};
const CANARIES = Object.values(CANARY);

/**
 * Credentials a team brings with its calls (CallContext.credentials): never configured, registered only
 * when used; no 10-character piece in common with the configured canaries.
 */
const TEAM_CANARY = {
  openai: `tmcyOai${alnum(30)}`,
  compat: `tmcyCmp${alnum(30)}`,
  azure: `tmcyAzr${alnum(24)}`,
  anthropic: `tmcyAnt${alnum(30)}`,
  awsKeyId: `ASIA${upper(16)}`,
  awsSecret: `tmcy/Sec+${alnum(28)}/x`,
  awsSession: `IQoJtmcySess/${alnum(120)}+${alnum(60)}==`,
  bedrockBearer: `tmcyBrk${alnum(40)}`,
};
const TEAM_CANARIES = Object.values(TEAM_CANARY);
const TEAM_CREDENTIALS: Record<string, { credentials: ProviderCredentials; canaries: string[] }> = {
  openai: { credentials: { kind: 'api-key', apiKey: TEAM_CANARY.openai }, canaries: [TEAM_CANARY.openai] },
  compat: { credentials: { kind: 'bearer', token: TEAM_CANARY.compat }, canaries: [TEAM_CANARY.compat] },
  azure: { credentials: { kind: 'api-key', apiKey: TEAM_CANARY.azure }, canaries: [TEAM_CANARY.azure] },
  anthropic: { credentials: { kind: 'api-key', apiKey: TEAM_CANARY.anthropic }, canaries: [TEAM_CANARY.anthropic] },
  'bedrock-sigv4': {
    credentials: { kind: 'aws', accessKeyId: TEAM_CANARY.awsKeyId, secretAccessKey: TEAM_CANARY.awsSecret, sessionToken: TEAM_CANARY.awsSession },
    canaries: [TEAM_CANARY.awsKeyId, TEAM_CANARY.awsSecret, TEAM_CANARY.awsSession],
  },
  'bedrock-bearer': { credentials: { kind: 'bearer', token: TEAM_CANARY.bedrockBearer }, canaries: [TEAM_CANARY.bedrockBearer] },
};

let server: Server;
let origin: string;
let closedOrigin: string;
let providers: Map<string, ProviderAdapter>;
/** The headers of the last request the echoing upstream got. */
let lastHeaders: IncomingMessage['headers'] = {};

beforeAll(async () => {
  clearRegisteredSecrets();
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  closedOrigin = `http://127.0.0.1:${await closedPort()}`;
  providers = createProviders(resolveConfig(configSchema.parse(config(origin)), {}));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await closeUpstreamAgents();
  clearRegisteredSecrets();
});

function config(base: string): ConfigInput {
  return {
    auth: { masterKey: CANARY.master, keys: [{ key: CANARY.clientKey, name: 'client' }] },
    providers: {
      openai: { type: 'openai', apiKey: CANARY.openai, baseUrl: `${base}/v1` },
      compat: { type: 'openai-compatible', baseUrl: `${base}/compat`, apiKey: CANARY.compat, headers: { 'X-Upstream-Token': CANARY.compatHeader } },
      azure: { type: 'openai-compatible', baseUrl: base, apiKey: CANARY.azure, azure: { apiVersion: '2024-10-21' } },
      anthropic: { type: 'anthropic', apiKey: CANARY.anthropic, baseUrl: base },
      'bedrock-sigv4': { type: 'bedrock', region: 'us-east-1', baseUrl: base, accessKeyId: CANARY.awsKeyId, secretAccessKey: CANARY.awsSecret, sessionToken: CANARY.awsSession },
      'bedrock-bearer': { type: 'bedrock', region: 'us-east-1', baseUrl: base, apiKey: CANARY.bedrockBearer },
      refused: { type: 'openai', apiKey: CANARY.openai, baseUrl: `${closedOrigin}/v1` },
    },
    models: [{ id: 'm', provider: 'openai' }],
  };
}

// ---------------------------------------------------------------- the echoing upstream

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  lastHeaders = req.headers;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const body = (text ? JSON.parse(text) : {}) as { model?: string };
  const path = req.url ?? '/';
  const bedrock = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
  const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions/.exec(path);
  const family = bedrock ? 'bedrock' : path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
  const model = bedrock ? decodeURIComponent(bedrock[1]) : azure ? decodeURIComponent(azure[1]) : (body.model ?? '');
  const echo = echoText(req, model);

  const [behaviour, statusText] = model.split('-');
  const status = Number(statusText);
  if (behaviour === 'json') return sendJsonError(res, family, status, echo, req);
  if (behaviour === 'plain') {
    res.writeHead(status, { 'content-type': 'text/plain' });
    return void res.end(`<html><body><h1>Error</h1><pre>${echo}</pre></body></html>`);
  }
  if (behaviour === 'stream') return sendStreamError(res, family, echo, statusText);
  res.writeHead(500).end('unknown behaviour');
}

/** What a careless upstream puts in an error: the headers it got, and every canary for good measure. */
function echoText(req: IncomingMessage, model: string): string {
  const headers = req.headers;
  return [
    `Invalid model '${model}'.`,
    `Authorization: ${headers.authorization ?? ''}`,
    `x-api-key: ${headers['x-api-key'] ?? ''}`,
    `api-key: ${headers['api-key'] ?? ''}`,
    `X-Amz-Security-Token=${headers['x-amz-security-token'] ?? ''}`,
    `request headers ${JSON.stringify(headers)}`,
    `known values: ${CANARIES.join(' ')}`,
    `escaped: ${JSON.stringify(CANARIES)} ${CANARIES.map(encodeURIComponent).join('&')}`,
    `team values: ${TEAM_CANARIES.join(' ')} ${JSON.stringify(TEAM_CANARIES)} ${TEAM_CANARIES.map(encodeURIComponent).join('&')}`,
  ].join('\n');
}

function sendJsonError(res: ServerResponse, family: string, status: number, echo: string, req: IncomingMessage): void {
  if (family === 'openai') {
    const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_canary' });
    return void res.end(JSON.stringify({ error: { message: echo, type, param: String(req.headers.authorization ?? req.headers['api-key']), code: null } }));
  }
  if (family === 'anthropic') {
    const type = { 400: 'invalid_request_error', 401: 'authentication_error', 429: 'rate_limit_error' }[status] ?? 'api_error';
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_canary' });
    return void res.end(JSON.stringify({ type: 'error', error: { type, message: echo }, request_id: 'req_canary' }));
  }
  const type = { 400: 'ValidationException', 401: 'UnrecognizedClientException', 429: 'ThrottlingException' }[status] ?? 'InternalServerException';
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'req-canary' });
  res.end(JSON.stringify({ message: echo }));
}

function sendStreamError(res: ServerResponse, family: string, echo: string, variant: string | undefined): void {
  if (family === 'openai') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    return void res.end(`data: ${JSON.stringify({ error: { message: echo, type: 'server_error', param: null, code: null } })}\n\n`);
  }
  if (family === 'anthropic') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
    res.write(`event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message })}\n\n`);
    return void res.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: echo } })}\n\n`);
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-canary' });
  res.write(encodeBedrockEventFrame('messageStart', { role: 'assistant' }));
  res.end(variant === 'frame' ? encodeBedrockErrorFrame('InternalFailure', echo) : encodeBedrockExceptionFrame(variant ?? 'throttlingException', { message: echo }));
}

async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// ---------------------------------------------------------------- calls and checks

function context(upstreamModel: string, credentials?: ProviderCredentials): CallContext {
  return {
    upstreamModel,
    signal: new AbortController().signal,
    timeouts: { connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 10_000 },
    model: { reasoning: false, tools: true, images: false, json: true, remoteImages: false },
    ...(credentials ? { credentials } : {}),
  };
}

const REQUEST: ChatRequest = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }], stream: false, maxTokens: 16 };

async function failure(provider: string, upstreamModel: string, stream: boolean, credentials?: ProviderCredentials): Promise<GatewayError> {
  const adapter = providers.get(provider);
  if (!adapter) throw new Error(`no provider ${provider}`);
  try {
    if (!stream) {
      await adapter.chat(REQUEST, context(upstreamModel, credentials));
    } else {
      const { stream: parts } = await adapter.chatStream({ ...REQUEST, stream: true }, context(upstreamModel, credentials));
      let last: ChatStreamPart | undefined;
      for await (const part of parts) last = part;
      if (last?.type === 'error') return last.error;
    }
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error(`${provider}/${upstreamModel} did not fail`);
}

/** Everything a client could see of an error: both dialects, as a response and as a stream event. */
function renderings(error: GatewayError): string[] {
  return [
    JSON.stringify(openaiChatDialect.encodeError(error)),
    openaiChatDialect.encodeStreamError(error),
    JSON.stringify(anthropicMessagesDialect.encodeError(error)),
    anthropicMessagesDialect.encodeStreamError(error),
  ];
}

/** No canary, and no 10-character piece of one (a cut secret is still a leak). */
function expectNoCanary(text: string, canaries: readonly string[] = CANARIES): void {
  for (const canary of canaries) {
    for (let i = 0; i + 10 <= canary.length; i++) {
      const piece = canary.slice(i, i + 10);
      if (text.includes(piece)) throw new Error(`canary piece ${piece} of ${canary} leaked in:\n${text.slice(0, 2000)}`);
    }
  }
}

function expectScrubbed(error: GatewayError, canaries: readonly string[] = CANARIES): void {
  expectNoCanary(error.message, canaries);
  expectNoCanary(JSON.stringify({ param: error.param, upstreamRequestId: error.upstreamRequestId, upstreamType: error.upstreamType }), canaries);
  for (const rendered of renderings(error)) {
    expectNoCanary(rendered, canaries);
    expect(rendered).toContain('Invalid model');
  }
  expect(error.message).toContain('Invalid model');
}

const HTTP_PROVIDERS = ['openai', 'compat', 'azure', 'anthropic', 'bedrock-sigv4', 'bedrock-bearer'];

describe('credentials never reach the client through upstream errors', () => {
  describe.each(HTTP_PROVIDERS)('%s', (provider) => {
    it.each([400, 401, 429, 500])('HTTP %i with a JSON error body echoing the request', async (status) => {
      for (const stream of [false, true]) {
        const error = await failure(provider, `json-${status}`, stream);
        expect(error.upstreamStatus).toBe(status);
        expectScrubbed(error);
      }
    });

    it.each([400, 401, 429, 500])('HTTP %i with an HTML error page echoing the request', async (status) => {
      const error = await failure(provider, `plain-${status}`, false);
      expect(error.upstreamStatus).toBe(status);
      expectNoCanary(error.message);
      for (const rendered of renderings(error)) expectNoCanary(rendered);
      // The page is cut to an excerpt; its first words survive.
      expect(error.message).toContain('Invalid model');
    });
  });

  it.each(['openai', 'compat', 'azure', 'anthropic', 'bedrock-sigv4', 'bedrock-bearer'])('%s: an error inside the stream', async (provider) => {
    const error = await failure(provider, 'stream-modelStreamErrorException', true);
    expectScrubbed(error);
  });

  it.each(['bedrock-sigv4', 'bedrock-bearer'])('%s: in-stream throttling exception and unmodeled error frame', async (provider) => {
    for (const model of ['stream-throttlingException', 'stream-frame']) {
      const error = await failure(provider, model, true);
      expectScrubbed(error);
    }
  });

  it('the echo really carried the canaries (the mock is not toothless)', async () => {
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CANARY.openai}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'json-400' }),
    });
    const text = await response.text();
    for (const canary of [CANARY.openai, CANARY.master, CANARY.awsSession]) expect(text).toContain(canary);
  });

  it('a refused connection names the provider and the error code, not the upstream address', async () => {
    const port = new URL(closedOrigin).port;
    for (const stream of [false, true]) {
      const error = await failure('refused', 'gpt-x', stream);
      expect(error.code).toBe('SWY_ERR_UPSTREAM_UNREACHABLE');
      expect(error.message).toContain('refused');
      expect(error.message).toContain('ECONNREFUSED');
      for (const text of [error.message, ...renderings(error)]) {
        expect(text).not.toContain('127.0.0.1');
        expect(text).not.toContain(`:${port}`);
        expectNoCanary(text);
      }
    }
  });
});

describe('credentials a call brings (a team key) never reach the client either', () => {
  describe.each(HTTP_PROVIDERS)('%s', (provider) => {
    const team = TEAM_CREDENTIALS[provider];

    it('were sent upstream instead of the configured ones', async () => {
      await failure(provider, 'json-401', false, team.credentials);
      const sent = JSON.stringify(lastHeaders);
      expect(sent).toContain(team.canaries.at(-1)!);
      for (const configured of [CANARY.openai, CANARY.compat, CANARY.azure, CANARY.anthropic, CANARY.awsKeyId, CANARY.awsSession, CANARY.bedrockBearer]) {
        expect(sent).not.toContain(configured);
      }
    });

    it.each([400, 401, 500])('HTTP %i JSON and HTML errors echoing the request, stream and not', async (status) => {
      for (const stream of [false, true]) {
        const error = await failure(provider, `json-${status}`, stream, team.credentials);
        expect(error.upstreamStatus).toBe(status);
        expectScrubbed(error, [...team.canaries, ...CANARIES]);
      }
      const page = await failure(provider, `plain-${status}`, false, team.credentials);
      expectNoCanary(page.message, team.canaries);
      for (const rendered of renderings(page)) expectNoCanary(rendered, team.canaries);
    });

    it('an error inside the stream', async () => {
      expectScrubbed(await failure(provider, 'stream-modelStreamErrorException', true, team.credentials), [...team.canaries, ...CANARIES]);
    });
  });
});
