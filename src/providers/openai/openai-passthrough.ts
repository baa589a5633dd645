import { GatewayError, type Usage, type Warning } from '../../spec/index.js';
import type { CallCredentials } from '../credentials.js';
import type { CallContext, PassthroughRequest, PassthroughResponse } from '../provider.js';
import type { UpstreamHeaders, UpstreamPool } from '../shared/upstream-http.js';
import { sendUpstreamStreamed, type StreamedUpstreamResponse } from '../shared/upstream-streamed.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { usageObjectAt } from './openai-usage-bytes.js';
import type { OpenAIChatEndpoint, OpenAICredentials } from './openai-chat-endpoint.js';
import { badUpstreamResponse, mapOpenAIHttpError, openAIRequestId } from './openai-errors.js';
import { tapOpenAIStream } from './openai-passthrough-stream.js';
import { wholeCompletion } from './openai-whole-as-stream.js';
import { streamBody } from '../shared/whole-as-stream.js';
import type { OpenAIWireUsage } from './openai-wire-types.js';
import { sendUpstreamBuffered, type BufferedUpstreamResponse } from '../shared/upstream-buffered.js';
import { rewriteOpenAIPassthroughBody, type PassthroughBodyRewrite } from './rewrite-openai-passthrough-body.js';

/** PassthroughResponse whose warnings (of the body rewrite, max_tokens → max_completion_tokens) are always set. */
export interface OpenAIPassthroughResponse extends PassthroughResponse {
  warnings: Warning[];
}

/** What the adapter lends its passthrough: where the call's credentials come from, and its pool. */
export interface OpenAIPassthroughDeps {
  credentials: CallCredentials<OpenAICredentials['kind']>;
  pool: UpstreamPool;
}

/**
 * Same-dialect call: the client's Chat Completions body goes upstream with only the model (and
 * the fields usage metering needs) changed; the response bytes come back as received while usage
 * is read from them. Error statuses throw the mapped GatewayError so retries and fallback treat
 * passthrough and translated calls alike.
 */
export function openAIPassthrough(
  provider: string,
  endpoint: OpenAIChatEndpoint,
  request: PassthroughRequest,
  context: CallContext,
  deps: OpenAIPassthroughDeps,
): Promise<OpenAIPassthroughResponse> {
  if (request.dialect !== 'openai-chat') {
    return Promise.reject(
      new GatewayError({
        code: 'SWY_ERR_PASSTHROUGH_DIALECT',
        kind: 'internal',
        origin: 'gateway',
        message: `Provider ${provider} only passes through openai-chat requests, not ${request.dialect}.`,
        retryable: false,
        provider,
      }),
    );
  }
  const rewrite = rewriteOpenAIPassthroughBody(request.body, {
    upstreamModel: context.upstreamModel,
    includeModel: endpoint.includeModel,
    reasoningModel: context.model.reasoning,
    maxTokensField: endpoint.maxTokensField,
    stream: request.stream,
  });
  const found = deps.credentials.of(context);
  const call = new PassthroughCall(provider, endpoint, request.stream, context, rewrite);
  // A promise chain, not an async function: no suspended frame per call on the request path.
  if (found instanceof Promise) return found.then((credentials) => call.send(deps.pool, credentials));
  return call.send(deps.pool, found);
}

/** One passthrough call: what its answer needs to be read (methods instead of per-call closures). */
class PassthroughCall {
  constructor(
    private readonly provider: string,
    private readonly endpoint: OpenAIChatEndpoint,
    private readonly stream: boolean,
    private readonly context: CallContext,
    private readonly rewrite: PassthroughBodyRewrite,
  ) {}

  send(pool: UpstreamPool, credentials: OpenAICredentials | undefined): Promise<OpenAIPassthroughResponse> {
    const call = {
      url: this.endpoint.url(this.context.upstreamModel),
      headers: this.endpoint.requestHeaders(this.context, this.stream, credentials),
      body: JSON.stringify(this.rewrite.body),
      timeouts: this.context.timeouts,
      signal: this.context.signal,
      provider: this.provider,
    };
    // The whole answer is read through the dispatcher (no body stream): the cheapest way through undici.
    if (!this.stream) return sendUpstreamBuffered(call, pool).then((whole) => this.whole(whole));
    // Streams come through the dispatcher too: chunks straight into the tap, no body stream in between.
    return sendUpstreamStreamed(call, pool).then((response) => this.streamed(response));
  }

