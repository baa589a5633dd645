import type { ChatStreamPart } from '../../spec/chat-stream-part.js';
import { GatewayError } from '../../spec/errors.js';
import { EMPTY_USAGE, type Usage } from '../../spec/usage.js';
import type { EncodeContext, StreamEncoder } from '../dialect.js';
import { generateAnthropicMessageId, toAnthropicMessageId } from './anthropic-message-id.js';
import { encodeAnthropicMessagesStreamError } from './encode-anthropic-messages-error.js';
import { encodeAnthropicUsage } from './encode-anthropic-usage.js';
import { anthropicStopSequence, mapFinishReasonToAnthropic } from './map-finish-reason-to-anthropic.js';

/**
 * Canonical stream parts → Anthropic Messages SSE (`event: <type>\ndata: <json>\n\n`, event name equal
 * to data.type; fixtures README, Anthropic facts 4–7):
 *
 *   message_start  ping  ( content_block_start  content_block_delta*  content_block_stop )*
 *   message_delta  message_stop
 *
 * or, at any point, `event: error` and nothing after it.
 *
 * - message_start is written lazily, with the first part that is neither `start` nor `usage`, so
 *   usage an upstream reports up front (Anthropic's own message_start) is in it; otherwise its
 *   input side is 0 and the client gets the real numbers from message_delta, whose usage is the
 *   cumulative final usage (the official SDKs overwrite their snapshot with it).
 * - Block indices are renumbered densely from 0 in arrival order. A delta for a text or reasoning
 *   block that was not started opens one; a block still open when another starts, or at finish, is
 *   closed first. Tool-call deltas without a started tool call (no id or name to announce) and ends
 *   of blocks that are not open are ignored.
 * - `redacted-reasoning` is one complete block (start carrying `data`, then stop).
 * - Empty text, thinking and argument fragments are skipped.
 * - `end()` after neither finish nor error writes an api_error event, so a truncated upstream stream
 *   never looks like a complete message to the client. A server that renders a thrown error should
 *   push it as an `error` part (or not call `end()` after encodeStreamError).
 */
export function createAnthropicMessagesStreamEncoder(context: EncodeContext): StreamEncoder {
  return new AnthropicMessagesStreamEncoder(context);
}

type BlockKind = 'text' | 'thinking' | 'tool_use';

const PING = 'event: ping\ndata: {"type":"ping"}\n\n';
const MESSAGE_STOP = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';

class AnthropicMessagesStreamEncoder implements StreamEncoder {
  private readonly context: EncodeContext;
  private messageId: string | undefined;
  private model: string | undefined;
  private usage: Usage | undefined;
  private started = false;
  private finished = false;
  private nextIndex = 0;
  /** The open block: its canonical index, its wire index and what it is. */
  private openCanonical = -1;
  private openWire = -1;
  private openKind: BlockKind | undefined;

  constructor(context: EncodeContext) {
    this.context = context;
  }

