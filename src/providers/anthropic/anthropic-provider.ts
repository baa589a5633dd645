import type { AnthropicProviderConfig } from '../../config/schema.js';
import type { ChatRequest } from '../../spec/index.js';
import { CallCredentials } from '../credentials.js';
import type { AdapterOptions, CallContext, PassthroughRequest, PassthroughResponse, ProviderAdapter, ProviderResult, ProviderStream } from '../provider.js';
import { defaultUpstreamPool, header } from '../shared/upstream-http.js';
import { sendUpstreamBuffered, type BufferedUpstreamResponse } from '../shared/upstream-buffered.js';
import { sendUpstreamStreamed, type UpstreamChunks } from '../shared/upstream-streamed.js';
import type { AnthropicMessagesRequest } from './anthropic-api-types.js';
import { badUpstreamResponse, mapAnthropicHttpError } from './anthropic-errors.js';
import { buildAnthropicHeaders } from './anthropic-headers.js';
import { parseJsonSafely } from './anthropic-narrowing.js';
import { passthroughToAnthropic } from './anthropic-passthrough.js';
import { decodeAnthropicStream } from './anthropic-stream.js';
import { wholeMessage } from './anthropic-whole-as-stream.js';
import { streamBody } from '../shared/whole-as-stream.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

/**
 * Adapter for the Anthropic Messages API (POST {baseUrl}/v1/messages). Converts canonical requests
 * and results both ways, streams SSE into canonical parts, maps every failure to a GatewayError and
 * passes Anthropic-dialect clients through untouched apart from model and auth. Each call
 * authenticates with its own credentials, else the resolver's, else the configured key, and goes
 * through the gateway's pool.
 */
export function createAnthropicProvider(name: string, config: AnthropicProviderConfig, options: AdapterOptions = {}): ProviderAdapter {
  const url = `${config.baseUrl.replace(/\/+$/, '')}/v1/messages`;
  const pool = options.pool ?? defaultUpstreamPool;
  const credentials = CallCredentials.forProvider(name, config, ['api-key', 'bearer'] as const, options);

  function call(body: AnthropicMessagesRequest, context: CallContext, found: Awaited<ReturnType<typeof credentialsOf>>) {
    return {
      url,
      headers: buildAnthropicHeaders(config, { forwardHeaders: context.forwardHeaders, credentials: found }),
      body: JSON.stringify(body),
      timeouts: context.timeouts,
      signal: context.signal,
      provider: name,
    };
  }

  async function credentialsOf(context: CallContext) {
    const found = credentials.of(context);
    return found instanceof Promise ? await found : found;
  }

  /** A whole answer (through the dispatcher: no body stream); non-2xx statuses throw the mapped GatewayError. */
  async function sendWhole(body: AnthropicMessagesRequest, context: CallContext): Promise<BufferedUpstreamResponse> {
    const response = await sendUpstreamBuffered(call(body, context, await credentialsOf(context)), pool);
    if (response.status >= 200 && response.status < 300) return response;
    throw mapAnthropicHttpError({ provider: name, status: response.status, headers: response.headers, bodyText: response.body.toString('utf8') });
  }

  /** A streamed answer's chunks; non-2xx statuses throw the mapped GatewayError. */
  async function sendStreamed(body: AnthropicMessagesRequest, context: CallContext): Promise<{ headers: Record<string, string | string[]>; chunks: UpstreamChunks }> {
    const response = await sendUpstreamStreamed(call(body, context, await credentialsOf(context)), pool);
    if (response.ok) return response;
    throw mapAnthropicHttpError({ provider: name, status: response.status, headers: response.headers, bodyText: response.body.toString('utf8') });
  }

  return {
    name,
    type: 'anthropic',
    passthroughDialect: 'anthropic-messages',

    async chat(request: ChatRequest, context: CallContext): Promise<ProviderResult> {
      const converted = convertToAnthropicRequest(request, { upstreamModel: context.upstreamModel, model: context.model, stream: false });
      const response = await sendWhole(converted.body, context);
      const upstreamRequestId = header(response.headers, 'request-id');
      const text = response.body.toString('utf8');
      const body = parseJsonSafely(text);
      if (body === undefined) throw badUpstreamResponse(name, 'the body is not JSON', upstreamRequestId);
      const result = convertAnthropicResponse(body, { provider: name, upstreamModel: context.upstreamModel, upstreamRequestId });
      result.warnings = [...converted.warnings, ...result.warnings];
      return result;
    },

    async chatStream(request: ChatRequest, context: CallContext): Promise<ProviderStream> {
      const converted = convertToAnthropicRequest(request, { upstreamModel: context.upstreamModel, model: context.model, stream: true });
      const response = await sendStreamed(converted.body, context);
      const upstreamRequestId = header(response.headers, 'request-id');
      const chunks = streamBody(response.headers, response.chunks, name, wholeMessage(name, upstreamRequestId));
      const stream = decodeAnthropicStream(chunks, {
        provider: name,
        upstreamModel: context.upstreamModel,
        upstreamRequestId,
        signal: context.signal,
      });
      return upstreamRequestId === undefined ? { stream, warnings: converted.warnings } : { stream, warnings: converted.warnings, upstreamRequestId };
    },

    passthrough(request: PassthroughRequest, context: CallContext): Promise<PassthroughResponse> {
      return passthroughToAnthropic(name, config, request, context, { credentials, pool });
    },
  };
}
