import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { DialectCodec } from '../dialects/dialect.js';
import { anthropicMessagesDialect } from '../dialects/anthropic-messages/index.js';
import { openaiChatDialect } from '../dialects/openai-chat/index.js';
import type { ProviderAdapter } from '../providers/provider.js';
import { GatewayError, shuttingDownError, toGatewayError } from '../spec/errors.js';
import { callerOfRequest, type Caller, type KeyRing } from '../tenancy/api-keys.js';
import { ChatPipeline } from './chat-pipeline.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RequestMeter } from './request-meter.js';
import type { HealthTracker } from '../routing/health/health-tracker.js';
import type { RetryBudget } from '../routing/health/retry-budget.js';
import { registerModelRoutes } from './routes/models.js';
import { registerCountTokensRoute } from './routes/count-tokens.js';
import { isAdminUrl, registerAdminRoutes, requireAdmin } from './routes/admin.js';
import { bodyTooLargeError, jsonBodyParser } from './parse-json-body.js';
import { fastChatHandler } from './fast-chat.js';
import { Lifecycle } from './lifecycle.js';
import { CancelController } from '../execution/request-signal.js';
import { Cancellation } from '../execution/cancellation.js';
import type { Authenticator } from '../tenancy/authenticator.js';
import type { Admission } from '../tenancy/admission.js';
import type { LearnedRouter } from '../routing/learned/learned-context.js';
import type { FeedbackEstimator } from '../routing/learned/feedback.js';
import type { AffinityStore } from '../routing/learned/cache-affinity.js';
import { registerFeedbackRoute } from './routes/feedback.js';
import { registerTenancyAdminRoutes, type TenancyAdminDeps } from './routes/admin-tenancy.js';

export interface AppDeps {
  config: ResolvedConfig;
  providers: ReadonlyMap<string, ProviderAdapter>;
  keyRing: KeyRing;
  meter: RequestMeter;
  health: HealthTracker;
  retryBudget: RetryBudget;
  /** Served at GET /metrics (Prometheus text format) when given. */
  metrics?: GatewayMetrics;
  /** Readiness: false while starting or draining. */
  isReady?: () => boolean;
  /** Open requests and the draining flag; one is made when not given. */
  lifecycle?: Lifecycle;
  /** ms clock shared with the health tracker (routing decisions, explain); Date.now by default. */
  clock?: () => number;
  logger?: boolean;
  /** Verifies admin and team keys through the store (the key ring alone when absent). */
  authenticator?: Authenticator;
  /** Team keys' allow-lists, rate limits and budgets. */
  admission?: Admission;
  /** The learned router (task-tier, quality-cost strategies). */
  learned?: LearnedRouter;
  /** Feedback on routed requests (POST /v1/feedback) and the online corrections it feeds. */
  feedback?: FeedbackEstimator;
  /** Prompt-cache affinity (routes with `cacheAffinity`): shared through Redis in a fleet; this replica's map when absent. */
  affinity?: AffinityStore;
  /** Teams, keys and spend under /admin (and /v1/spend for team keys). */
  tenancy?: TenancyAdminDeps;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyContextConfig {
    dialect?: DialectCodec['name'];
  }
}

const DIALECTS: Record<DialectCodec['name'], DialectCodec> = {
  'openai-chat': openaiChatDialect,
  'anthropic-messages': anthropicMessagesDialect,
};

