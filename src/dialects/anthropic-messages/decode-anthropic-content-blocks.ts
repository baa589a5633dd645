import type {
  AssistantContentPart,
  CacheControl,
  ImagePart,
  Message,
  TextPart,
  ToolResultPart,
  UserContentPart,
} from '../../spec/chat-request.js';
import {
  invalidField,
  parseField,
  requiresAnthropicUpstream,
  unknownTag,
  type FieldPath,
} from './anthropic-messages-invalid-request.js';
import {
  base64ImageSourceSchema,
  imageBlockSchema,
  messageSchema,
  redactedThinkingBlockSchema,
  taggedBlockSchema,
  textBlockSchema,
  thinkingBlockSchema,
  toolResultBlockSchema,
  toolUseBlockSchema,
  urlImageSourceSchema,
} from './anthropic-messages-request-schema.js';

/**
 * Content blocks of an Anthropic request → canonical parts.
 *
 * - text (`citations` echoed back from an earlier response are informational and dropped),
 *   image (base64 or url source), tool_result (user messages) and tool_use / thinking /
 *   redacted_thinking (assistant messages). `cache_control` is kept on text, image, tool_use and
 *   tool_result parts. A thinking `signature` is kept byte for byte.
 * - Valid Anthropic blocks with no canonical form (document, search_result, server tool blocks,
 *   Files API sources, …) are a 400 with code SWY_ERR_REQUIRES_ANTHROPIC_UPSTREAM.
 * - Anything else is a 400 naming the unknown `type`.
 */

const USER_BLOCKS = ['text', 'image', 'tool_result'] as const;
const ASSISTANT_BLOCKS = ['text', 'tool_use', 'thinking', 'redacted_thinking'] as const;

/** Block types the Anthropic API accepts that the canonical form cannot carry. */
const ANTHROPIC_ONLY_BLOCKS: ReadonlySet<string> = new Set([
  'document',
  'search_result',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
  'tool_reference',
  'compaction',
]);

const ALL_KNOWN_BLOCKS = [
  'text',
  'image',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
  ...ANTHROPIC_ONLY_BLOCKS,
];

export function decodeMessage(raw: unknown, path: FieldPath): Message {
  const message = parseField(messageSchema, raw, path);
  const contentPath = [...path, 'content'];
  if (message.role === 'user') return { role: 'user', content: decodeUserContent(message.content, contentPath) };
  return { role: 'assistant', content: decodeAssistantContent(message.content, contentPath) };
}

/** `system`: a string or a list of text blocks. An empty string means no system prompt. */
export function decodeSystem(system: string | unknown[], path: FieldPath): TextPart[] | undefined {
  if (typeof system === 'string') return system === '' ? undefined : [{ type: 'text', text: system }];
  const parts = system.map((block, i) => {
    const blockPath = [...path, i];
    const { type } = parseField(taggedBlockSchema, block, blockPath);
    if (type !== 'text') throw unknownTag([...blockPath, 'type'], type, ['text']);
    return decodeTextBlock(block, blockPath);
  });
  return parts.length === 0 ? undefined : parts;
}

function decodeUserContent(content: string | unknown[], path: FieldPath): UserContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((block, i) => decodeUserBlock(block, [...path, i]));
}

function decodeAssistantContent(content: string | unknown[], path: FieldPath): AssistantContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((block, i) => decodeAssistantBlock(block, [...path, i]));
}

function decodeUserBlock(block: unknown, path: FieldPath): UserContentPart {
  const { type } = parseField(taggedBlockSchema, block, path);
  switch (type) {
    case 'text':
      return decodeTextBlock(block, path);
    case 'image':
      return decodeImageBlock(block, path);
    case 'tool_result':
      return decodeToolResultBlock(block, path);
    default:
      throw misplacedOrUnknown(type, path, 'user', USER_BLOCKS);
  }
}

