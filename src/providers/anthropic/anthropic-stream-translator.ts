import { randomUUID } from 'node:crypto';
import { GatewayError, type ChatStreamPart } from '../../spec/index.js';
import type { SseEvent } from '../shared/sse-decoder.js';
import type { AnthropicUsageFields } from './anthropic-api-types.js';
import { badUpstreamResponse, mapAnthropicStreamError } from './anthropic-errors.js';
import { isRecord, numberField, parseJsonSafely, recordField, stringField, type JsonObject } from './anthropic-narrowing.js';
import { convertAnthropicUsage, mergeAnthropicUsageFields, readAnthropicUsageFields } from './convert-anthropic-usage.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

export interface AnthropicStreamContext {
  provider: string;
  /** The model id the gateway called, used when message_start names none. */
  upstreamModel: string;
  upstreamRequestId?: string;
}

type BlockKind = 'text' | 'reasoning' | 'tool' | 'redacted' | 'skipped';

interface OpenBlock {
  /** Anthropic's `index` of the block. */
  upstreamIndex: number;
  kind: BlockKind;
  /** Canonical index: position among the blocks the gateway emits (server-tool blocks are skipped). */
  index: number;
  /** Tool input JSON received so far. */
  argumentsJson: string;
  /** Tool input given whole in content_block_start (some proxies do), used when no delta follows. */
  startInputJson?: string;
}

/**
 * Turns Anthropic stream events, one at a time, into canonical stream parts.
 *
 * - message_start opens the message (`start` + a `usage` part with the input side). A repeated
 *   message_start for the same message id is ignored; one for a *different* id while the message
 *   is open means an intermediary spliced a second generation into the body, which is reported
 *   as a retryable error rather than merged (merged thinking signatures would poison later turns).
 * - Blocks: text, thinking (+ signature_delta), redacted_thinking, tool_use (input_json_delta
 *   fragments, the first often ''; no fragment at all means `{}`). Server-tool and unknown blocks
 *   are skipped entirely and do not take a canonical index; citations_delta is ignored.
 * - message_delta usage is cumulative: later fields replace earlier ones, never add.
 * - message_stop -> `finish`; an `error` event -> one `error` part. Nothing follows either.
 */
export class AnthropicStreamTranslator {
  private started = false;
  private messageId: string | undefined;
  private outcome: 'finish' | 'error' | undefined;
  private usage: AnthropicUsageFields = {};
  private stopReason: string | undefined;
  private stopSequence: string | undefined;
  private block: OpenBlock | undefined;
  private nextIndex = 0;

  constructor(private readonly context: AnthropicStreamContext) {}

  /** True once `finish` or `error` was produced; later events are ignored. */
  get finished(): boolean {
    return this.outcome !== undefined;
  }

  /** How the stream ended, once it has. */
  get finishedWith(): 'finish' | 'error' | undefined {
    return this.outcome;
  }

  push(event: SseEvent): ChatStreamPart[] {
    if (this.outcome) return [];
    const data = parseJsonSafely(event.data);
    if (!isRecord(data)) {
      return this.fail(badUpstreamResponse(this.context.provider, `stream event ${event.event ?? ''} is not a JSON object`, this.context.upstreamRequestId));
    }
    switch (stringField(data, 'type') ?? event.event) {
      case 'message_start':
        return this.onMessageStart(recordField(data, 'message') ?? {});
      case 'content_block_start':
        return this.onBlockStart(data);
      case 'content_block_delta':
        return this.onBlockDelta(data);
      case 'content_block_stop':
        return this.block && numberField(data, 'index') === this.block.upstreamIndex ? this.closeBlock() : [];
      case 'message_delta':
        return this.onMessageDelta(data);
      case 'message_stop':
        return this.onMessageStop();
      case 'error':
        return this.fail(mapAnthropicStreamError(data, this.context.provider, this.context.upstreamRequestId));
      default:
        // ping and event types added after this adapter was written.
        return [];
    }
  }

  /** The body ended. Without message_stop the response is incomplete: a retryable error. */
  end(): ChatStreamPart[] {
    if (this.outcome) return [];
    return this.fail(
      new GatewayError({
        code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED',
        kind: 'upstream_error',
        origin: 'upstream',
        status: 502,
        message: `The stream from Anthropic upstream ${this.context.provider} ended before message_stop.`,
        retryable: true,
        provider: this.context.provider,
        upstreamRequestId: this.context.upstreamRequestId,
      }),
    );
  }

  private onMessageStart(message: JsonObject): ChatStreamPart[] {
    const id = stringField(message, 'id');
    if (this.started) {
      if (id === undefined || id === this.messageId) return [];
      return this.fail(
        new GatewayError({
          code: 'SWY_ERR_UPSTREAM_STREAM_SPLICED',
          kind: 'upstream_error',
          origin: 'upstream',
          status: 502,
          message: `The stream from Anthropic upstream ${this.context.provider} started a second message (${id}) while ${this.messageId ?? 'the first'} was still open; an intermediary spliced two generations together.`,
          retryable: true,
          provider: this.context.provider,
          upstreamRequestId: this.context.upstreamRequestId,
        }),
      );
    }
    this.usage = mergeAnthropicUsageFields(this.usage, readAnthropicUsageFields(message.usage));
    return [this.startPart(id, stringField(message, 'model')), { type: 'usage', usage: convertAnthropicUsage(this.usage) }];
  }

  private startPart(id: string | undefined, model: string | undefined): ChatStreamPart {
    this.started = true;
    this.messageId = id;
    const part: ChatStreamPart = { type: 'start', id: id ?? `msg_gw_${randomUUID()}`, model: model ?? this.context.upstreamModel };
    if (this.context.upstreamRequestId !== undefined) part.upstreamRequestId = this.context.upstreamRequestId;
    return part;
  }