/** The dialect an error on this request should be rendered in. */
export function dialectFor(request: FastifyRequest): DialectCodec {
  const configured = request.routeOptions?.config?.dialect;
  if (configured) return DIALECTS[configured];
  if (request.url.startsWith('/v1/messages') || request.headers['anthropic-version'] !== undefined) return anthropicMessagesDialect;
  return openaiChatDialect;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: GatewayError): void {
  const rendered = dialectFor(request).encodeError(error);
  if (reply.sent || reply.raw.headersSent) {
    if (!reply.raw.destroyed) reply.raw.end();
    return;
  }
  void reply
    .code(rendered.status)
    .headers(rendered.headers ?? {})
    .type('application/json')
    .send(JSON.stringify(rendered.body));
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const server = deps.config.server;
  const lifecycle = deps.lifecycle ?? new Lifecycle();
  const pipeline = new ChatPipeline({ config: deps.config, providers: deps.providers, meter: deps.meter, health: deps.health, retryBudget: deps.retryBudget, now: deps.clock, admission: deps.admission, learned: deps.learned, feedback: deps.feedback, affinity: deps.affinity, requestLog: deps.tenancy?.requestLog });

  /** A chat request once its caller and body are known: the Fastify route and the fast path (fast-chat.ts) both end here. */
  const serveChat = (dialect: DialectCodec, headers: IncomingHttpHeaders, res: ServerResponse, body: unknown, caller: Caller): Promise<void> => {
    const controller = new CancelController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Cancellation('client-closed'));
    });
    const requestId = newRequestId();
    const open = lifecycle.track(controller);
    let handled: Promise<void>;
    try {
      handled = pipeline.handle({
        dialect,
        body,
        caller,
        forwardHeaders: forwardHeaders(headers),
        qualityHeader: headers['x-switchyard-quality'],
        res,
        signal: controller.signal,
        requestId,
      });
    } catch (error) {
      handled = Promise.reject(error);
    }
    // One promise per request (not an async wrapper around the pipeline's): it settles when the
    // request is over and never rejects — an error has gone to the client in its dialect.
    return handled.then(
      () => lifecycle.untrack(open),
      (error: unknown) => {
        try {
          writeHijackedError(res, dialect, toGatewayError(error), requestId);
        } catch {
          res.destroy();
        } finally {
          lifecycle.untrack(open);
        }
      },
    );
  };
  // POST /v1/chat/completions and /v1/messages are served on node:http directly (fast-chat.ts); the rest by Fastify.
  const fastChat = fastChatHandler({
    lifecycle,
    verify: (key) => (deps.authenticator ? deps.authenticator.verify(key) : deps.keyRing.verify(key)),
    bodyLimitBytes: server.bodyLimitBytes,
    maxJsonDepth: server.maxJsonDepth,
    serve: (dialect, req, res, body, caller) => serveChat(dialect, req.headers, res, body, caller),
  });
  const httpOptions = {
    headersTimeout: Math.min(server.headersTimeoutMs, server.requestTimeoutMs),
    requestTimeout: server.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(Math.min(server.headersTimeoutMs, server.requestTimeoutMs) / 4))),
  };
  const app = Fastify({
    serverFactory: (handler) => {
      const created = createServer(httpOptions, (req, res) => {
        if (!fastChat(req, res)) handler(req, res);
      });
      // What Fastify applies to a server it creates itself.
      created.keepAliveTimeout = server.keepAliveTimeoutMs;
      created.requestTimeout = server.requestTimeoutMs;
      return created;
    },
    logger: deps.logger ? { level: 'info' } : false,
    bodyLimit: server.bodyLimitBytes,
    // Requests arriving while draining are refused by the onRequest hook, in the caller's dialect.
    return503OnClosing: false,
    // Deadlines for clients: headers, then the whole request (a trickled body is cut with a 408), and
    // idle keep-alive sockets. Node checks them every connectionsCheckingInterval, so that is kept short.
    requestTimeout: server.requestTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    http: httpOptions,
    clientErrorHandler: writeClientError,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, jsonBodyParser(server.maxJsonDepth, server.bodyLimitBytes));

  app.setErrorHandler((error, request, reply) => {
    sendError(request, reply, fromFrameworkError(error, server.bodyLimitBytes));
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(
      request,
      reply,
      new GatewayError({ code: 'SWY_ERR_ROUTE_NOT_FOUND', kind: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` }),
    );
  });

  app.addHook('onRequest', async (request, reply) => {
    if (lifecycle.draining && request.url !== '/healthz' && request.url !== '/readyz') {
      void reply.header('connection', 'close');
      throw shuttingDownError();
    }
    // /v1/* needs any valid key; /admin/* the master key.
    const admin = isAdminUrl(request.url);
    if (!admin && !request.url.startsWith('/v1/')) return;
    const found = callerOfRequest(request.headers, (key) => (deps.authenticator ? deps.authenticator.verify(key) : deps.keyRing.verify(key)));
    const caller = found instanceof Promise ? await found : found;
    if (admin) requireAdmin(caller);
    request.caller = caller;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = deps.isReady ? deps.isReady() : true;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', providers: deps.providers.size, models: deps.config.models.length });
  });

  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  }


  const chatRoute = (dialect: DialectCodec) => async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await serveChat(dialect, request.headers, reply.raw, request.body, request.caller as Caller);
  };

  app.post('/v1/chat/completions', { config: { dialect: 'openai-chat' } }, chatRoute(openaiChatDialect));
  app.post('/v1/messages', { config: { dialect: 'anthropic-messages' } }, chatRoute(anthropicMessagesDialect));
  registerCountTokensRoute(app, deps.config);
  registerModelRoutes(app, deps.config);
  registerAdminRoutes(app, { config: deps.config, health: deps.health, retryBudget: deps.retryBudget, clock: deps.clock, ...(deps.learned ? { learned: deps.learned } : {}) });
  if (deps.tenancy) registerTenancyAdminRoutes(app, deps.tenancy);
  if (deps.feedback) registerFeedbackRoute(app, deps.feedback);
  return app;
}

/** Unique across replicas (random per-process prefix) and cheap (a counter, no UUID per request). */
const REQUEST_ID_PREFIX = `req_${randomBytes(6).toString('hex')}`;
let requestCounter = 0;

function newRequestId(): string {
  return `${REQUEST_ID_PREFIX}${(++requestCounter).toString(36).padStart(6, '0')}`;
}

/**
 * A request Node's HTTP parser refuses (bad framing: an invalid or doubled content-length, a broken
 * chunk, a malformed request line or header) gets a 400 in the dialect its path names, when the raw
 * bytes show one (`/v1/messages…`: Anthropic; else OpenAI's shape), and the connection is closed: what
 * follows on it cannot be trusted. A header deadline is a 408 the same way.
 */
function writeClientError(failure: Error, socket: Socket): void {
  const error = failure as Error & { code?: string; rawPacket?: unknown };
  if (error.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const raw = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.subarray(0, 256).toString('latin1') : '';
  const dialect = /^[A-Z]+ \/v1\/messages/.test(raw) ? anthropicMessagesDialect : openaiChatDialect;
  const [status, reason, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_HEADERS_TIMEOUT'
      ? [408, 'Request Timeout', 'SWY_ERR_REQUEST_TIMEOUT', "The request did not arrive within the server's deadline."]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'SWY_ERR_HEADERS_TOO_LARGE', 'The request headers are larger than the server reads.']
        : [400, 'Bad Request', 'SWY_ERR_BAD_HTTP', `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}): check its request line, headers, content-length and chunked framing.`];
  const rendered = dialect.encodeError(new GatewayError({ code, kind: 'invalid_request', status, message }));
  const payload = JSON.stringify(rendered.body);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`);
}

function writeHijackedError(res: FastifyReply['raw'], dialect: DialectCodec, error: GatewayError, requestId: string): void {
  if (res.destroyed) return;
  if (res.headersSent) {
    // A stream already started: the error goes in-stream (the pipeline normally does this itself).
    res.end(dialect.encodeStreamError(error));
    return;
  }
  const rendered = dialect.encodeError(error);
  res.writeHead(rendered.status, { 'content-type': 'application/json', 'x-switchyard-request-id': requestId, ...(rendered.headers ?? {}) });
  res.end(JSON.stringify(rendered.body));
}

const FORWARDED = ['anthropic-beta', 'anthropic-version'] as const;

function forwardHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(',');
  }
  return out;
}

/** Maps Fastify's own errors (body too large, bad content length …) into the taxonomy. */
function fromFrameworkError(error: unknown, bodyLimitBytes: number): GatewayError {
  if (GatewayError.is(error)) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) return bodyTooLargeError(bodyLimitBytes);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', status: e.statusCode, message: e.message ?? 'Invalid request.' });
  }
  return toGatewayError(error);
}
