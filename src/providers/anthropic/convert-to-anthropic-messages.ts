import {
  invalidRequest,
  type AssistantContentPart,
  type CacheControl,
  type ImagePart,
  type Message,
  type TextPart,
  type ToolCallPart,
  type ToolResultPart,
  type UserContentPart,
  type Warning,
} from '../../spec/index.js';
import type {
  AnthropicAssistantBlockParam,
  AnthropicCacheControl,
  AnthropicImageBlockParam,
  AnthropicMessageParam,
  AnthropicTextBlockParam,
  AnthropicToolResultBlockParam,
  AnthropicUserBlockParam,
} from './anthropic-api-types.js';
import { isRecord } from './anthropic-narrowing.js';

/**
 * Canonical system parts -> Anthropic `system`: a plain string when there is exactly one part
 * without cache_control, otherwise text blocks (cache_control kept); undefined when empty.
 */
export function convertToAnthropicSystem(system: readonly TextPart[] | undefined): string | AnthropicTextBlockParam[] | undefined {
  if (!system || system.length === 0) return undefined;
  if (system.length === 1 && !system[0].cacheControl) return system[0].text;
  return system.map(convertText);
}

/**
 * Canonical messages -> Anthropic messages. Anthropic requires user and assistant turns to
 * alternate, so consecutive messages of the same role are merged into one; in every user turn the
 * tool_result blocks come first (Anthropic rejects a tool_result that follows other content).
 * Reasoning without a signature cannot be sent back (Anthropic verifies it) and is dropped with a warning.
 */
export function convertToAnthropicMessages(messages: readonly Message[], warnings: Warning[]): AnthropicMessageParam[] {
  const out: AnthropicMessageParam[] = [];
  messages.forEach((message, messageIndex) => {
    const previous = out[out.length - 1];
    if (message.role === 'user') {
      const blocks = message.content.map(convertUserPart);
      if (previous?.role === 'user') previous.content.push(...blocks);
      else out.push({ role: 'user', content: blocks });
    } else {
      const blocks = convertAssistantParts(message.content, messageIndex, warnings);
      if (previous?.role === 'assistant') previous.content.push(...blocks);
      else out.push({ role: 'assistant', content: blocks });
    }
  });
  for (const message of out) {
    if (message.role === 'user') message.content = toolResultsFirst(message.content);
  }
  return out;
}

function convertUserPart(part: UserContentPart): AnthropicUserBlockParam {
  switch (part.type) {
    case 'text':
      return convertText(part);
    case 'image':
      return convertImage(part);
    case 'tool-result':
      return convertToolResult(part);
  }
}

function convertAssistantParts(parts: readonly AssistantContentPart[], messageIndex: number, warnings: Warning[]): AnthropicAssistantBlockParam[] {
  const blocks: AnthropicAssistantBlockParam[] = [];
  parts.forEach((part, partIndex) => {
    switch (part.type) {
      case 'text':
        blocks.push(convertText(part));
        break;
      case 'tool-call':
        blocks.push({
          type: 'tool_use',
          id: part.id,
          name: part.name,
          input: parseToolArguments(part, `messages[${messageIndex}].content[${partIndex}].argumentsJson`),
          ...cacheControl(part.cacheControl),
        });
        break;
      case 'reasoning':
        if (part.signature === undefined || part.signature === '') {
          warnings.push({
            type: 'dropped-content',
            content: `messages[${messageIndex}].content[${partIndex}] (reasoning)`,
            details: 'Reasoning without a signature cannot be sent to Anthropic, which verifies thinking signatures.',
          });
        } else {
          blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature });
        }
        break;
      case 'redacted-reasoning':
        blocks.push({ type: 'redacted_thinking', data: part.data });
        break;
    }
  });
  return blocks;
}

function convertText(part: TextPart): AnthropicTextBlockParam {
  return { type: 'text', text: part.text, ...cacheControl(part.cacheControl) };
}

function convertImage(part: ImagePart): AnthropicImageBlockParam {
  const source =
    part.source.kind === 'base64'
      ? { type: 'base64' as const, media_type: part.source.mediaType, data: part.source.data }
      : { type: 'url' as const, url: part.source.url };
  return { type: 'image', source, ...cacheControl(part.cacheControl) };
}

function convertToolResult(part: ToolResultPart): AnthropicToolResultBlockParam {
  const block: AnthropicToolResultBlockParam = { type: 'tool_result', tool_use_id: part.toolCallId };
  const [first] = part.content;
  if (part.content.length === 1 && first.type === 'text' && !first.cacheControl) block.content = first.text;
  else if (part.content.length > 0) block.content = part.content.map((item) => (item.type === 'text' ? convertText(item) : convertImage(item)));
  if (part.isError !== undefined) block.is_error = part.isError;
  if (part.cacheControl) block.cache_control = toAnthropicCacheControl(part.cacheControl);
  return block;
}

/** Tool-call arguments are JSON text canonically; Anthropic wants the object. Invalid JSON is the client's to fix. */
function parseToolArguments(part: ToolCallPart, param: string): Record<string, unknown> {
  if (part.argumentsJson.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(part.argumentsJson);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidRequest(
      `The arguments of tool call "${part.id}" (${part.name}) are not valid JSON (${reason}); send the arguments as a JSON object text.`,
      param,
    );
  }
  if (!isRecord(parsed)) {
    throw invalidRequest(`The arguments of tool call "${part.id}" (${part.name}) must be a JSON object, not ${describe(parsed)}.`, param);
  }
  return parsed;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function toolResultsFirst(blocks: AnthropicUserBlockParam[]): AnthropicUserBlockParam[] {
  return [...blocks.filter((block) => block.type === 'tool_result'), ...blocks.filter((block) => block.type !== 'tool_result')];
}

function cacheControl(value: CacheControl | undefined): { cache_control?: AnthropicCacheControl } {
  return value ? { cache_control: toAnthropicCacheControl(value) } : {};
}

function toAnthropicCacheControl(value: CacheControl): AnthropicCacheControl {
  return value.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: value.ttl };
}
