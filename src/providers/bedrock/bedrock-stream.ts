import type { ChatStreamPart } from '../../spec/chat-stream-part.js';
import type { GatewayError } from '../../spec/errors.js';
import type { Usage } from '../../spec/usage.js';
import { DecodedStream, type StreamDecoder } from '../shared/decoded-stream.js';
import { decodeEventStreamFrame, EventStreamFrameSplitter, readBedrockFrame, type BedrockStreamFrame } from './bedrock-event-stream.js';
import {
  bedrockStreamErrorFrame,
  bedrockStreamException,
  bedrockStreamInvalid,
  bedrockStreamTruncated,
} from './bedrock-errors.js';
import { bedrockStopSequence } from './convert-bedrock-response.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js';

export interface BedrockStreamContext {
  provider: string;
  modelId: string;
  responseId: string;
  upstreamRequestId?: string;
}

type BlockKind = 'text' | 'reasoning' | 'tool' | 'redacted';

interface OpenBlock {
  kind: BlockKind;
  /** Bedrock's contentBlockIndex. */
  upstreamIndex: number;
  /** Canonical index (position among all emitted blocks). */
  index: number;
  /** tool: whether any argument text was emitted. */
  hasArguments: boolean;
  /** redacted: the base64 blobs received, joined at the end. */
  redacted: string[];
}

/**
 * ConverseStream events → canonical stream parts (fixtures README, Bedrock 7-10).
 *
 * Upstream order: messageStart, per block [contentBlockStart (tool use only)] contentBlockDelta*
 * contentBlockStop, messageStop {stopReason}, metadata {usage}. Text and reasoning blocks have no start
 * event and are opened on their first delta; a block is also closed when a delta for another block
 * arrives, so canonical blocks never interleave even when an upstream omits contentBlockStop. Usage
 * exists only in `metadata`, which comes after messageStop: `finish` is emitted once both are in (or
 * at the end of the stream when metadata never came). `start` is emitted with the first upstream
 * event, so a stream whose first frame is an exception yields only the error. An exception frame
 * yields one error part and ends the conversion; so does the end of the bytes before messageStop.
 * Blocks of tools the model runs itself (a toolUse start of type `server_tool_use`, a toolResult
 * start) are skipped with all their deltas and take no canonical index, as Anthropic server-tool
 * blocks are: they are not calls for the client (a stream has no channel for a warning by then).
 */
export class BedrockStreamConverter {
  private started = false;
  private state: 'open' | 'finished' | 'failed' = 'open';
  private block: OpenBlock | undefined;
  private nextIndex = 0;
  /** Upstream indices of blocks of tools the model runs itself (server_tool_use and its toolResult). */
  private readonly serverToolBlocks = new Set<number>();
  private stop: { stopReason?: string; stopSequence?: string } | undefined;
  private usage: Usage | undefined;

  constructor(private readonly context: BedrockStreamContext) {}

  /** True once `finish` or `error` was emitted; later input is ignored. */
  get done(): boolean {
    return this.state !== 'open';
  }

  accept(frame: BedrockStreamFrame): ChatStreamPart[] {
    if (this.done) return [];
    const { provider, upstreamRequestId } = this.context;
    if (frame.kind === 'exception') return this.fail(bedrockStreamException(frame.exceptionType, frame.payload, provider, upstreamRequestId));
    if (frame.kind === 'error') return this.fail(bedrockStreamErrorFrame(frame.errorCode, frame.errorMessage, provider, upstreamRequestId));
    const parts: ChatStreamPart[] = [];
    if (!this.started) {
      this.started = true;
      parts.push({ type: 'start', id: this.context.responseId, model: this.context.modelId, ...(upstreamRequestId ? { upstreamRequestId } : {}) });
    }
    const payload = frame.payload;
    switch (frame.eventType) {
      case 'contentBlockStart':
        this.onBlockStart(payload, parts);
        break;
      case 'contentBlockDelta':
        this.onBlockDelta(payload, parts);
        break;
      case 'contentBlockStop':
        if (this.block && this.block.upstreamIndex === integer(payload.contentBlockIndex)) this.closeBlock(parts);
        break;
      case 'messageStop':
        this.closeBlock(parts);
        this.stop = {
          stopReason: typeof payload.stopReason === 'string' ? payload.stopReason : undefined,
          stopSequence: bedrockStopSequence(payload.additionalModelResponseFields),
        };
        if (this.usage) this.finish(parts);
        break;
      case 'metadata':
        this.usage = convertBedrockUsage(payload.usage);
        if (this.stop) this.finish(parts);
        else parts.push({ type: 'usage', usage: this.usage });
        break;
      default:
        // messageStart carries only the role; unknown future events are skipped.
        break;
    }
    return parts;
  }

