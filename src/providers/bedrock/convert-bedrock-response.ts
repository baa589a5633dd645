import type { AssistantContentPart } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { Warning } from '../../spec/warning.js';
import { bedrockInvalidResponse } from './bedrock-errors.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js';

export interface BedrockResponseContext {
  provider: string;
  /** The model id we called (Converse does not echo one). */
  modelId: string;
  responseId: string;
  upstreamRequestId?: string;
  /** Warnings from the request conversion. */
  warnings: Warning[];
}

/**
 * Converse response `{output:{message:{content}}, stopReason, usage, metrics}` → ChatResult
 * (fixtures README, Bedrock 6). `toolUse.input` (an object) becomes JSON text; reasoning keeps its
 * signature; `redactedContent` stays the opaque base64 blob. Block types the canonical form cannot
 * carry are reported as dropped content. So are the blocks of tools the model ran itself (a
 * `toolUse` of type `server_tool_use`, e.g. Nova's code interpreter, and the `toolResult` that
 * follows it): they are not calls the client must answer, as with Anthropic server tools.
 */
export function convertBedrockResponse(body: unknown, context: BedrockResponseContext): ChatResult {
  const message = record(record(record(body)?.output)?.message);
  const blocks = message?.content;
  if (!Array.isArray(blocks)) {
    throw bedrockInvalidResponse('the body has no output.message.content array', context.provider, context.upstreamRequestId);
  }
  const warnings = [...context.warnings];
  const content: AssistantContentPart[] = [];
  for (const raw of blocks) {
    const block = record(raw);
    if (!block) continue;
    if (isServerToolBlock(block)) {
      warnings.push({ type: 'dropped-content', content: describe(block), details: SERVER_TOOL_DROPPED });
      continue;
    }
    const part = convertBlock(block);
    if (part) content.push(part);
    else warnings.push({ type: 'dropped-content', content: describe(block), details: 'The canonical response has no place for this Bedrock content block.' });
  }
  const response = record(body) ?? {};
  const stopReason = typeof response.stopReason === 'string' ? response.stopReason : undefined;
  const { finishReason, rawFinishReason } = mapBedrockStopReason(stopReason);
  const result: ChatResult = {
    id: context.responseId,
    model: context.modelId,
    content,
    finishReason,
    usage: convertBedrockUsage(response.usage),
    warnings,
  };
  if (rawFinishReason !== undefined) result.rawFinishReason = rawFinishReason;
  const stopSequence = bedrockStopSequence(response.additionalModelResponseFields);
  if (stopSequence !== undefined) result.stopSequence = stopSequence;
  if (context.upstreamRequestId !== undefined) result.upstreamRequestId = context.upstreamRequestId;
  return result;
}

function convertBlock(block: Record<string, unknown>): AssistantContentPart | undefined {
  if (typeof block.text === 'string') return { type: 'text', text: block.text };
  const toolUse = record(block.toolUse);
  if (toolUse && typeof toolUse.toolUseId === 'string' && typeof toolUse.name === 'string') {
    return { type: 'tool-call', id: toolUse.toolUseId, name: toolUse.name, argumentsJson: JSON.stringify(toolUse.input ?? {}) };
  }
  const reasoning = record(block.reasoningContent);
  if (reasoning) {
    const reasoningText = record(reasoning.reasoningText);
    if (reasoningText && typeof reasoningText.text === 'string') {
      return typeof reasoningText.signature === 'string'
        ? { type: 'reasoning', text: reasoningText.text, signature: reasoningText.signature }
        : { type: 'reasoning', text: reasoningText.text };
    }
    if (typeof reasoning.redactedContent === 'string') return { type: 'redacted-reasoning', data: reasoning.redactedContent };
  }
  const citations = record(block.citationsContent);
  if (citations && Array.isArray(citations.content)) {
    const text = citations.content.map((c) => record(c)?.text).filter((t): t is string => typeof t === 'string').join('');
    return { type: 'text', text };
  }
  return undefined;
}

/** Anthropic models report the matched stop sequence in additionalModelResponseFields (`delta.` in streams). */
export function bedrockStopSequence(fields: unknown): string | undefined {
  const direct = record(fields)?.stop_sequence;
  if (typeof direct === 'string') return direct;
  const nested = record(record(fields)?.delta)?.stop_sequence;
  return typeof nested === 'string' ? nested : undefined;
}

const SERVER_TOOL_DROPPED = 'Blocks of tools the model runs itself (server_tool_use and its toolResult) have no canonical form and were left out.';

/**
 * A block of a tool Bedrock ran itself: a `toolUse` of type `server_tool_use`, or any `toolResult`
 * in the model's output (client tool results only ever come from the client).
 */
function isServerToolBlock(block: Record<string, unknown>): boolean {
  return record(block.toolUse)?.type === 'server_tool_use' || record(block.toolResult) !== undefined;
}

function describe(block: Record<string, unknown>): string {
  const toolUse = record(block.toolUse);
  if (toolUse?.type === 'server_tool_use') return `toolUse block (server_tool_use${typeof toolUse.name === 'string' ? ` ${toolUse.name}` : ''})`;
  return `${Object.keys(block).join(',') || 'empty'} block`;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
