import { randomUUID } from 'node:crypto';
import type { BedrockProviderConfig } from '../../config/schema.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import { GatewayError } from '../../spec/errors.js';
import { CallCredentials, type ProviderCredentials } from '../credentials.js';
import type { AdapterOptions, CallContext, ProviderAdapter, ProviderResult, ProviderStream } from '../provider.js';
import { defaultUpstreamPool, header, mapBodyReadError } from '../shared/upstream-http.js';
import { sendUpstreamBuffered } from '../shared/upstream-buffered.js';
import { sendUpstreamStreamed } from '../shared/upstream-streamed.js';
import { bedrockBaseUrl, bedrockOperationUrl, type BedrockOperation } from './bedrock-endpoint.js';
import { bedrockHttpError, bedrockInvalidResponse } from './bedrock-errors.js';
import { bedrockAuthOf, createBedrockRequestAuthorizer, type BedrockRequestAuthorizer } from './bedrock-sign-request.js';
import { convertBedrockStream } from './bedrock-stream.js';
import { convertBedrockResponse } from './convert-bedrock-response.js';
import { convertToBedrockRequest } from './convert-to-bedrock-request.js';
import type { Environment } from './resolve-bedrock-auth.js';
import { ACCEPT_IDENTITY } from '../shared/content-coding.js';

type BedrockCallCredentials = Extract<ProviderCredentials, { kind: 'api-key' | 'bearer' | 'aws' }>;

export interface BedrockProviderOptions extends AdapterOptions {
  /** Where to look for AWS_* credentials when the config has none (default process.env). */
  env?: Environment;
}

const EVENT_STREAM = 'application/vnd.amazon.eventstream';

/**
 * The AWS Bedrock Runtime adapter: Converse (JSON) and ConverseStream (binary event stream),
 * authorized with SigV4 (signing name `bedrock`) or a Bedrock API key (bearer). No client speaks
 * Bedrock, so there is no passthrough. The configured credentials are resolved once, here (a
 * provider without usable ones is a ConfigError at start, unless a resolver supplies them), and their
 * SigV4 signer is kept; a call with its own credentials (a team's keys) gets an authorizer of its
 * own, kept while the following calls bring the same credentials object.
 */
export function createBedrockProvider(name: string, config: BedrockProviderConfig, options: BedrockProviderOptions = {}): ProviderAdapter {
  const credentials = CallCredentials.forProvider(name, config, ['api-key', 'bearer', 'aws'] as const, options, options.env);
  const configured = credentials.configured;
  const configuredAuthorize = configured === undefined || configured.kind === 'none' ? undefined : createBedrockRequestAuthorizer(bedrockAuthOf(config.region, configured));
  const baseUrl = bedrockBaseUrl(config);
  const pool = options.pool ?? defaultUpstreamPool;
  let lastOwn: BedrockCallCredentials | undefined;
  let lastOwnAuthorize: BedrockRequestAuthorizer | undefined;

  /** The authorizer of one call's credentials: the configured one (undefined), or one for the call's own. */
  function authorizerFor(own: BedrockCallCredentials | undefined): BedrockRequestAuthorizer {
    if (own === undefined) return configuredAuthorize!;
    if (own !== lastOwn || lastOwnAuthorize === undefined) {
      lastOwnAuthorize = createBedrockRequestAuthorizer(bedrockAuthOf(config.region, own));
      lastOwn = own;
    }
    return lastOwnAuthorize;
  }

  /** Signs and sends one call; non-2xx statuses throw the mapped GatewayError. */
  async function send(operation: BedrockOperation, body: unknown, context: CallContext) {
    const url = bedrockOperationUrl(baseUrl, context.upstreamModel, operation);
    const payload = JSON.stringify(body);
    const found = credentials.of(context);
    const authorize = authorizerFor(found instanceof Promise ? await found : found);
    const headers = await authorize({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: operation === 'converse' ? 'application/json' : EVENT_STREAM},
      body: payload,
    });
    // Unsigned, as proxies may rewrite it: answer uncompressed (a coded answer is still decoded, content-coding.ts).
    return { url, headers: { ...headers, 'accept-encoding': ACCEPT_IDENTITY }, body: payload, timeouts: context.timeouts, signal: context.signal, provider: name };
  }

  function ids(headers: Record<string, string | string[]>): { requestId: string | undefined; responseId: string } {
    const requestId = header(headers, 'x-amzn-requestid');
    return { requestId, responseId: requestId ? `bedrock-${requestId}` : `bedrock-${randomUUID()}` };
  }

  return {
    name,
    type: 'bedrock',

    async chat(request: ChatRequest, context: CallContext): Promise<ProviderResult> {
      const { body, warnings } = convertToBedrockRequest(request, { modelId: context.upstreamModel, traits: context.model });
      // The whole answer through the dispatcher (no body stream).
      const response = await sendUpstreamBuffered(await send('converse', body, context), pool);
      const text = response.body.toString('utf8');
      if (response.status < 200 || response.status >= 300) throw bedrockHttpError(response, text, name);
      const { requestId, responseId } = ids(response.headers);
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
      // The binary event stream's chunks straight from the dispatcher.
      const response = await sendUpstreamStreamed(await send('converse-stream', body, context), pool);
      if (!response.ok) throw bedrockHttpError(response, response.body.toString('utf8'), name);
      const { requestId, responseId } = ids(response.headers);
      const mapReadError = (error: unknown) => mapBodyReadError(error, name, context.signal);
      const stream = convertBedrockStream(
        response.chunks,
        { provider: name, modelId: context.upstreamModel, responseId, upstreamRequestId: requestId },
        mapReadError,
      );
      return { stream, warnings, ...(requestId ? { upstreamRequestId: requestId } : {}) };
    },
  };
}
