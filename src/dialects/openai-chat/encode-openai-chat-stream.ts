import type { ChatStreamPart } from '../../spec/chat-stream-part.js';
import type { Warning } from '../../spec/warning.js';
import type { EncodeContext, StreamEncoder } from '../dialect.js';
import { encodeOpenAIChatErrorBody } from './encode-openai-chat-error.js';
import { REASONING_DROPPED } from './encode-openai-chat-response.js';
import { encodeOpenAIChatUsage } from './encode-openai-chat-usage.js';
import { mapFinishReasonToOpenAI } from './map-finish-reason-to-openai.js';
import { toOpenAIChatCompletionId, unixSeconds } from './openai-chat-completion-id.js';

/**
 * Canonical stream parts → OpenAI `chat.completion.chunk` SSE, byte-compatible with api.openai.com
 * (fixtures README "Key facts: OpenAI" 1–5, 11):
 *
 *   data: {…"delta":{"role":"assistant","content":""}…}      first chunk (content null if a tool call comes first)
 *   data: {…"delta":{"content":"Hel"}…}                        text deltas
 *   data: {…"delta":{"tool_calls":[{"index":0,"id":…,"type":"function","function":{"name":…,"arguments":""}}]}…}
 *   data: {…"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a"}}]}…}
 *   data: {…"delta":{},"finish_reason":"stop"…}                finish, its own chunk
 *   data: {…"choices":[],"usage":{…}}                          only with stream_options.include_usage
 *   data: [DONE]                                               from end()
 *
 * Tool calls are numbered 0, 1, … among tool calls only (OpenAI), not by canonical block index.
 * Reasoning is dropped (recorded in `warnings`). An error part becomes `data: {"error":{…}}` and
 * closes the stream: later parts and end() produce nothing. No `event:` names, no system_fingerprint.
 *
 * Hot path: every chunk is a precomputed prefix + JSON.stringify(delta) + a precomputed suffix.
 */
export class OpenAIChatStreamEncoder implements StreamEncoder {
  /** Content this dialect could not carry; the server may log it (headers are already sent). */
  readonly warnings: Warning[] = [];

  private readonly context: EncodeContext;
  private readonly created = unixSeconds();
  private id: string | undefined;
  private model: string | undefined;
  private prefix = '';
  private deltaSuffix = '';
  private roleSent = false;
  /** No more chunks: finish or error was encoded. */
  private closed = false;
  /** Nothing at all any more: [DONE] was written, or the stream ended with an error. */
  private finished = false;
  private toolCallCount = 0;
  /** canonical block index → OpenAI tool_calls[].index */
  private readonly toolIndexByBlock = new Map<number, number>();

  constructor(context: EncodeContext) {
    this.context = context;
  }

  push(part: ChatStreamPart): string {
    if (this.closed) return '';
    switch (part.type) {
      case 'start':
        if (this.prefix === '') this.begin(part.id, part.model);
        return '';
      case 'text-start':
        return this.roleChunk('');
      case 'text-delta':
        if (part.delta === '') return '';
        return this.roleChunk('') + this.deltaChunk({ content: part.delta });
      case 'tool-call-start': {
        const index = this.toolCallCount++;
        this.toolIndexByBlock.set(part.index, index);
        return (
          this.roleChunk(null) +
          this.deltaChunk({ tool_calls: [{ index, id: part.id, type: 'function', function: { name: part.name, arguments: '' } }] })
        );
      }
      case 'tool-call-delta': {
        if (part.argumentsDelta === '') return '';
        const index = this.toolIndexByBlock.get(part.index) ?? Math.max(0, this.toolCallCount - 1);
        return this.deltaChunk({ tool_calls: [{ index, function: { arguments: part.argumentsDelta } }] });
      }
      case 'reasoning-start':
      case 'redacted-reasoning':
        if (this.warnings.length === 0) this.warnings.push({ ...REASONING_DROPPED });
        return '';
      case 'finish': {
        this.closed = true;
        let out = this.roleChunk('');
        out += `${this.prefix}{},"logprobs":null,"finish_reason":"${mapFinishReasonToOpenAI(part.finishReason)}"}]${this.usageTail()}}\n\n`;
        if (this.context.includeUsage) {
          out += `${this.chunkHead()}[],"usage":${JSON.stringify(encodeOpenAIChatUsage(part.usage))}}\n\n`;
        }
        return out;
      }
      case 'error':
        this.closed = true;
        this.finished = true;
        return `data: ${JSON.stringify(encodeOpenAIChatErrorBody(part.error))}\n\n`;
      default:
        // text-end, tool-call-end, reasoning deltas/signature/end, usage: nothing on the OpenAI wire.
        return '';
    }
  }

  end(): string {
    if (this.finished) return '';
    this.finished = true;
    return 'data: [DONE]\n\n';
  }

  private begin(id: string | undefined, model: string | undefined): void {
    this.id = toOpenAIChatCompletionId(id);
    this.model = model || this.context.servedModel;
    this.prefix = `${this.chunkHead()}[{"index":0,"delta":`;
    this.deltaSuffix = `,"logprobs":null,"finish_reason":null}]${this.usageTail()}}\n\n`;
  }

  /** `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":` */
  private chunkHead(): string {
    if (this.id === undefined) this.begin(undefined, undefined);
    return `data: {"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${this.created},"model":${JSON.stringify(this.model)},"choices":`;
  }

  private usageTail(): string {
    return this.context.includeUsage ? ',"usage":null' : '';
  }

  private deltaChunk(delta: object): string {
    if (this.prefix === '') this.begin(undefined, undefined);
    return this.prefix + JSON.stringify(delta) + this.deltaSuffix;
  }

  /** The first chunk, once: role assistant with content '' (text) or null (a tool call comes first). */
  private roleChunk(content: '' | null): string {
    if (this.roleSent) return '';
    this.roleSent = true;
    return this.deltaChunk({ role: 'assistant', content });
  }
}

export function createOpenAIChatStreamEncoder(context: EncodeContext): OpenAIChatStreamEncoder {
  return new OpenAIChatStreamEncoder(context);
}
