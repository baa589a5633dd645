import type { AnthropicProviderConfig } from '../../config/schema.js';
import { GatewayError, type Usage } from '../../spec/index.js';
import type { CallCredentials } from '../credentials.js';
import type { CallContext, PassthroughRequest, PassthroughResponse } from '../provider.js';
import { header, type UpstreamPool, type UpstreamHeaders } from '../shared/upstream-http.js';
import { sendUpstreamBuffered } from '../shared/upstream-buffered.js';
import { sendUpstreamStreamed } from '../shared/upstream-streamed.js';
import { mapAnthropicHttpError } from './anthropic-errors.js';
import { buildAnthropicHeaders, type AnthropicCredentials } from './anthropic-headers.js';
import { tapAnthropicStream } from './anthropic-passthrough-stream.js';
import { badUpstreamResponse } from './anthropic-errors.js';
import { convertAnthropicUsage, readAnthropicUsageFields } from './convert-anthropic-usage.js';
import { isRecord, parseJsonSafely } from './anthropic-narrowing.js';
import { wholeMessage } from './anthropic-whole-as-stream.js';
import { streamBody } from '../shared/whole-as-stream.js';

/** What the adapter lends its passthrough: where the call's credentials come from, and its pool. */
export interface AnthropicPassthroughDeps {
  credentials: CallCredentials<AnthropicCredentials['kind']>;
  pool: UpstreamPool;
}

/**
 * Same-dialect passthrough (Anthropic client -> Anthropic upstream): the client's body goes up with
 * only `model` replaced, so unknown fields survive; headers are auth, the client's anthropic-version
 * (else the configured one) and the merged betas. The response bytes come back unchanged while
 * usage is tapped; `usage` resolves when the body ends, fails, or the client goes away.
 */
export async function passthroughToAnthropic(
  provider: string,
  config: AnthropicProviderConfig,
  request: PassthroughRequest,
  context: CallContext,
  deps: AnthropicPassthroughDeps,
): Promise<PassthroughResponse> {
  if (request.dialect !== 'anthropic-messages') {
    throw new GatewayError({
      code: 'SWY_ERR_PASSTHROUGH_DIALECT',
      kind: 'internal',
      origin: 'gateway',
      message: `Provider ${provider} can pass through only anthropic-messages requests, not ${request.dialect}.`,
      retryable: false,
      provider,
    });
  }
  const found = deps.credentials.of(context);
  const credentials = found instanceof Promise ? await found : found;
  const call = {
    url: `${config.baseUrl.replace(/\/+$/, '')}/v1/messages`,
    headers: buildAnthropicHeaders(config, { forwardHeaders: context.forwardHeaders, preferClientVersion: true, credentials }),
    body: JSON.stringify({ ...request.body, model: context.upstreamModel }),
    timeouts: context.timeouts,
    signal: context.signal,
    provider,
  };
  if (!request.stream) {
    // The whole answer through the dispatcher (no body stream).
    const response = await sendUpstreamBuffered(call, deps.pool);
    const upstreamRequestId = header(response.headers, 'request-id');
    if (response.status < 200 || response.status >= 300) {
      throw mapAnthropicHttpError({ provider, status: response.status, headers: response.headers, bodyText: response.body.toString('utf8') });
    }
    const bytes = response.body;
    const body = parseJsonSafely(bytes.toString('utf8'));
    // A 2xx whose body is not a Message object is the upstream's failure, not an answer to forward: an
    // error body (`"type":"error"`) fails like a 502 with that body, anything without content as a bad response.
    if (!isRecord(body)) throw badUpstreamResponse(provider, 'the body is not a JSON object', upstreamRequestId);
    if (body.type === 'error') throw mapAnthropicHttpError({ provider, status: 502, headers: response.headers, bodyText: bytes.toString('utf8') });
    if (!Array.isArray(body.content)) throw badUpstreamResponse(provider, 'the body has no content', upstreamRequestId);
    const usage = isRecord(body.usage) ? convertAnthropicUsage(readAnthropicUsageFields(body.usage)) : undefined;
    return { status: response.status, headers: forwardableHeaders(response.headers), body: bytes, usage: () => usage, finished: () => true, deliveredChars: () => 0, upstreamRequestId };
  }
  const response = await sendUpstreamStreamed(call, deps.pool);
  const upstreamRequestId = header(response.headers, 'request-id');
  if (!response.ok) throw mapAnthropicHttpError({ provider, status: response.status, headers: response.headers, bodyText: response.body.toString('utf8') });
  const source = streamBody(response.headers, response.chunks, provider, wholeMessage(provider, upstreamRequestId));
  const tap = tapAnthropicStream(source, provider, context.signal, upstreamRequestId);
  return { status: response.status, headers: forwardableHeaders(response.headers), body: tap.events, usage: tap.usage, finished: tap.finished, deliveredChars: tap.deliveredChars, upstreamRequestId };
}

/** content-type, request id and rate-limit headers are worth handing to the client. */
function forwardableHeaders(headers: UpstreamHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (name === 'content-type' || name === 'request-id' || name === 'retry-after' || name.startsWith('anthropic-ratelimit-')) {
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return out;
}