  push(part: ChatStreamPart): string {
    if (this.finished) return '';
    switch (part.type) {
      case 'start':
        if (!this.started && this.messageId === undefined) {
          this.messageId = toAnthropicMessageId(part.id);
          this.model = part.model;
        }
        return '';
      case 'usage':
        this.usage = part.usage;
        return '';
      case 'text-start':
        return this.begin() + this.open(part.index, 'text', '{"type":"text","text":""}');
      case 'text-delta':
        if (part.delta === '') return '';
        return (
          this.begin() +
          this.ensureOpen(part.index, 'text') +
          this.delta(`{"type":"text_delta","text":${JSON.stringify(part.delta)}}`)
        );
      case 'reasoning-start':
        return this.begin() + this.open(part.index, 'thinking', '{"type":"thinking","thinking":"","signature":""}');
      case 'reasoning-delta':
        if (part.delta === '') return '';
        return (
          this.begin() +
          this.ensureOpen(part.index, 'thinking') +
          this.delta(`{"type":"thinking_delta","thinking":${JSON.stringify(part.delta)}}`)
        );
      case 'reasoning-signature':
        return (
          this.begin() +
          this.ensureOpen(part.index, 'thinking') +
          this.delta(`{"type":"signature_delta","signature":${JSON.stringify(part.signature)}}`)
        );
      case 'tool-call-start':
        return (
          this.begin() +
          this.open(
            part.index,
            'tool_use',
            `{"type":"tool_use","id":${JSON.stringify(part.id)},"name":${JSON.stringify(part.name)},"input":{}}`,
          )
        );
      case 'tool-call-delta':
        if (part.argumentsDelta === '' || !this.isOpen(part.index, 'tool_use')) return '';
        return this.delta(`{"type":"input_json_delta","partial_json":${JSON.stringify(part.argumentsDelta)}}`);
      case 'text-end':
        return this.isOpen(part.index, 'text') ? this.close() : '';
      case 'reasoning-end':
        return this.isOpen(part.index, 'thinking') ? this.close() : '';
      case 'tool-call-end':
        return this.isOpen(part.index, 'tool_use') ? this.close() : '';
      case 'redacted-reasoning': {
        const out = this.begin() + this.close();
        const index = this.nextIndex++;
        return (
          out +
          `event: content_block_start\ndata: {"type":"content_block_start","index":${index},"content_block":{"type":"redacted_thinking","data":${JSON.stringify(part.data)}}}\n\n` +
          stopEvent(index)
        );
      }
      case 'finish': {
        const out = this.begin() + this.close();
        this.finished = true;
        const delta = {
          type: 'message_delta',
          delta: {
            stop_reason: mapFinishReasonToAnthropic(part.finishReason),
            stop_sequence: anthropicStopSequence(part.finishReason, part.stopSequence),
          },
          // Cumulative final totals, input side included (newer Anthropic API versions do the same).
          usage: encodeAnthropicUsage(part.usage),
        };
        return `${out}event: message_delta\ndata: ${JSON.stringify(delta)}\n\n${MESSAGE_STOP}`;
      }
      case 'error':
        this.finished = true;
        return encodeAnthropicMessagesStreamError(part.error);
    }
  }

  end(): string {
    if (this.finished) return '';
    this.finished = true;
    return encodeAnthropicMessagesStreamError(
      new GatewayError({
        code: 'SWY_ERR_STREAM_INCOMPLETE',
        kind: 'upstream_error',
        origin: 'upstream',
        message: 'The upstream stream ended before the response was complete.',
      }),
    );
  }

  /** message_start + ping, once. */
  private begin(): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: this.messageId ?? generateAnthropicMessageId(),
      type: 'message',
      role: 'assistant',
      model: this.model || this.context.servedModel || this.context.requestedModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: encodeAnthropicUsage(this.usage ?? EMPTY_USAGE),
    };
    return `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message })}\n\n${PING}`;
  }

  private isOpen(canonicalIndex: number, kind: BlockKind): boolean {
    return this.openKind === kind && this.openCanonical === canonicalIndex;
  }

  private ensureOpen(canonicalIndex: number, kind: 'text' | 'thinking'): string {
    if (this.isOpen(canonicalIndex, kind)) return '';
    return this.open(
      canonicalIndex,
      kind,
      kind === 'text' ? '{"type":"text","text":""}' : '{"type":"thinking","thinking":"","signature":""}',
    );
  }

  /** Closes whatever is open and starts a new block (no-op if exactly this block is open). */
  private open(canonicalIndex: number, kind: BlockKind, contentBlockJson: string): string {
    if (this.isOpen(canonicalIndex, kind)) return '';
    const out = this.close();
    this.openCanonical = canonicalIndex;
    this.openKind = kind;
    this.openWire = this.nextIndex++;
    return `${out}event: content_block_start\ndata: {"type":"content_block_start","index":${this.openWire},"content_block":${contentBlockJson}}\n\n`;
  }

  private delta(deltaJson: string): string {
    return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.openWire},"delta":${deltaJson}}\n\n`;
  }

  private close(): string {
    if (this.openKind === undefined) return '';
    this.openKind = undefined;
    this.openCanonical = -1;
    return stopEvent(this.openWire);
  }
}

function stopEvent(index: number): string {
  return `event: content_block_stop\ndata: {"type":"content_block_stop","index":${index}}\n\n`;
}