function decodeAssistantBlock(block: unknown, path: FieldPath): AssistantContentPart {
  const { type } = parseField(taggedBlockSchema, block, path);
  switch (type) {
    case 'text':
      return decodeTextBlock(block, path);
    case 'tool_use': {
      const toolUse = parseField(toolUseBlockSchema, block, path);
      return {
        type: 'tool-call',
        id: toolUse.id,
        name: toolUse.name,
        argumentsJson: JSON.stringify(toolUse.input),
        ...cacheControlOf(toolUse.cache_control),
      };
    }
    case 'thinking': {
      const thinking = parseField(thinkingBlockSchema, block, path);
      return thinking.signature == null
        ? { type: 'reasoning', text: thinking.thinking }
        : { type: 'reasoning', text: thinking.thinking, signature: thinking.signature };
    }
    case 'redacted_thinking':
      return { type: 'redacted-reasoning', data: parseField(redactedThinkingBlockSchema, block, path).data };
    default:
      throw misplacedOrUnknown(type, path, 'assistant', ASSISTANT_BLOCKS);
  }
}

function decodeTextBlock(block: unknown, path: FieldPath): TextPart {
  const text = parseField(textBlockSchema, block, path);
  return { type: 'text', text: text.text, ...cacheControlOf(text.cache_control) };
}

function decodeImageBlock(block: unknown, path: FieldPath): ImagePart {
  const image = parseField(imageBlockSchema, block, path);
  const sourcePath = [...path, 'source'];
  const extras = cacheControlOf(image.cache_control);
  switch (image.source.type) {
    case 'base64': {
      const source = parseField(base64ImageSourceSchema, image.source, sourcePath);
      return { type: 'image', source: { kind: 'base64', mediaType: source.media_type, data: source.data }, ...extras };
    }
    case 'url': {
      const source = parseField(urlImageSourceSchema, image.source, sourcePath);
      return { type: 'image', source: { kind: 'url', url: source.url }, ...extras };
    }
    case 'file':
      throw requiresAnthropicUpstream([...sourcePath, 'type'], "An image source of type 'file' (Files API)");
    default:
      throw unknownTag([...sourcePath, 'type'], image.source.type, ['base64', 'url', 'file']);
  }
}

function decodeToolResultBlock(block: unknown, path: FieldPath): ToolResultPart {
  const result = parseField(toolResultBlockSchema, block, path);
  const part: ToolResultPart = {
    type: 'tool-result',
    toolCallId: result.tool_use_id,
    content: decodeToolResultContent(result.content, [...path, 'content']),
  };
  if (result.is_error != null) part.isError = result.is_error;
  const cacheControl = cacheControlOf(result.cache_control).cacheControl;
  if (cacheControl) part.cacheControl = cacheControl;
  return part;
}

function decodeToolResultContent(content: string | unknown[] | null | undefined, path: FieldPath): Array<TextPart | ImagePart> {
  if (content == null || content === '') return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((block, i) => {
    const blockPath = [...path, i];
    const { type } = parseField(taggedBlockSchema, block, blockPath);
    if (type === 'text') return decodeTextBlock(block, blockPath);
    if (type === 'image') return decodeImageBlock(block, blockPath);
    if (ANTHROPIC_ONLY_BLOCKS.has(type)) {
      throw requiresAnthropicUpstream([...blockPath, 'type'], `A '${type}' block inside tool_result content`);
    }
    throw unknownTag([...blockPath, 'type'], type, ['text', 'image', 'document', 'search_result', 'tool_reference']);
  });
}

function misplacedOrUnknown(type: string, path: FieldPath, role: 'user' | 'assistant', allowed: readonly string[]) {
  const typePath = [...path, 'type'];
  if (ANTHROPIC_ONLY_BLOCKS.has(type)) return requiresAnthropicUpstream(typePath, `A '${type}' content block`);
  if (ALL_KNOWN_BLOCKS.includes(type)) {
    const other = role === 'user' ? 'assistant' : 'user';
    return invalidField(
      typePath,
      `'${type}' blocks are not allowed in ${role} messages; they belong in ${other} messages (allowed in ${role} messages: ${allowed.join(', ')})`,
    );
  }
  return unknownTag(typePath, type, ALL_KNOWN_BLOCKS);
}

function cacheControlOf(value: { type: 'ephemeral'; ttl?: string | null } | null | undefined): { cacheControl?: CacheControl } {
  if (value == null) return {};
  return { cacheControl: value.ttl == null ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: value.ttl } };
}