  /** True once an `error` part was emitted. */
  get failed(): boolean {
    return this.state === 'failed';
  }

  /** The upstream bytes ended. */
  end(): ChatStreamPart[] {
    if (this.done) return [];
    if (!this.stop) return this.fail(bedrockStreamTruncated(this.context.provider, this.context.upstreamRequestId));
    const parts: ChatStreamPart[] = [];
    this.closeBlock(parts);
    this.finish(parts);
    return parts;
  }

  /** Ends the conversion with one error part. */
  fail(error: GatewayError): ChatStreamPart[] {
    if (this.done) return [];
    this.state = 'failed';
    return [{ type: 'error', error }];
  }

  private onBlockStart(payload: Record<string, unknown>, parts: ChatStreamPart[]): void {
    const start = record(payload.start);
    const toolUse = record(start?.toolUse);
    const upstreamIndex = integer(payload.contentBlockIndex) ?? -1;
    if (toolUse?.type === 'server_tool_use' || record(start?.toolResult)) {
      // A tool the model runs itself: not a call for the client. The block and its deltas are skipped.
      this.closeBlock(parts);
      this.serverToolBlocks.add(upstreamIndex);
      return;
    }
    if (!toolUse) return; // text, reasoning (and image starts) open on their first delta
    this.closeBlock(parts);
    const index = this.openBlock('tool', upstreamIndex);
    parts.push({
      type: 'tool-call-start',
      index,
      id: typeof toolUse.toolUseId === 'string' ? toolUse.toolUseId : `tooluse_${this.context.responseId}_${index}`,
      name: typeof toolUse.name === 'string' ? toolUse.name : '',
    });
  }

  private onBlockDelta(payload: Record<string, unknown>, parts: ChatStreamPart[]): void {
    const upstreamIndex = integer(payload.contentBlockIndex) ?? -1;
    if (this.serverToolBlocks.has(upstreamIndex)) return;
    const delta = record(payload.delta);
    if (!delta) return;
    if (typeof delta.text === 'string') {
      if (delta.text === '') return;
      const index = this.ensureBlock('text', upstreamIndex, parts);
      parts.push({ type: 'text-delta', index, delta: delta.text });
      return;
    }
    const toolUse = record(delta.toolUse);
    if (toolUse) {
      const index = this.ensureBlock('tool', upstreamIndex, parts);
      const fragment = typeof toolUse.input === 'string' ? toolUse.input : '';
      if (fragment !== '' && this.block) {
        this.block.hasArguments = true;
        parts.push({ type: 'tool-call-delta', index, argumentsDelta: fragment });
      }
      return;
    }
    const reasoning = record(delta.reasoningContent);
    if (reasoning) {
      if (typeof reasoning.redactedContent === 'string') {
        this.ensureBlock('redacted', upstreamIndex, parts);
        this.block?.redacted.push(reasoning.redactedContent);
        return;
      }
      if (typeof reasoning.text === 'string') {
        const index = this.ensureBlock('reasoning', upstreamIndex, parts);
        if (reasoning.text !== '') parts.push({ type: 'reasoning-delta', index, delta: reasoning.text });
      }
      if (typeof reasoning.signature === 'string') {
        const index = this.ensureBlock('reasoning', upstreamIndex, parts);
        parts.push({ type: 'reasoning-signature', index, signature: reasoning.signature });
      }
    }
    // citation, image and toolResult deltas have no canonical form and are skipped.
  }

  /** The canonical index of the open block for this upstream block, opening (and closing the previous) as needed. */
  private ensureBlock(kind: BlockKind, upstreamIndex: number, parts: ChatStreamPart[]): number {
    if (this.block && this.block.kind === kind && this.block.upstreamIndex === upstreamIndex) return this.block.index;
    this.closeBlock(parts);
    const index = this.openBlock(kind, upstreamIndex);
    if (kind === 'text') parts.push({ type: 'text-start', index });
    else if (kind === 'reasoning') parts.push({ type: 'reasoning-start', index });
    else if (kind === 'tool') parts.push({ type: 'tool-call-start', index, id: `tooluse_${this.context.responseId}_${index}`, name: '' });
    return index;
  }

