import type {
  AssistantContentPart,
  CacheControl,
  ImageSource,
  Message,
  TextPart,
  ToolCallPart,
  ToolResultPart,
  UserContentPart,
} from '../../spec/chat-request.js';
import { GatewayError, invalidRequest } from '../../spec/errors.js';
import { settingPath, type Warning } from '../../spec/warning.js';
import type {
  BedrockCachePointBlock,
  BedrockContentBlock,
  BedrockImageBlock,
  BedrockImageFormat,
  BedrockMessage,
  BedrockSystemBlock,
  BedrockToolResultContent,
} from './bedrock-api-types.js';

/**
 * Canonical system and messages → Bedrock Converse `system[]` and `messages[]`
 * (fixtures README, Bedrock 3-5):
 * - consecutive messages of the same role are merged (Converse wants strict user/assistant turns);
 * - a part with `cacheControl` is followed by `{cachePoint:{type:'default'}}`;
 * - images travel as bytes only: Bedrock does not fetch URLs, so a URL image is a 400;
 * - tool results are user content, `status: 'error'` when the tool failed;
 * - tool-call arguments (JSON text) become the `input` object; invalid JSON is a 400;
 * - reasoning keeps its signature byte for byte; redacted reasoning travels as its base64 blob.
 * Empty text parts are left out: Converse rejects blank text blocks and they carry nothing.
 */
export function convertToBedrockSystem(system: TextPart[] | undefined, warnings: Warning[]): BedrockSystemBlock[] | undefined {
  if (!system || system.length === 0) return undefined;
  const blocks: BedrockSystemBlock[] = [];
  system.forEach((part, i) => {
    if (part.text !== '') blocks.push({ text: part.text });
    if (part.cacheControl) blocks.push({ cachePoint: cachePoint(part.cacheControl, settingPath('system[].cache_control.ttl', i), warnings) });
  });
  return blocks.length > 0 ? blocks : undefined;
}

export function convertToBedrockMessages(messages: Message[], warnings: Warning[]): BedrockMessage[] {
  const out: BedrockMessage[] = [];
  messages.forEach((message, i) => {
    const content: BedrockContentBlock[] = [];
    if (message.role === 'user') {
      message.content.forEach((part, j) => appendUserPart(content, part, `messages[${i}].content[${j}]`, warnings));
    } else {
      message.content.forEach((part, j) => appendAssistantPart(content, part, `messages[${i}].content[${j}]`, warnings));
    }
    const previous = out[out.length - 1];
    if (previous && previous.role === message.role) previous.content.push(...content);
    else out.push({ role: message.role, content });
  });
  return out;
}

/** True when the conversation holds tool calls or results (Converse then requires a toolConfig). */
export function hasToolHistory(messages: Message[]): boolean {
  return messages.some((m) => m.content.some((part) => part.type === 'tool-call' || part.type === 'tool-result'));
}

function appendUserPart(content: BedrockContentBlock[], part: UserContentPart, path: string, warnings: Warning[]): void {
  switch (part.type) {
    case 'text':
      if (part.text !== '') content.push({ text: part.text });
      break;
    case 'image':
      content.push({ image: imageBlock(part.source, `${path}.source`) });
      break;
    case 'tool-result':
      content.push({ toolResult: toolResultBlock(part, path) });
      break;
  }
  if (part.cacheControl) content.push({ cachePoint: cachePoint(part.cacheControl, `${path}.cache_control.ttl`, warnings) });
}

function appendAssistantPart(content: BedrockContentBlock[], part: AssistantContentPart, path: string, warnings: Warning[]): void {
  switch (part.type) {
    case 'text':
      if (part.text !== '') content.push({ text: part.text });
      break;
    case 'tool-call':
      content.push({ toolUse: { toolUseId: part.id, name: part.name, input: parseToolInput(part, path) } });
      break;
    case 'reasoning':
      content.push({
        reasoningContent: { reasoningText: part.signature === undefined ? { text: part.text } : { text: part.text, signature: part.signature } },
      });
      return;
    case 'redacted-reasoning':
      content.push({ reasoningContent: { redactedContent: part.data } });
      return;
  }
  if (part.cacheControl) content.push({ cachePoint: cachePoint(part.cacheControl, `${path}.cache_control.ttl`, warnings) });
}

function toolResultBlock(part: ToolResultPart, path: string): { toolUseId: string; content: BedrockToolResultContent[]; status: 'success' | 'error' } {
  const content: BedrockToolResultContent[] = part.content.map((inner, k) =>
    inner.type === 'text' ? { text: inner.text } : { image: imageBlock(inner.source, `${path}.content[${k}].source`) },
  );
  return { toolUseId: part.toolCallId, content, status: part.isError ? 'error' : 'success' };
}

const IMAGE_FORMATS: Readonly<Record<string, BedrockImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/pjpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function imageBlock(source: ImageSource, path: string): BedrockImageBlock {
  if (source.kind === 'url') {
    throw new GatewayError({
      code: 'SWY_ERR_REMOTE_IMAGE_UNSUPPORTED',
      kind: 'invalid_request',
      origin: 'client',
      param: path,
      message: 'Bedrock does not fetch image URLs; send the image as a data URL (data:image/png;base64,...).',
    });
  }
  const format = IMAGE_FORMATS[source.mediaType.toLowerCase()];
  if (!format) {
    throw invalidRequest(
      `Bedrock accepts images of type image/png, image/jpeg, image/gif or image/webp, not '${source.mediaType}'; convert the image to one of those.`,
      path,
      'SWY_ERR_UNSUPPORTED_IMAGE_TYPE',
    );
  }
  return { format, source: { bytes: source.data } };
}

function parseToolInput(part: ToolCallPart, path: string): unknown {
  const text = part.argumentsJson.trim();
  if (text === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw invalidRequest(`The arguments of tool call '${part.id}' are not valid JSON; send the arguments as a JSON object.`, `${path}.arguments`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidRequest(`The arguments of tool call '${part.id}' must be a JSON object.`, `${path}.arguments`);
  }
  return input;
}

/** `setting` names the TTL in the warning vocabulary (`messages[0].content[1].cache_control.ttl`). */
function cachePoint(cacheControl: CacheControl, setting: string, warnings: Warning[]): BedrockCachePointBlock {
  if (cacheControl.ttl === undefined) return { type: 'default' };
  if (cacheControl.ttl === '5m' || cacheControl.ttl === '1h') return { type: 'default', ttl: cacheControl.ttl };
  warnings.push({
    type: 'changed-setting',
    setting,
    from: cacheControl.ttl,
    to: 'default',
    details: "Bedrock cache points take a TTL of '5m' or '1h' only.",
  });
  return { type: 'default' };
}
