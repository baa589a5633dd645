import type { AnthropicProviderConfig } from '../../config/schema.js';
import { GatewayError, type Usage } from '../../spec/index.js';
import type { CallContext, PassthroughRequest, PassthroughResponse } from '../provider.js';
import { header, sendUpstream, type UpstreamResponse } from '../shared/upstream-http.js';
import { mapAnthropicHttpError } from './anthropic-errors.js';
import { buildAnthropicHeaders } from './anthropic-headers.js';
import { mapBodyReadError, readBodyBytes } from '../shared/upstream-http.js';
import { AnthropicUsageTap, usageFromAnthropicBody } from './anthropic-usage-tap.js';

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
  const response = await sendUpstream({
    url: `${config.baseUrl.replace(/\/+$/, '')}/v1/messages`,
    headers: buildAnthropicHeaders(config, { forwardHeaders: context.forwardHeaders, preferClientVersion: true }),
    body: JSON.stringify({ ...request.body, model: context.upstreamModel }),
    timeouts: context.timeouts,
    signal: context.signal,
    provider,
  });
  const upstreamRequestId = header(response.headers, 'request-id');
  if (response.status < 200 || response.status >= 300) {
    const bodyText = (await readBodyBytes(response, provider, context.signal)).toString('utf8');
    throw mapAnthropicHttpError({ provider, status: response.status, headers: response.headers, bodyText });
  }
  const headers = forwardableHeaders(response.headers);
  if (!request.stream) {
    const bytes = await readBodyBytes(response, provider, context.signal);
    const usage = usageFromAnthropicBody(bytes.toString('utf8'));
    return { status: response.status, headers, body: bytes, usage: Promise.resolve(usage), upstreamRequestId };
  }
  const tapped = tapStream(response, provider, context.signal);
  return { status: response.status, headers, body: tapped.body, usage: tapped.usage, upstreamRequestId };
}

/** content-type, request id and rate-limit headers are worth handing to the client. */
function forwardableHeaders(headers: UpstreamResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (name === 'content-type' || name === 'request-id' || name === 'retry-after' || name.startsWith('anthropic-ratelimit-')) {
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return out;
}

function tapStream(response: UpstreamResponse, provider: string, signal: AbortSignal): { body: AsyncIterable<Uint8Array>; usage: Promise<Usage | undefined> } {
  const tap = new AnthropicUsageTap();
  let resolveUsage: (usage: Usage | undefined) => void = () => undefined;
  const usage = new Promise<Usage | undefined>((resolve) => {
    resolveUsage = resolve;
  });
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    signal.removeEventListener('abort', onAbort);
    resolveUsage(tap.usage());
  };
  const onAbort = () => {
    settle();
    response.body.destroy();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  async function* relay(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        tap.feed(chunk);
        yield chunk;
      }
    } catch (error) {
      throw mapBodyReadError(error, provider, signal);
    } finally {
      settle();
    }
  }

  const iterator = relay();
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => iterator.next(),
      // return() on a generator that never started skips its finally: settle and release here too.
      return: async () => {
        const result = await iterator.return(undefined);
        settle();
        response.body.destroy();
        return result;
      },
    }),
  };
  return { body, usage };
}
