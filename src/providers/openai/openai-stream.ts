import type { ChatStreamPart, GatewayError, Usage } from '../../spec/index.js';
import { DecodedStream, type StreamDecoder } from '../shared/decoded-stream.js';
import { SseDecoder, type SseEvent } from '../shared/sse-decoder.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { badUpstreamResponse, mapOpenAIErrorObject, streamTruncated } from './openai-errors.js';
import { generateResponseId, generateToolCallId } from './openai-ids.js';
import type { OpenAIChatCompletionChunk, OpenAIChunkDelta, OpenAIChunkToolCall } from './openai-wire-types.js';
import { objectItems, stringOr } from './openai-wire-narrowing.js';
import { mapBodyReadError } from '../shared/upstream-http.js';

export interface OpenAIStreamContext {
  provider: string;
  upstreamModel: string;
  upstreamRequestId?: string;
  /** The client's signal: tells a disconnect from a total timeout when the body read fails. */
  signal: AbortSignal;
}

/**
 * A Chat Completions SSE body → canonical stream parts.
 *
 * - `start` goes out with the first chunk that has an id (Azure's leading prompt-filter chunk has
 *   `id: ""` and no choices, and is skipped).
 * - Only choice 0 is followed (n > 1 is not representable in the canonical stream).
 * - Text (content or refusal), reasoning (compatible servers' `reasoning_content`/`reasoning`) and
 *   tool calls (keyed by `tool_calls[].index`) become blocks; a block closes when another begins
 *   or when finish_reason arrives.
 * - finish_reason arrives before the usage chunk, so `finish` is emitted only when the stream ends
 *   ([DONE] or EOF), with the last usage seen. A stream that ends without a finish_reason yields a
 *   retryable SWY_ERR_UPSTREAM_STREAM_TRUNCATED error part instead.
 * - `data: {"error":…}` and body read failures (idle/total timeout, reset, client abort) become an
 *   error part; nothing follows it.
 */
export function decodeOpenAIStream(body: AsyncIterable<Uint8Array>, context: OpenAIStreamContext): DecodedStream<ChatStreamPart> {
  return new DecodedStream(body, new OpenAIPartsDecoder(context));
}

/** The SSE events of a chunk through OpenAIStreamState, synchronously (DecodedStream runs it per chunk). */
class OpenAIPartsDecoder implements StreamDecoder<ChatStreamPart> {
  private readonly sse = new SseDecoder();
  private readonly events: SseEvent[] = [];
  private readonly state: OpenAIStreamState;

  constructor(private readonly context: OpenAIStreamContext) {
    this.state = new OpenAIStreamState(context);
  }

  chunk(chunk: Uint8Array, out: ChatStreamPart[]): 'more' | 'stop' {
    this.sse.feed(chunk, this.events);
    return this.translate(out);
  }

  end(out: ChatStreamPart[]): void {
    this.sse.end(this.events);
    if (this.translate(out) === 'stop') return;
    for (const part of this.state.end()) out.push(part);
  }

  fail(error: unknown, out: ChatStreamPart[]): void {
    this.events.length = 0;
    for (const part of this.state.fail(mapBodyReadError(error, this.context.provider, this.context.signal))) out.push(part);
  }

  /** 'stop' at [DONE] (the answer is complete: its finish goes out now) or after an error part. */
  private translate(out: ChatStreamPart[]): 'more' | 'stop' {
    const events = this.events;
    try {
      for (let i = 0; i < events.length; i++) {
        const data = events[i].data.trim();
        if (data === '[DONE]') {
          for (const part of this.state.end()) out.push(part);
          return 'stop';
        }
        if (data === '') continue;
        for (const part of this.state.push(data)) out.push(part);
        if (this.state.failed) return 'stop';
      }
      return 'more';
    } finally {
      events.length = 0;
    }
  }
}

type OpenBlock =
  | { kind: 'text'; index: number }
  | { kind: 'reasoning'; index: number }
  | { kind: 'tool'; index: number; toolIndex: number; id: string; hasArguments: boolean };

class OpenAIStreamState {
  failed = false;
  private started = false;
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  private readonly closedToolIndexes = new Set<number>();
  private finishReason: string | undefined;
  private usage: Usage | undefined;

  constructor(private readonly context: OpenAIStreamContext) {}

  *push(data: string): Generator<ChatStreamPart> {
    let chunk: OpenAIChatCompletionChunk;
    try {
      chunk = JSON.parse(data) as OpenAIChatCompletionChunk;
    } catch {
      yield* this.fail(badUpstreamResponse(this.context.provider, 'a stream chunk is not valid JSON', this.context.upstreamRequestId));
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) {
      yield* this.fail(badUpstreamResponse(this.context.provider, 'a stream chunk is not a JSON object', this.context.upstreamRequestId));
      return;
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      yield* this.fail(mapOpenAIErrorObject(chunk.error, { provider: this.context.provider, upstreamRequestId: this.context.upstreamRequestId }));
      return;
    }
    if (!this.started && typeof chunk.id === 'string' && chunk.id !== '') yield* this.start(chunk);

    const choice = objectItems<ChunkChoice>(chunk.choices).find((c) => (c.index ?? 0) === 0);
    if (choice?.delta) yield* this.delta(chunk, choice.delta);
    if (typeof choice?.finish_reason === 'string' && choice.finish_reason !== '') {
      // Choice 0 is complete: close its block now, before the usage chunk that follows.
      this.finishReason = choice.finish_reason;
      yield* this.close();
    }
    if (chunk.usage && typeof chunk.usage === 'object') {
      yield* this.start(chunk);
      this.usage = convertOpenAIUsage(chunk.usage);
      yield { type: 'usage', usage: this.usage };
    }
  }

