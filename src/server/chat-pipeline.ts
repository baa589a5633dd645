import type { ServerResponse } from 'node:http';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { DialectCodec, EncodeContext } from '../dialects/dialect.js';
import type { CallContext, PassthroughResponse, ProviderAdapter } from '../providers/provider.js';
import type { ChatRequest, ChatStreamPart, Dialect, Usage, Warning } from '../spec/index.js';
import { GatewayError, formatWarningsHeader, toGatewayError } from '../spec/index.js';
import type { Caller } from '../tenancy/api-keys.js';
import { openAIIncludeUsage } from '../dialects/openai-chat/read-openai-stream-options.js';
import { checkCapabilities } from '../routing/check-capabilities.js';
import { resolveModel } from '../routing/resolve-model.js';
import type { RequestMeter } from './request-meter.js';
import { writeSse, SSE_HEADERS } from './write-sse.js';

export interface PipelineDeps {
  config: ResolvedConfig;
  providers: ReadonlyMap<string, ProviderAdapter>;
  meter: RequestMeter;
}

/** Everything the pipeline needs from the HTTP layer for one request. */
export interface ChatCall {
  dialect: DialectCodec;
  body: unknown;
  caller: Caller;
  /** Client headers upstreams of the same family understand (anthropic-beta, anthropic-version). */
  forwardHeaders: Record<string, string>;
  res: ServerResponse;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Gateway request id (x-switchyard-request-id), also on error responses. */
  requestId: string;
}

/**
 * The request path from decoded body to written response:
 * resolve model → capability check → provider call (passthrough when the dialects match) →
 * encode in the client's dialect → meter. Errors thrown before anything is written are rendered
 * by the caller in the client's dialect; errors after a stream started are written in-stream.
 */
export class ChatPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(call: ChatCall): Promise<void> {
    const requestId = call.requestId;
    const startedAt = performance.now();
    const body = call.body;
    const requestedModel = peekModel(body);
    const model = resolveModel(this.deps.config, requestedModel);
    const provider = this.deps.providers.get(model.provider);
    if (!provider) throw new GatewayError({ code: 'SWY_ERR_PROVIDER_MISSING', kind: 'internal', origin: 'gateway', message: `Provider ${model.provider} is not running.` });

    const context: CallContext = {
      upstreamModel: model.upstreamModel,
      signal: call.signal,
      timeouts: this.deps.config.timeouts,
      forwardHeaders: call.forwardHeaders,
      model: model.traits,
    };
    const meterBase = { requestId, caller: call.caller, dialect: call.dialect.name, requestedModel, model, startedAt };

    const baseHeaders: Record<string, string> = {
      'x-switchyard-request-id': requestId,
      'x-switchyard-model': model.id,
      'x-switchyard-provider': model.provider,
    };
    if (model.simulated) baseHeaders['x-switchyard-simulated'] = 'true';

    if (provider.passthrough && provider.passthroughDialect === call.dialect.name && isRecord(body)) {
      checkPassthroughBody(call.dialect.name, body);
      const stream = body.stream === true;
      let response: PassthroughResponse;
      try {
        response = await provider.passthrough({ dialect: call.dialect.name, body, stream }, context);
      } catch (error) {
        this.deps.meter.failed(meterBase, stream, toGatewayError(error));
        throw error;
      }
      const failure = await this.writePassthrough(call, response, baseHeaders);
      const usage = await response.usage;
      this.deps.meter.completed(meterBase, stream, 200, usage, failure?.code ?? (call.signal.aborted ? 'SWY_ERR_CLIENT_CLOSED' : undefined));
      return;
    }

    const request = call.dialect.decodeRequest(body);
    checkCapabilities(request, model);
    const encodeContext: EncodeContext = {
      requestedModel,
      servedModel: model.id,
      includeUsage: call.dialect.name === 'openai-chat' && openAIIncludeUsage(body),
    };

    if (!request.stream) {
      let result;
      try {
        result = await provider.chat(request, context);
      } catch (error) {
        this.deps.meter.failed(meterBase, false, toGatewayError(error));
        throw error;
      }
      const encoded = JSON.stringify(call.dialect.encodeResponse(result, encodeContext));
      const headers: Record<string, string> = { ...baseHeaders, 'content-type': 'application/json' };
      if (result.warnings.length) headers['x-switchyard-warnings'] = formatWarningsHeader(result.warnings);
      if (result.upstreamRequestId) headers['x-switchyard-upstream-request-id'] = result.upstreamRequestId;
      call.res.writeHead(200, headers);
      call.res.end(encoded);
      this.deps.meter.completed(meterBase, false, 200, result.usage);
      return;
    }

