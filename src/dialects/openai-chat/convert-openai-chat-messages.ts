import type {
  AssistantContentPart,
  ImagePart,
  Message,
  TextPart,
  ToolResultPart,
  UserContentPart,
} from '../../spec/chat-request.js';
import { formatParam as describe, invalidParam, parseWithSchema, type ParamPath } from './openai-chat-invalid-request.js';
import {
  assistantMessageSchema,
  imageUrlPartSchema,
  refusalPartSchema,
  textOnlyMessageSchema,
  textPartSchema,
  toolCallSchema,
  toolMessageSchema,
  userMessageSchema,
} from './openai-chat-request-schema.js';
import { parseImageUrl } from './parse-image-url.js';

export interface ConvertedMessages {
  system: TextPart[];
  messages: Message[];
}

const ROLES = "'system', 'developer', 'user', 'assistant' or 'tool'";

/**
 * Converts OpenAI `messages` into canonical form:
 * - system and developer messages become `system` text parts, in order (wherever they appear);
 * - user messages keep text and image parts;
 * - assistant messages keep text (and `refusal` text) and `tool_calls` as tool-call parts;
 * - `tool` messages become tool-result parts in a user message; consecutive ones share one message.
 * Consecutive same-role messages are kept as they are; adapters merge them if their upstream needs it.
 * Message-level `name` has no canonical counterpart and is ignored.
 */
export function convertOpenAIChatMessages(messages: readonly unknown[]): ConvertedMessages {
  const system: TextPart[] = [];
  const out: Message[] = [];
  let toolResults: ToolResultPart[] | undefined;

  messages.forEach((raw, i) => {
    const path = ['messages', i];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw invalidParam(path, `Invalid value for 'messages[${i}]': expected a message object.`);
    }
    const role = (raw as Record<string, unknown>).role;
    if (role !== 'tool') toolResults = undefined;
    switch (role) {
      case 'system':
      case 'developer': {
        const message = parseWithSchema(textOnlyMessageSchema, raw, path);
        system.push(...textParts(message.content, [...path, 'content'], role));
        return;
      }
      case 'user': {
        const message = parseWithSchema(userMessageSchema, raw, path);
        out.push({ role: 'user', content: userContent(message.content, [...path, 'content']) });
        return;
      }
      case 'assistant': {
        out.push({ role: 'assistant', content: assistantContent(raw, path) });
        return;
      }
      case 'tool': {
        const message = parseWithSchema(toolMessageSchema, raw, path);
        const part: ToolResultPart = {
          type: 'tool-result',
          toolCallId: message.tool_call_id,
          content: textParts(message.content, [...path, 'content'], 'tool'),
        };
        if (toolResults) toolResults.push(part);
        else {
          toolResults = [part];
          out.push({ role: 'user', content: toolResults });
        }
        return;
      }
      case 'function':
        throw invalidParam(
          [...path, 'role'],
          `Role 'function' (deprecated) is not supported at 'messages[${i}].role': send tool results as role 'tool' with a tool_call_id.`,
        );
      case undefined:
        throw invalidParam([...path, 'role'], `Missing required parameter: 'messages[${i}].role'.`);
      default:
        throw invalidParam(
          [...path, 'role'],
          `Invalid value for 'messages[${i}].role': ${JSON.stringify(role)}. Supported roles are ${ROLES}.`,
        );
    }
  });

  return { system, messages: out };
}

/** System, developer and tool content: a string or an array of text parts. */
function textParts(content: string | unknown[], path: ParamPath, role: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, j) => {
    const partPath = [...path, j];
    const type = partType(part, partPath);
    if (type !== 'text') {
      throw invalidParam(
        [...partPath, 'type'],
        `Invalid content part type ${JSON.stringify(type)} at '${describe(partPath)}': ${role} messages accept only 'text' parts.`,
      );
    }
    return { type: 'text', text: parseWithSchema(textPartSchema, part, partPath).text };
  });
}

