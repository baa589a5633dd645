import type { DialectCodec, EncodeContext } from '../dialects/dialect.js';
import type { CallContext, PassthroughEvent, PassthroughResponse, ProviderAdapter } from '../providers/provider.js';
import type { ChatRequest, ChatStreamPart, Usage, Warning } from '../spec/index.js';
import { GatewayError } from '../spec/errors.js';
import type { AttemptEvent, AttemptEvents, AttemptHead, AttemptSource } from './attempt.js';

/** Same-dialect passthrough: the provider's framed events are forwarded as they are. */
export function openPassthrough(provider: ProviderAdapter, body: Record<string, unknown>, stream: boolean, context: CallContext, dialect: DialectCodec['name']): Promise<AttemptSource> {
  try {
    // A promise chain, not an async function: one promise per attempt instead of a suspended frame and two.
    return provider.passthrough!({ dialect, body, stream }, context).then(passthroughSource);
  } catch (error) {
    return Promise.reject(error);
  }
}

function passthroughSource(response: PassthroughResponse): AttemptSource {
  const head = { headers: response.headers, upstreamRequestId: response.upstreamRequestId, warnings: response.warnings ?? [] };
  if (Buffer.isBuffer(response.body)) return { head, body: response.body, usage: response.usage, finished: response.finished, deliveredChars: response.deliveredChars };
  // The taps' iterator (FramedEventTap) also has `poll`.
  const events = (response.body as AsyncIterable<PassthroughEvent>)[Symbol.asyncIterator]() as AttemptEvents;
  return { head, events, usage: response.usage, finished: response.finished, deliveredChars: response.deliveredChars };
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
  const head: AttemptHead = { headers: {}, upstreamRequestId: opened.upstreamRequestId, warnings };
  const parts = opened.stream[Symbol.asyncIterator]() as PollableParts;
  const events = new TranslatedEvents(parts, codec.createStreamEncoder(encodeContext), head, provider.name);
  return { head, events, usage: () => events.usage, finished: () => events.finished, deliveredChars: () => events.delivered };
}

/** A provider's canonical parts; the decoded streams (DecodedStream) also have `poll` and `close`. */
type PollableParts = AsyncIterator<ChatStreamPart> & { poll?(): IteratorResult<ChatStreamPart> | undefined; close?(): void };

const DONE: IteratorResult<AttemptEvent> = Object.freeze({ value: undefined, done: true });

/**
 * A translated attempt's events: each canonical part encoded in the client's dialect, usage and the
 * finish noted; an error part is the last event; parts that end without a finish end with a
 * truncation error, else the encoder's tail (if any) is the last event. The parts are released
 * (`return()`) once they end, fail or the reader stops. A plain iterator, not an async generator: with
 * `poll` a part the provider's stream already holds is encoded without a promise.
 */
class TranslatedEvents implements AttemptEvents {
  usage: Usage | undefined;
  finished = false;
  delivered = 0;
  /** The parts are over (ended, failed, or the reader stopped): nothing more comes. */
  private partsOver = false;
  private readonly step = (result: IteratorResult<ChatStreamPart>) => this.map(result);
  private readonly failed = (error: unknown): never => {
    this.closeParts();
    throw error;
  };

  constructor(
    private readonly parts: PollableParts,
    private readonly encoder: ReturnType<DialectCodec['createStreamEncoder']>,
    private readonly head: AttemptHead,
    private readonly provider: string,
  ) {}

  next(): Promise<IteratorResult<AttemptEvent>> {
    const ready = this.poll();
    if (ready) return Promise.resolve(ready);
    if (this.partsOver) return Promise.resolve(DONE);
    return this.parts.next().then(this.step, this.failed);
  }

  poll(): IteratorResult<AttemptEvent> | undefined {
    if (this.partsOver) return DONE;
    const result = this.parts.poll?.();
    return result === undefined ? undefined : this.map(result);
  }

  return(): Promise<IteratorResult<AttemptEvent>> {
    this.closeParts();
    return Promise.resolve(DONE);
  }

  close(): void {
    this.closeParts();
  }

  private map(result: IteratorResult<ChatStreamPart>): IteratorResult<AttemptEvent> {
    if (this.partsOver) return DONE;
    try {
      if (result.done) {
        this.closeParts();
        if (!this.finished) {
          return { value: { kind: 'error', error: truncated(this.provider) }, done: false };
        }
        const tail = this.encoder.end();
        return tail ? { value: { kind: 'other', bytes: tail }, done: false } : DONE;
      }
      const part = result.value;
      if (part.type === 'error') {
        this.closeParts();
        return { value: { kind: 'error', error: part.error }, done: false };
      }
      if (part.type === 'start' && part.upstreamRequestId && !this.head.upstreamRequestId) this.head.upstreamRequestId = part.upstreamRequestId;
      const kind = kindOf(part);
      if (part.type === 'usage') this.usage = part.usage;
      else if (part.type === 'finish') {
        this.usage = part.usage;
        this.finished = true;
      } else if (kind === 'content') this.delivered += contentChars(part);
      return { value: { kind, bytes: this.encoder.push(part) }, done: false };
    } catch (error) {
      this.closeParts();
      throw error;
    }
  }

  private closeParts(): void {
    if (this.partsOver) return;
    this.partsOver = true;
    if (this.parts.close) this.parts.close();
    else void this.parts.return?.()?.catch(() => undefined);
  }
}

function truncated(provider: string): GatewayError {
  return new GatewayError({
    code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED',
    kind: 'upstream_error',
    origin: 'upstream',
    message: `The stream from ${provider} ended before the answer was complete.`,
    retryable: true,
    provider,
  });
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