  *end(): Generator<ChatStreamPart> {
    if (this.finishReason === undefined) {
      yield* this.fail(streamTruncated(this.context.provider, this.context.upstreamRequestId));
      return;
    }
    yield* this.start({});
    yield* this.close();
    yield {
      type: 'finish',
      finishReason: mapOpenAIFinishReason(this.finishReason),
      rawFinishReason: this.finishReason,
      usage: this.usage ?? { inputTokens: 0, outputTokens: 0 },
    };
  }

  *fail(error: GatewayError): Generator<ChatStreamPart> {
    this.failed = true;
    yield { type: 'error', error };
  }

  private *start(chunk: OpenAIChatCompletionChunk): Generator<ChatStreamPart> {
    if (this.started) return;
    this.started = true;
    const id = typeof chunk.id === 'string' && chunk.id !== '' ? chunk.id : generateResponseId();
    const model = typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : this.context.upstreamModel;
    const part: ChatStreamPart = { type: 'start', id, model };
    if (this.context.upstreamRequestId !== undefined) part.upstreamRequestId = this.context.upstreamRequestId;
    yield part;
  }

  private *delta(chunk: OpenAIChatCompletionChunk, delta: OpenAIChunkDelta): Generator<ChatStreamPart> {
    const reasoning = nonEmpty(delta.reasoning_content) ?? nonEmpty(delta.reasoning);
    if (reasoning !== undefined) {
      yield* this.start(chunk);
      if (this.open?.kind !== 'reasoning') yield* this.openBlock({ kind: 'reasoning', index: this.nextIndex });
      yield { type: 'reasoning-delta', index: (this.open as OpenBlock).index, delta: reasoning };
    }
    const text = nonEmpty(delta.content) ?? nonEmpty(delta.refusal);
    if (text !== undefined) {
      yield* this.start(chunk);
      if (this.open?.kind !== 'text') yield* this.openBlock({ kind: 'text', index: this.nextIndex });
      yield { type: 'text-delta', index: (this.open as OpenBlock).index, delta: text };
    }
    const calls = objectItems<OpenAIChunkToolCall>(delta.tool_calls);
    for (let position = 0; position < calls.length; position++) {
      yield* this.start(chunk);
      yield* this.toolCall(calls[position], position);
      if (this.failed) return;
    }
  }

  private *toolCall(call: OpenAIChunkToolCall, position: number): Generator<ChatStreamPart> {
    const toolIndex = typeof call.index === 'number' ? call.index : position;
    const id = nonEmpty(call.id);
    const open = this.open;
    const continues = open?.kind === 'tool' && open.toolIndex === toolIndex && (id === undefined || id === open.id);
    if (!continues) {
      if (id === undefined && this.closedToolIndexes.has(toolIndex)) {
        // Blocks cannot interleave; OpenAI never does this, so treat it as a broken stream.
        yield* this.fail(badUpstreamResponse(this.context.provider, `tool call ${toolIndex} continued after another block began`, this.context.upstreamRequestId));
        return;
      }
      const block: OpenBlock = { kind: 'tool', index: this.nextIndex, toolIndex, id: id ?? generateToolCallId(), hasArguments: false };
      yield* this.openBlock(block);
      yield { type: 'tool-call-start', index: block.index, id: block.id, name: stringOr(call.function?.name, '') };
    }
    const fragment = nonEmpty(call.function?.arguments);
    if (fragment !== undefined && this.open?.kind === 'tool') {
      this.open.hasArguments = true;
      yield { type: 'tool-call-delta', index: this.open.index, argumentsDelta: fragment };
    }
  }

  /** Closes the open block and opens `block`; text and reasoning blocks announce themselves here. */
  private *openBlock(block: OpenBlock): Generator<ChatStreamPart> {
    yield* this.close();
    this.open = block;
    this.nextIndex++;
    if (block.kind === 'text') yield { type: 'text-start', index: block.index };
    else if (block.kind === 'reasoning') yield { type: 'reasoning-start', index: block.index };
  }

  private *close(): Generator<ChatStreamPart> {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    if (open.kind === 'text') yield { type: 'text-end', index: open.index };
    else if (open.kind === 'reasoning') yield { type: 'reasoning-end', index: open.index };
    else {
      this.closedToolIndexes.add(open.toolIndex);
      // Canonical tool arguments are JSON text; a call streamed without any is "{}".
      if (!open.hasArguments) yield { type: 'tool-call-delta', index: open.index, argumentsDelta: '{}' };
      yield { type: 'tool-call-end', index: open.index };
    }
  }
}

type ChunkChoice = NonNullable<OpenAIChatCompletionChunk['choices']>[number];

function nonEmpty(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