function userContent(content: string | unknown[], path: ParamPath): UserContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, j): TextPart | ImagePart => {
    const partPath = [...path, j];
    const type = partType(part, partPath);
    switch (type) {
      case 'text':
        return { type: 'text', text: parseWithSchema(textPartSchema, part, partPath).text };
      case 'image_url': {
        const image = parseWithSchema(imageUrlPartSchema, part, partPath).image_url;
        const source = parseImageUrl(image.url, [...partPath, 'image_url']);
        return image.detail ? { type: 'image', source, detail: image.detail } : { type: 'image', source };
      }
      case 'input_audio':
      case 'file':
        throw invalidParam(
          [...partPath, 'type'],
          `Content part type '${type}' at '${describe(partPath)}' is not supported by this gateway; send 'text' and 'image_url' parts only.`,
        );
      default:
        throw invalidParam(
          [...partPath, 'type'],
          `Invalid content part type ${JSON.stringify(type)} at '${describe(partPath)}': user messages accept 'text' and 'image_url' parts.`,
        );
    }
  });
}

function assistantContent(raw: unknown, path: ParamPath): AssistantContentPart[] {
  const message = parseWithSchema(assistantMessageSchema, raw, path);
  if (message.function_call != null) {
    throw invalidParam(
      [...path, 'function_call'],
      `'${describe(path)}.function_call' (deprecated) is not supported: send the call in 'tool_calls' instead.`,
    );
  }
  if (message.audio != null) {
    throw invalidParam([...path, 'audio'], `'${describe(path)}.audio' is not supported by this gateway; send the transcript as text content.`);
  }
  const parts: AssistantContentPart[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    parts.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      const partPath = [...path, 'content', j];
      const type = partType(part, partPath);
      if (type === 'text') parts.push({ type: 'text', text: parseWithSchema(textPartSchema, part, partPath).text });
      else if (type === 'refusal') parts.push({ type: 'text', text: parseWithSchema(refusalPartSchema, part, partPath).refusal });
      else {
        throw invalidParam(
          [...partPath, 'type'],
          `Invalid content part type ${JSON.stringify(type)} at '${describe(partPath)}': assistant messages accept 'text' and 'refusal' parts.`,
        );
      }
    });
  }
  if (message.refusal) parts.push({ type: 'text', text: message.refusal });
  (message.tool_calls ?? []).forEach((call, k) => {
    const callPath = [...path, 'tool_calls', k];
    const type = typeof call === 'object' && call !== null ? (call as Record<string, unknown>).type : undefined;
    if (type !== undefined && type !== 'function') {
      throw invalidParam(
        [...callPath, 'type'],
        `Tool call type ${JSON.stringify(type)} at '${describe(callPath)}' is not supported; only 'function' tool calls are.`,
      );
    }
    const parsed = parseWithSchema(toolCallSchema, call, callPath);
    const args = parsed.function.arguments;
    parts.push({
      type: 'tool-call',
      id: parsed.id,
      name: parsed.function.name,
      argumentsJson: args === undefined || args === null || args === '' ? '{}' : args,
    });
  });
  if (parts.length === 0) {
    throw invalidParam(
      [...path, 'content'],
      `Invalid value for '${describe(path)}.content': an assistant message needs content or tool_calls.`,
    );
  }
  return parts;
}

/** The part's `type`; a part that is not an object, or has no `type`, is a 400. */
function partType(part: unknown, path: ParamPath): unknown {
  if (typeof part !== 'object' || part === null || Array.isArray(part)) {
    throw invalidParam(path, `Invalid value for '${describe(path)}': expected a content part object such as {"type":"text","text":"..."}.`);
  }
  const type = (part as Record<string, unknown>).type;
  if (type === undefined) throw invalidParam([...path, 'type'], `Missing required parameter: '${describe(path)}.type'.`);
  return type;
}
