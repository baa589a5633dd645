import type { AnthropicProviderConfig } from '../../config/schema.js';
import type { ChatRequest } from '../../spec/index.js';
import { CallCredentials } from '../credentials.js';
import type { AdapterOptions, CallContext, PassthroughRequest, PassthroughResponse, ProviderAdapter, ProviderResult, ProviderStream } from '../provider.js';
import { defaultUpstreamPool, header, sendUpstream, type UpstreamResponse } from '../shared/upstream-http.js';
import type { AnthropicMessagesRequest } from './anthropic-api-types.js';
import { badUpstreamResponse, mapAnthropicHttpError } from './anthropic-errors.js';
import { buildAnthropicHeaders } from './anthropic-headers.js';
import { parseJsonSafely } from './anthropic-narrowing.js';
import { passthroughToAnthropic } from './anthropic-passthrough.js';
import { readBodyBytes } from '../shared/upstream-http.js';
import { decodeAnthropicStream } from './anthropic-stream.js';
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

  async function send(body: AnthropicMessagesRequest, context: CallContext): Promise<UpstreamResponse> {
    const found = credentials.of(context);
    const response = await sendUpstream(
      {
        url,
        headers: buildAnthropicHeaders(config, { forwardHeaders: context.forwardHeaders, credentials: found instanceof Promise ? await found : found }),
        body: JSON.stringify(body),
        timeouts: context.timeouts,
        signal: context.signal,
        provider: name,
      },
      pool,
    );
    if (response.status >= 200 && response.status < 300) return response;
    const bodyText = (await readBodyBytes(response, name, context.signal)).toString('utf8');
    throw mapAnthropicHttpError({ provider: name, status: response.status, headers: response.headers, bodyText });
  }

  return {
    name,
    type: 'anthropic',
    passthroughDialect: 'anthropic-messages',

    async chat(request: ChatRequest, context: CallContext): Promise<ProviderResult> {
      const converted = convertToAnthropicRequest(request, { upstreamModel: context.upstreamModel, model: context.model, stream: false });
      const response = await send(converted.body, context);
      const upstreamRequestId = header(response.headers, 'request-id');
      const text = (await readBodyBytes(response, name, context.signal)).toString('utf8');
      const body = parseJsonSafely(text);
      if (body === undefined) throw badUpstreamResponse(name, 'the body is not JSON', upstreamRequestId);
      const result = convertAnthropicResponse(body, { provider: name, upstreamModel: context.upstreamModel, upstreamRequestId });
      result.warnings = [...converted.warnings, ...result.warnings];
      return result;
    },

    async chatStream(request: ChatRequest, context: CallContext): Promise<ProviderStream> {
      const converted = convertToAnthropicRequest(request, { upstreamModel: context.upstreamModel, model: context.model, stream: true });
      const response = await send(converted.body, context);
      const upstreamRequestId = header(response.headers, 'request-id');
      const stream = decodeAnthropicStream(response.body, {
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
