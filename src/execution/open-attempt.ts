import type { DialectCodec, EncodeContext } from '../dialects/dialect.js';
import type { CallContext, PassthroughEvent, ProviderAdapter } from '../providers/provider.js';
import type { ChatRequest, ChatStreamPart, Usage, Warning } from '../spec/index.js';
import { GatewayError } from '../spec/errors.js';
import type { AttemptEvent, AttemptEvents, AttemptSource } from './attempt.js';

/** Same-dialect passthrough: the provider's framed events are forwarded as they are. */
export async function openPassthrough(provider: ProviderAdapter, body: Record<string, unknown>, stream: boolean, context: CallContext, dialect: DialectCodec['name']): Promise<AttemptSource> {
  const response = await provider.passthrough!({ dialect, body, stream }, context);
  const head = { headers: response.headers, upstreamRequestId: response.upstreamRequestId, warnings: response.warnings ?? [] };
  const base = { head, usage: response.usage, finished: response.finished, deliveredChars: response.deliveredChars };
  if (Buffer.isBuffer(response.body)) return { ...base, body: response.body };
  // The taps' iterator (FramedEventTap) also has `poll`.
  return { ...base, events: (response.body as AsyncIterable<PassthroughEvent>)[Symbol.asyncIterator]() as AttemptEvents };
}

/** Translation: canonical request to the provider, its result or parts encoded in the client's dialect. */
export async function openTranslated(
  provider: ProviderAdapter,
  request: ChatRequest,
  context: CallContext,
  codec: DialectCodec,
  encodeContext: EncodeContext,
): Promise<AttemptSource> {
  if (!request.stream) {
    const result = await provider.chat(request, context);
    const body = JSON.stringify(codec.encodeResponse(result, encodeContext));
    const head = { headers: {}, upstreamRequestId: result.upstreamRequestId, warnings: [...result.warnings, ...(codec.responseWarnings?.(result) ?? [])] };
    return { head, body, usage: () => result.usage, finished: () => true, deliveredChars: () => 0 };
  }
  const opened = await provider.chatStream(request, context);
  const warnings: Warning[] = [...opened.warnings];
  if (codec.name === 'openai-chat' && request.reasoning !== undefined && context.model.reasoning && provider.type !== 'openai') {
    warnings.push({ type: 'dropped-content', content: 'reasoning', details: 'OpenAI Chat Completions has no field for reasoning blocks; they are dropped from the stream.' });
  }
  const head = { headers: {}, upstreamRequestId: opened.upstreamRequestId, warnings };
  const encoder = codec.createStreamEncoder(encodeContext);
  let usage: Usage | undefined;
  let finished = false;
  let delivered = 0;
  const parts = opened.stream[Symbol.asyncIterator]();

  async function* events(): AsyncGenerator<AttemptEvent> {
    try {
      for (;;) {
        const next = await parts.next();
        if (next.done) break;
        const part = next.value;
        if (part.type === 'error') {
          yield { kind: 'error', error: part.error };
          return;
        }
        if (part.type === 'start' && part.upstreamRequestId && !head.upstreamRequestId) head.upstreamRequestId = part.upstreamRequestId;
        const kind = kindOf(part);
        if (part.type === 'usage') usage = part.usage;
        else if (part.type === 'finish') {
          usage = part.usage;
          finished = true;
        } else if (kind === 'content') delivered += contentChars(part);
        yield { kind, bytes: encoder.push(part) };
      }
    } finally {
      await parts.return?.().catch(() => undefined);
    }
    if (!finished) {
      yield {
        kind: 'error',
        error: new GatewayError({
          code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED',
          kind: 'upstream_error',
          origin: 'upstream',
          message: `The stream from ${provider.name} ended before the answer was complete.`,
          retryable: true,
          provider: provider.name,
        }),
      };
      return;
    }
    const tail = encoder.end();
    if (tail) yield { kind: 'other', bytes: tail };
  }

  return { head, events: events(), usage: () => usage, finished: () => finished, deliveredChars: () => delivered };
}

function kindOf(part: ChatStreamPart): AttemptEvent['kind'] {
  switch (part.type) {
    case 'start':
      return 'start';
    case 'text-delta':
    case 'reasoning-delta':
    case 'tool-call-start':
    case 'tool-call-delta':
    case 'redacted-reasoning':
      return 'content';
    case 'usage':
      return 'usage';
    case 'finish':
      return 'finish';
    default:
      return 'other';
  }
}

function contentChars(part: ChatStreamPart): number {
  if (part.type === 'text-delta' || part.type === 'reasoning-delta') return part.delta.length;
  if (part.type === 'tool-call-delta') return part.argumentsDelta.length;
  if (part.type === 'tool-call-start') return part.name.length;
  return 0;
}
