import { randomUUID } from 'node:crypto';
import type { BedrockProviderConfig } from '../../config/schema.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import { GatewayError } from '../../spec/errors.js';
import type { CallContext, ProviderAdapter, ProviderResult, ProviderStream } from '../provider.js';
import { header, mapBodyReadError, readBodyText, sendUpstream, type UpstreamResponse } from '../shared/upstream-http.js';
import { bedrockBaseUrl, bedrockOperationUrl, type BedrockOperation } from './bedrock-endpoint.js';
import { bedrockHttpError, bedrockInvalidResponse } from './bedrock-errors.js';
import { createBedrockRequestAuthorizer } from './bedrock-sign-request.js';
import { convertBedrockStream } from './bedrock-stream.js';
import { convertBedrockResponse } from './convert-bedrock-response.js';
import { convertToBedrockRequest } from './convert-to-bedrock-request.js';
import { resolveBedrockAuth, type Environment } from './resolve-bedrock-auth.js';

export interface BedrockProviderOptions {
  /** Where to look for AWS_* credentials when the config has none (default process.env). */
  env?: Environment;
}

const EVENT_STREAM = 'application/vnd.amazon.eventstream';

/**
 * The AWS Bedrock Runtime adapter: Converse (JSON) and ConverseStream (binary event stream),
 * authorized with SigV4 (signing name `bedrock`) or a Bedrock API key (bearer). No client speaks
 * Bedrock, so there is no passthrough. Credentials are resolved once, here; a provider without
 * usable credentials is a ConfigError at start.
 */
export function createBedrockProvider(name: string, config: BedrockProviderConfig, options: BedrockProviderOptions = {}): ProviderAdapter {
  const authorize = createBedrockRequestAuthorizer(resolveBedrockAuth(name, config, options.env));
  const baseUrl = bedrockBaseUrl(config);

  interface Call {
    response: UpstreamResponse;
    requestId: string | undefined;
    responseId: string;
    /** Maps a failure while reading the body, telling total timeout and client abort apart. */
    mapReadError: (error: unknown) => GatewayError;
  }

  async function call(operation: BedrockOperation, body: unknown, context: CallContext): Promise<Call> {
    const url = bedrockOperationUrl(baseUrl, context.upstreamModel, operation);
    const payload = JSON.stringify(body);
    const headers = await authorize({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: operation === 'converse' ? 'application/json' : EVENT_STREAM },
      body: payload,
    });
    const response = await sendUpstream({ url, headers, body: payload, timeouts: context.timeouts, signal: context.signal, provider: name });
    const requestId = header(response.headers, 'x-amzn-requestid');
    const mapReadError = (error: unknown) => mapBodyReadError(error, name, context.signal);
    if (response.status < 200 || response.status >= 300) {
      throw bedrockHttpError(response, await readBodyText(response, name, context.signal), name);
    }
    return { response, requestId, responseId: requestId ? `bedrock-${requestId}` : `bedrock-${randomUUID()}`, mapReadError };
  }

  return {
    name,
    type: 'bedrock',

    async chat(request: ChatRequest, context: CallContext): Promise<ProviderResult> {
      const { body, warnings } = convertToBedrockRequest(request, { modelId: context.upstreamModel, traits: context.model });
      const { response, requestId, responseId } = await call('converse', body, context);
      const text = await readBodyText(response, name, context.signal);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw bedrockInvalidResponse('the body is not JSON', name, requestId);
      }
      return convertBedrockResponse(json, { provider: name, modelId: context.upstreamModel, responseId, upstreamRequestId: requestId, warnings });
    },

    async chatStream(request: ChatRequest, context: CallContext): Promise<ProviderStream> {
      const { body, warnings } = convertToBedrockRequest(request, { modelId: context.upstreamModel, traits: context.model });
      const { response, requestId, responseId, mapReadError } = await call('converse-stream', body, context);
      const stream = convertBedrockStream(
        response.body,
        { provider: name, modelId: context.upstreamModel, responseId, upstreamRequestId: requestId },
        mapReadError,
      );
      return { stream, warnings, ...(requestId ? { upstreamRequestId: requestId } : {}) };
    },
  };
}