  private onBlockStart(data: JsonObject): ChatStreamPart[] {
    const parts = this.started ? this.closeBlock() : [this.startPart(undefined, undefined)];
    const upstreamIndex = numberField(data, 'index') ?? -1;
    const content = recordField(data, 'content_block') ?? {};
    const type = stringField(content, 'type') ?? '';
    const open = (kind: BlockKind): OpenBlock => {
      const block: OpenBlock = { upstreamIndex, kind, index: kind === 'skipped' ? -1 : this.nextIndex++, argumentsJson: '' };
      this.block = block;
      return block;
    };
    switch (type) {
      case 'text': {
        const block = open('text');
        parts.push({ type: 'text-start', index: block.index });
        const text = stringField(content, 'text');
        if (text) parts.push({ type: 'text-delta', index: block.index, delta: text });
        break;
      }
      case 'thinking': {
        const block = open('reasoning');
        parts.push({ type: 'reasoning-start', index: block.index });
        const thinking = stringField(content, 'thinking');
        if (thinking) parts.push({ type: 'reasoning-delta', index: block.index, delta: thinking });
        const signature = stringField(content, 'signature');
        if (signature) parts.push({ type: 'reasoning-signature', index: block.index, signature });
        break;
      }
      case 'redacted_thinking': {
        const block = open('redacted');
        parts.push({ type: 'redacted-reasoning', index: block.index, data: stringField(content, 'data') ?? '' });
        break;
      }
      case 'tool_use': {
        const block = open('tool');
        parts.push({ type: 'tool-call-start', index: block.index, id: stringField(content, 'id') ?? '', name: stringField(content, 'name') ?? '' });
        const input = recordField(content, 'input');
        if (input && Object.keys(input).length > 0) block.startInputJson = JSON.stringify(input);
        break;
      }
      default:
        open('skipped');
    }
    return parts;
  }

  private onBlockDelta(data: JsonObject): ChatStreamPart[] {
    const block = this.block;
    if (!block || numberField(data, 'index') !== block.upstreamIndex) return [];
    const delta = recordField(data, 'delta') ?? {};
    switch (stringField(delta, 'type')) {
      case 'text_delta': {
        const text = stringField(delta, 'text');
        return block.kind === 'text' && text ? [{ type: 'text-delta', index: block.index, delta: text }] : [];
      }
      case 'thinking_delta': {
        const thinking = stringField(delta, 'thinking');
        return block.kind === 'reasoning' && thinking ? [{ type: 'reasoning-delta', index: block.index, delta: thinking }] : [];
      }
      case 'signature_delta': {
        const signature = stringField(delta, 'signature');
        return block.kind === 'reasoning' && signature ? [{ type: 'reasoning-signature', index: block.index, signature }] : [];
      }
      case 'input_json_delta': {
        const fragment = stringField(delta, 'partial_json');
        if (block.kind !== 'tool' || !fragment) return [];
        block.argumentsJson += fragment;
        return [{ type: 'tool-call-delta', index: block.index, argumentsDelta: fragment }];
      }
      default:
        // citations_delta and future delta types carry nothing the canonical form keeps.
        return [];
    }
  }

  private closeBlock(): ChatStreamPart[] {
    const block = this.block;
    if (!block) return [];
    this.block = undefined;
    switch (block.kind) {
      case 'text':
        return [{ type: 'text-end', index: block.index }];
      case 'reasoning':
        return [{ type: 'reasoning-end', index: block.index }];
      case 'tool': {
        const parts: ChatStreamPart[] = [];
        // A tool called without arguments streams no fragment (or only ''): its arguments are {}.
        if (block.argumentsJson.trim() === '') {
          parts.push({ type: 'tool-call-delta', index: block.index, argumentsDelta: block.startInputJson ?? '{}' });
        }
        parts.push({ type: 'tool-call-end', index: block.index });
        return parts;
      }
      default:
        return [];
    }
  }

  private onMessageDelta(data: JsonObject): ChatStreamPart[] {
    // A block still open here was cut off (max_tokens in the middle of tool input): close it.
    const parts = this.closeBlock();
    const delta = recordField(data, 'delta') ?? {};
    const stopReason = stringField(delta, 'stop_reason');
    if (stopReason !== undefined) this.stopReason = stopReason;
    const stopSequence = stringField(delta, 'stop_sequence');
    if (stopSequence !== undefined) this.stopSequence = stopSequence;
    if (data.usage !== undefined) {
      this.usage = mergeAnthropicUsageFields(this.usage, readAnthropicUsageFields(data.usage));
      parts.push({ type: 'usage', usage: convertAnthropicUsage(this.usage) });
    }
    return parts;
  }

  private onMessageStop(): ChatStreamPart[] {
    const parts = this.started ? this.closeBlock() : [this.startPart(undefined, undefined)];
    const mapped = mapAnthropicStopReason(this.stopReason);
    const finish: ChatStreamPart = { type: 'finish', finishReason: mapped.finishReason, usage: convertAnthropicUsage(this.usage) };
    if (mapped.rawFinishReason !== undefined) finish.rawFinishReason = mapped.rawFinishReason;
    if (this.stopSequence !== undefined) finish.stopSequence = this.stopSequence;
    parts.push(finish);
    this.outcome = 'finish';
    return parts;
  }

  private fail(error: GatewayError): ChatStreamPart[] {
    this.outcome = 'error';
    return [{ type: 'error', error }];
  }
}
