import type { OpenAICompatibleProviderConfig, OpenAIProviderConfig } from '../../config/schema.js';
import type { ChatRequest } from '../../spec/index.js';
import { CallCredentials } from '../credentials.js';
import type { AdapterOptions, CallContext, ProviderAdapter, ProviderResult, ProviderStream } from '../provider.js';
import { defaultUpstreamPool, type UpstreamRequest } from '../shared/upstream-http.js';
import { sendUpstreamBuffered, type BufferedUpstreamResponse } from '../shared/upstream-buffered.js';
import { sendUpstreamStreamed, type UpstreamChunks } from '../shared/upstream-streamed.js';
import { convertOpenAIResponse } from './convert-openai-response.js';
import { convertToOpenAIRequest, type OpenAIRequestConversion } from './convert-to-openai-request.js';
import type { OpenAIChatEndpoint } from './openai-chat-endpoint.js';
import { badUpstreamResponse, mapOpenAIHttpError, openAIRequestId } from './openai-errors.js';
import { openAIPassthrough } from './openai-passthrough.js';
import { decodeOpenAIStream } from './openai-stream.js';
import { wholeCompletion } from './openai-whole-as-stream.js';
import { streamBody } from '../shared/whole-as-stream.js';

export interface OpenAIChatAdapterOptions {
  /** Provider config key. */
  name: string;
  type: 'openai' | 'openai-compatible';
  /** The provider's configuration (its configured credentials). */
  config: OpenAIProviderConfig | OpenAICompatibleProviderConfig;
  endpoint: OpenAIChatEndpoint;
}

/**
 * The Chat Completions adapter shared by `openai` and `openai-compatible` (Azure included): they
 * differ only in their endpoint (URL, auth, token-limit field, model in body or URL). Each call's
 * credentials are the call's own, else the resolver's, else the configured ones (whose headers are
 * built once); calls go through the gateway's pool.
 */
export function createOpenAIChatAdapter(options: OpenAIChatAdapterOptions, adapterOptions: AdapterOptions = {}): ProviderAdapter {
  const { name, endpoint } = options;
  const pool = adapterOptions.pool ?? defaultUpstreamPool;
  const credentials = CallCredentials.forProvider(name, options.config, endpoint.accepts, adapterOptions);

  function convert(request: ChatRequest, context: CallContext, stream: boolean): OpenAIRequestConversion {
    return convertToOpenAIRequest(request, {
      upstreamModel: context.upstreamModel,
      reasoningModel: context.model.reasoning,
      maxTokensField: endpoint.maxTokensField,
      includeModel: endpoint.includeModel,
      stream,
    });
  }

  async function call(body: unknown, context: CallContext, stream: boolean): Promise<UpstreamRequest> {
    const found = credentials.of(context);
    return {
      url: endpoint.url(context.upstreamModel),
      headers: endpoint.requestHeaders(context, stream, found instanceof Promise ? await found : found),
      body: JSON.stringify(body),
      timeouts: context.timeouts,
      signal: context.signal,
      provider: name,
    };
  }

  /** A whole answer (through the dispatcher: no body stream); non-2xx statuses throw the mapped GatewayError. */
  async function sendWhole(body: unknown, context: CallContext): Promise<BufferedUpstreamResponse> {
    const response = await sendUpstreamBuffered(await call(body, context, false), pool);
    if (response.status >= 200 && response.status < 300) return response;
    throw mapOpenAIHttpError(response.status, response.headers, response.body.toString('utf8'), name);
  }

  /** A streamed answer's chunks; non-2xx statuses throw the mapped GatewayError. */
  async function sendStreamed(body: unknown, context: CallContext): Promise<{ headers: Record<string, string | string[]>; chunks: UpstreamChunks }> {
    const response = await sendUpstreamStreamed(await call(body, context, true), pool);
    if (response.ok) return response;
    throw mapOpenAIHttpError(response.status, response.headers, response.body.toString('utf8'), name);
  }

  return {
    name,
    type: options.type,
    passthroughDialect: 'openai-chat',

    async chat(request: ChatRequest, context: CallContext): Promise<ProviderResult> {
      const { body, warnings } = convert(request, context, false);
      const response = await sendWhole(body, context);
      const upstreamRequestId = openAIRequestId(response.headers);
      const text = response.body.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw badUpstreamResponse(name, 'the response body is not JSON', upstreamRequestId);
      }
      return convertOpenAIResponse(json, { provider: name, upstreamModel: context.upstreamModel, upstreamRequestId, warnings });
    },

    async chatStream(request: ChatRequest, context: CallContext): Promise<ProviderStream> {
      const { body, warnings } = convert(request, context, true);
      const response = await sendStreamed(body, context);
      const upstreamRequestId = openAIRequestId(response.headers);
      const chunks = streamBody(response.headers, response.chunks, name, wholeCompletion(name, upstreamRequestId));
      const stream = decodeOpenAIStream(chunks, { provider: name, upstreamModel: context.upstreamModel, upstreamRequestId, signal: context.signal });
      return upstreamRequestId === undefined ? { stream, warnings } : { stream, warnings, upstreamRequestId };
    },

    passthrough(request, context) {
      return openAIPassthrough(name, endpoint, request, context, { credentials, pool });
    },
  };
}
