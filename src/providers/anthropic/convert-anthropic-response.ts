import type { AssistantContentPart, ChatResult, Warning } from '../../spec/index.js';
import { isServerToolBlockType } from './anthropic-api-types.js';
import { badUpstreamResponse } from './anthropic-errors.js';
import { isRecord, stringField, type JsonObject } from './anthropic-narrowing.js';
import { convertAnthropicUsage, readAnthropicUsageFields } from './convert-anthropic-usage.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

export interface AnthropicResponseContext {
  provider: string;
  /** The model id the gateway called, used when the body names none. */
  upstreamModel: string;
  upstreamRequestId?: string;
}

/**
 * Anthropic Message JSON -> canonical ChatResult. text, tool_use (input re-serialised as JSON text),
 * thinking (signature kept byte for byte) and redacted_thinking are kept; blocks of Anthropic-run
 * server tools and unknown block types cannot be represented and are dropped with a warning.
 */
export function convertAnthropicResponse(body: unknown, context: AnthropicResponseContext): ChatResult {
  if (!isRecord(body) || !Array.isArray(body.content)) {
    throw badUpstreamResponse(context.provider, 'expected a Message object with a content array', context.upstreamRequestId);
  }
  const warnings: Warning[] = [];
  const content: AssistantContentPart[] = [];
  body.content.forEach((block: unknown, index: number) => {
    if (!isRecord(block)) {
      throw badUpstreamResponse(context.provider, `content[${index}] is not an object`, context.upstreamRequestId);
    }
    const part = convertBlock(block, index, context, warnings);
    if (part) content.push(part);
  });
  const stopReason = stringField(body, 'stop_reason');
  const stopSequence = stringField(body, 'stop_sequence');
  const mapped = mapAnthropicStopReason(stopReason);
  const result: ChatResult = {
    id: stringField(body, 'id') ?? '',
    model: stringField(body, 'model') ?? context.upstreamModel,
    content,
    finishReason: mapped.finishReason,
    usage: convertAnthropicUsage(readAnthropicUsageFields(body.usage)),
    warnings,
  };
  if (mapped.rawFinishReason !== undefined) result.rawFinishReason = mapped.rawFinishReason;
  if (stopSequence !== undefined) result.stopSequence = stopSequence;
  if (context.upstreamRequestId !== undefined) result.upstreamRequestId = context.upstreamRequestId;
  return result;
}

function convertBlock(block: JsonObject, index: number, context: AnthropicResponseContext, warnings: Warning[]): AssistantContentPart | undefined {
  const type = stringField(block, 'type') ?? '';
  const invalid = (what: string) => badUpstreamResponse(context.provider, `content[${index}] (${type}) ${what}`, context.upstreamRequestId);
  switch (type) {
    case 'text': {
      const text = stringField(block, 'text');
      if (text === undefined) throw invalid('has no text');
      return { type: 'text', text };
    }
    case 'tool_use': {
      const id = stringField(block, 'id');
      const name = stringField(block, 'name');
      if (id === undefined || name === undefined) throw invalid('has no id or name');
      return { type: 'tool-call', id, name, argumentsJson: JSON.stringify(block.input ?? {}) };
    }
    case 'thinking': {
      const thinking = stringField(block, 'thinking');
      if (thinking === undefined) throw invalid('has no thinking text');
      const signature = stringField(block, 'signature');
      return signature === undefined ? { type: 'reasoning', text: thinking } : { type: 'reasoning', text: thinking, signature };
    }
    case 'redacted_thinking': {
      const data = stringField(block, 'data');
      if (data === undefined) throw invalid('has no data');
      return { type: 'redacted-reasoning', data };
    }
    default:
      warnings.push({
        type: 'dropped-content',
        content: `content[${index}] (${type || 'untyped'})`,
        details: isServerToolBlockType(type)
          ? 'Blocks of Anthropic-run server tools have no canonical form and were left out.'
          : 'Unknown content block type; it was left out.',
      });
      return undefined;
  }
}