    await this.streamTranslated(call, provider, request, context, encodeContext, baseHeaders, meterBase);
  }

  private async streamTranslated(
    call: ChatCall,
    provider: ProviderAdapter,
    request: ChatRequest,
    context: CallContext,
    encodeContext: EncodeContext,
    baseHeaders: Record<string, string>,
    meterBase: Parameters<RequestMeter['completed']>[0],
  ): Promise<void> {
    let opened;
    try {
      opened = await provider.chatStream(request, context);
    } catch (error) {
      this.deps.meter.failed(meterBase, true, toGatewayError(error));
      throw error;
    }
    const iterator = opened.stream[Symbol.asyncIterator]();
    // Peek the first part: an upstream that fails before producing anything still gets a proper
    // HTTP error status (and, later, a chance to fail over) instead of a 200 with an error event.
    const first = await iterator.next();
    if (!first.done && first.value.type === 'error') {
      this.deps.meter.failed(meterBase, true, first.value.error);
      await iterator.return?.();
      throw first.value.error;
    }

    const warnings: Warning[] = [...opened.warnings];
    if (call.dialect.name === 'openai-chat' && request.reasoning !== undefined && context.model.reasoning && provider.type !== 'openai') {
      warnings.push({ type: 'dropped-content', content: 'reasoning', details: 'OpenAI Chat Completions has no field for reasoning blocks; they are dropped from the stream.' });
    }
    const headers: Record<string, string> = { ...SSE_HEADERS, ...baseHeaders };
    if (warnings.length) headers['x-switchyard-warnings'] = formatWarningsHeader(warnings);
    const upstreamRequestId = opened.upstreamRequestId ?? (!first.done && first.value.type === 'start' ? first.value.upstreamRequestId : undefined);
    if (upstreamRequestId) headers['x-switchyard-upstream-request-id'] = upstreamRequestId;
    call.res.writeHead(200, headers);
    call.res.flushHeaders();

    const encoder = call.dialect.createStreamEncoder(encodeContext);
    let usage: Usage | undefined;
    let finished = false;
    let emittedChars = 0;
    let failure: GatewayError | undefined;
    // Synchronous unless the socket pushes back: an await per part would cost a microtask and a
    // promise on every token of every stream.
    const consume = (part: ChatStreamPart): Promise<void> | void => {
      if (part.type === 'usage') usage = part.usage;
      else if (part.type === 'finish') {
        usage = part.usage;
        finished = true;
      }
      else if (part.type === 'text-delta' || part.type === 'reasoning-delta') emittedChars += part.delta.length;
      else if (part.type === 'tool-call-delta') emittedChars += part.argumentsDelta.length;
      else if (part.type === 'error') failure = part.error;
      const text = encoder.push(part);
      if (text) return writeSse(call.res, text);
    };
    try {
      if (!first.done) await consume(first.value);
      while (!failure && !call.signal.aborted) {
        const next = await iterator.next();
        if (next.done) break;
        const pending = consume(next.value);
        if (pending) await pending;
      }
    } catch (error) {
      failure = toGatewayError(error);
      if (!call.res.destroyed) await writeSse(call.res, call.dialect.encodeStreamError(failure));
    } finally {
      await iterator.return?.().catch(() => undefined);
    }
    if (!call.res.destroyed) {
      const tail = failure ? '' : encoder.end();
      if (tail) await writeSse(call.res, tail);
      call.res.end();
    }
    const aborted = call.signal.aborted;
    // Without the upstream's final count (client gone, upstream failed) the spend is still recorded:
    // the larger of what the upstream reported so far and an estimate from what was delivered.
    const metered = finished && usage ? usage : this.deps.meter.atLeastEstimate(usage, request, emittedChars);
    this.deps.meter.completed(meterBase, true, 200, metered, failure?.code ?? (aborted ? 'SWY_ERR_CLIENT_CLOSED' : undefined));
  }

  /**
   * Writes a passthrough response. A stream that fails after its headers went out ends with the
   * dialect's in-stream error; the failure is returned (not thrown) so the request is still metered.
   */
  private async writePassthrough(call: ChatCall, response: PassthroughResponse, baseHeaders: Record<string, string>): Promise<GatewayError | undefined> {
    const res = call.res;
    // Headers as one flat [name, value, …] list: no merged object built per request.
    const headers: string[] = [];
    for (const name in response.headers) headers.push(name, response.headers[name]);
    for (const name in baseHeaders) headers.push(name, baseHeaders[name]);
    if (response.upstreamRequestId) headers.push('x-switchyard-upstream-request-id', response.upstreamRequestId);
    if (response.warnings?.length) headers.push('x-switchyard-warnings', formatWarningsHeader(response.warnings));
    if (Buffer.isBuffer(response.body)) {
      headers.push('content-length', String(response.body.length));
      res.writeHead(response.status, headers);
      res.end(response.body);
      return undefined;
    }
    for (const name in SSE_HEADERS) if (response.headers[name] === undefined) headers.push(name, SSE_HEADERS[name]);
    res.writeHead(response.status, headers);
    res.flushHeaders();
    let failure: GatewayError | undefined;
    try {
      for await (const chunk of response.body) {
        if (res.destroyed) break;
        const pending = writeSse(res, chunk);
        if (pending) await pending;
      }
    } catch (error) {
      failure = toGatewayError(error);
      if (!res.destroyed && !call.signal.aborted) await writeSse(res, call.dialect.encodeStreamError(failure));
    } finally {
      if (!res.destroyed) res.end();
    }
    return failure;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `model` field, validated early: routing needs it before the body is decoded. */
function peekModel(body: unknown): string {
  if (!isRecord(body)) throw new GatewayError({ code: 'SWY_ERR_INVALID_BODY', kind: 'invalid_request', message: 'The request body must be a JSON object.' });
  const model = body.model;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'model', message: 'model: a model name (string) is required. GET /v1/models lists them.' });
  }
  return model;
}

/**
 * Light checks before a same-dialect passthrough. The upstream validates the rest in the same
 * dialect and its errors come back typed; these catch what it would reject less helpfully.
 */
function checkPassthroughBody(dialect: Dialect, body: Record<string, unknown>): void {
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'messages', message: 'messages: a non-empty array of messages is required.' });
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'stream', message: 'stream: must be a boolean.' });
  }
  if (dialect === 'anthropic-messages' && (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    throw new GatewayError({ code: 'SWY_ERR_INVALID_REQUEST', kind: 'invalid_request', param: 'max_tokens', message: 'max_tokens: Field required (a positive integer).' });
  }
}