  private openBlock(kind: BlockKind, upstreamIndex: number): number {
    const index = this.nextIndex++;
    this.block = { kind, upstreamIndex, index, hasArguments: false, redacted: [] };
    return index;
  }

  private closeBlock(parts: ChatStreamPart[]): void {
    const block = this.block;
    if (!block) return;
    this.block = undefined;
    switch (block.kind) {
      case 'text':
        parts.push({ type: 'text-end', index: block.index });
        break;
      case 'reasoning':
        parts.push({ type: 'reasoning-end', index: block.index });
        break;
      case 'tool':
        // A tool without arguments streams "" (or nothing); canonical arguments are then "{}".
        if (!block.hasArguments) parts.push({ type: 'tool-call-delta', index: block.index, argumentsDelta: '{}' });
        parts.push({ type: 'tool-call-end', index: block.index });
        break;
      case 'redacted':
        parts.push({ type: 'redacted-reasoning', index: block.index, data: joinBase64(block.redacted) });
        break;
    }
  }

  private finish(parts: ChatStreamPart[]): void {
    const { finishReason, rawFinishReason } = mapBedrockStopReason(this.stop?.stopReason);
    const stopSequence = this.stop?.stopSequence;
    parts.push({
      type: 'finish',
      finishReason,
      ...(rawFinishReason !== undefined ? { rawFinishReason } : {}),
      ...(stopSequence !== undefined ? { stopSequence } : {}),
      usage: this.usage ?? { inputTokens: 0, outputTokens: 0 },
    });
    this.state = 'finished';
  }
}

/**
 * Decodes a ConverseStream body and converts it. Read failures go through `mapReadError` (timeouts,
 * client abort); undecodable bytes become SWY_ERR_UPSTREAM_STREAM_INVALID. Nothing is thrown: every
 * failure is the final `error` part (and the call is abandoned). Failures after `finish` are ignored,
 * and the rest of the body is read (not decoded) so the connection can be reused. On an UpstreamChunks
 * the frames are cut, checked and converted as undici delivers each chunk (DecodedStream).
 */
export function convertBedrockStream(body: AsyncIterable<Uint8Array>, context: BedrockStreamContext, mapReadError: (error: unknown) => GatewayError): DecodedStream<ChatStreamPart> {
  return new DecodedStream(body, new BedrockPartsDecoder(context, mapReadError));
}

class BedrockPartsDecoder implements StreamDecoder<ChatStreamPart> {
  private readonly splitter = new EventStreamFrameSplitter();
  private readonly frames: Uint8Array[] = [];
  private readonly converter: BedrockStreamConverter;

  constructor(
    private readonly context: BedrockStreamContext,
    private readonly mapReadError: (error: unknown) => GatewayError,
  ) {
    this.converter = new BedrockStreamConverter(context);
  }

  chunk(chunk: Uint8Array, out: ChatStreamPart[]): 'more' | 'stop' {
    const converter = this.converter;
    if (converter.done) return 'more'; // drain to EOF so the connection can be reused
    const frames = this.frames;
    try {
      this.splitter.push(chunk, frames);
      for (let i = 0; i < frames.length && !converter.done; i++) {
        for (const part of converter.accept(readBedrockFrame(decodeEventStreamFrame(frames[i])))) out.push(part);
        if (converter.failed) return 'stop';
      }
      return 'more';
    } catch (error) {
      return this.invalid(error, out);
    } finally {
      frames.length = 0;
    }
  }

  end(out: ChatStreamPart[]): void {
    if (this.converter.done) return;
    try {
      this.splitter.end();
    } catch (error) {
      this.invalid(error, out);
      return;
    }
    for (const part of this.converter.end()) out.push(part);
  }

  fail(error: unknown, out: ChatStreamPart[]): void {
    for (const part of this.converter.fail(this.mapReadError(error))) out.push(part);
  }

  /** Bytes that are not a well-formed event stream: the last part is the error. */
  private invalid(error: unknown, out: ChatStreamPart[]): 'stop' {
    for (const part of this.converter.fail(bedrockStreamInvalid(error, this.context.provider, this.context.upstreamRequestId))) out.push(part);
    return 'stop';
  }
}

function integer(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function joinBase64(chunks: string[]): string {
  if (chunks.length === 1) return chunks[0];
  return Buffer.concat(chunks.map((chunk) => Buffer.from(chunk, 'base64'))).toString('base64');
}