  private whole(whole: BufferedUpstreamResponse): OpenAIPassthroughResponse {
    const provider = this.provider;
    const upstreamRequestId = openAIRequestId(whole.headers);
    if (whole.status < 200 || whole.status >= 300) throw mapOpenAIHttpError(whole.status, whole.headers, whole.body.toString('utf8'), provider);
    const bytes = whole.body;
    const usage = usageOfBody(bytes);
    // A 2xx whose body is not a JSON object is the upstream's failure, not an answer to forward.
    if ((usage === undefined || !looksBracketed(bytes)) && !isJsonObject(bytes)) throw badUpstreamResponse(provider, 'the body is not a JSON object', upstreamRequestId);
    // Nor is one without choices: an error object (some servers answer 200 with one) fails like a 502 with
    // that body, anything else as a bad response, so the attempt loop can try another candidate.
    if (!bytes.includes(CHOICES_KEY)) {
      if (bytes.includes(ERROR_KEY)) throw mapOpenAIHttpError(502, whole.headers, bytes.toString('utf8'), provider);
      throw badUpstreamResponse(provider, 'the body has no choices', upstreamRequestId);
    }
    return {
      status: whole.status,
      headers: forwardableHeaders(whole.headers),
      body: bytes,
      usage: () => usage,
      finished: complete,
      deliveredChars: none,
      upstreamRequestId,
      warnings: this.rewrite.warnings,
    };
  }

  private streamed(response: StreamedUpstreamResponse): OpenAIPassthroughResponse {
    const provider = this.provider;
    const upstreamRequestId = openAIRequestId(response.headers);
    if (!response.ok) throw mapOpenAIHttpError(response.status, response.headers, response.body.toString('utf8'), provider);
    const headers = forwardableHeaders(response.headers);
    const body = streamBody(response.headers, response.chunks, provider, wholeCompletion(provider, upstreamRequestId));
    const tap = tapOpenAIStream(body, { stripUsage: !this.rewrite.clientWantsUsage, provider, signal: this.context.signal, upstreamRequestId });
    return {
      status: response.status,
      headers,
      body: tap.events,
      usage: tap.usage,
      finished: tap.finished,
      deliveredChars: tap.deliveredChars,
      upstreamRequestId,
      warnings: this.rewrite.warnings,
    };
  }
}

const CHOICES_KEY = Buffer.from('"choices"');
const ERROR_KEY = Buffer.from('"error"');
const complete = (): boolean => true;
const none = (): number => 0;

/** First and last non-blank bytes are `{` and `}` (cheap; a full parse decides when this fails). */
function looksBracketed(bytes: Buffer): boolean {
  let first = 0;
  while (first < bytes.length && bytes[first] <= 0x20) first++;
  let last = bytes.length - 1;
  while (last > first && bytes[last] <= 0x20) last--;
  return bytes[first] === 0x7b && bytes[last] === 0x7d;
}

/** Whether a body parses as a JSON object (only checked when the cheap usage read found nothing). */
function isJsonObject(bytes: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

const FORWARDED = new Set(['content-type', 'x-request-id', 'apim-request-id', 'openai-processing-ms', 'openai-version']);

/** Headers a same-dialect client may want: content type, request ids, processing time, rate limits. */
function forwardableHeaders(headers: UpstreamHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (FORWARDED.has(name) || name.startsWith('x-ratelimit-')) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Usage of a non-stream body. Parsing the whole body only for its usage cost ~2.5% of a passthrough
 * request in profiles, so the `"usage"` object is cut out and parsed alone: in JSON an unescaped
 * `"usage":` cannot occur inside a string, and the usage object holds only numbers and nested objects
 * (no strings with braces), so brace counting finds its end. Anything unexpected falls back to a full parse.
 */
export function usageOfBody(bytes: Buffer): Usage | undefined {
  const key = bytes.lastIndexOf(USAGE_KEY);
  if (key >= 0) {
    const start = bytes.indexOf(0x7b /* { */, key + USAGE_KEY.length);
    if (start >= 0 && isBlankBetween(bytes, key + USAGE_KEY.length, start)) {
      const read = usageObjectAt(bytes, start);
      if (read) return read;
      // Not the plain shape the byte reader takes: cut the object out by its braces and parse it.
      let depth = 0;
      for (let i = start; i < bytes.length; i++) {
        const byte = bytes[i];
        if (byte === 0x7b) depth++;
        else if (byte === 0x7d && --depth === 0) {
          try {
            return convertOpenAIUsage(JSON.parse(bytes.toString('utf8', start, i + 1)) as OpenAIWireUsage);
          } catch {
            break;
          }
        }
      }
    }
  }
  try {
    const body = JSON.parse(bytes.toString('utf8')) as { usage?: OpenAIWireUsage | null };
    return body.usage && typeof body.usage === 'object' ? convertOpenAIUsage(body.usage) : undefined;
  } catch {
    return undefined;
  }
}

const USAGE_KEY = Buffer.from('"usage"');

/** Only whitespace and the colon between the key and the value's opening brace. */
function isBlankBetween(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const byte = bytes[i];
    if (byte !== 0x3a && byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false;
  }
  return true;
}
