import type { AssistantContentPart, ChatRequest, ImagePart, Message, Usage } from '../../spec/index.js';
import { BoundedTokenCount } from '../../metering/bounded-token-count.js';
import { countTokens } from './simulated-tokens.js';

/**
 * Usage of a simulated call, counted with a real tokenizer so that metering and budgets see
 * realistic numbers. The prompt layout mimics chat-format accounting: a few tokens of framing per
 * message, the tool definitions and a JSON schema response format as JSON text, and a fixed cost
 * per image (OpenAI's tile arithmetic for a 512×512 image at high detail; its base cost at low detail).
 */

export const TOKENS_PER_MESSAGE = 3;
export const REPLY_PRIMING_TOKENS = 3;
export const IMAGE_TOKENS = 255;
export const LOW_DETAIL_IMAGE_TOKENS = 85;

/**
 * Prompt tokens: exact for any prompt under EXACT_CHARS_PER_ESTIMATE characters; past that, the rest
 * is scaled at the ratio counted so far (bounded-token-count.ts), so a 20 MB prompt cannot hold the
 * event loop for seconds.
 */
export function countInputTokens(request: ChatRequest): number {
  const counter = new BoundedTokenCount();
  const countTokens = (text: string): number => counter.count(text);
  let total = REPLY_PRIMING_TOKENS;
  if (request.system && request.system.length > 0) total += TOKENS_PER_MESSAGE + request.system.reduce((sum, part) => sum + countTokens(part.text), 0);
  for (const message of request.messages) total += TOKENS_PER_MESSAGE + countMessage(message, countTokens);
  for (const tool of request.tools ?? []) {
    total += countTokens(JSON.stringify({ name: tool.name, description: tool.description ?? '', parameters: tool.inputSchema }));
  }
  if (request.responseFormat?.type === 'json_schema') total += countTokens(JSON.stringify(request.responseFormat.schema));
  return total;
}

function countMessage(message: Message, countTokens: (text: string) => number): number {
  let total = countTokens(message.role);
  for (const part of message.content) {
    switch (part.type) {
      case 'text':
        total += countTokens(part.text);
        break;
      case 'image':
        total += imageTokens(part);
        break;
      case 'tool-result':
        total += countTokens(part.toolCallId);
        for (const item of part.content) total += item.type === 'text' ? countTokens(item.text) : imageTokens(item);
        break;
      case 'tool-call':
        total += countTokens(part.name) + countTokens(part.argumentsJson);
        break;
      case 'reasoning':
        total += countTokens(part.text);
        break;
      case 'redacted-reasoning':
        total += Math.ceil(part.data.length / 4);
        break;
    }
  }
  return total;
}

function imageTokens(part: ImagePart): number {
  return part.detail === 'low' ? LOW_DETAIL_IMAGE_TOKENS : IMAGE_TOKENS;
}

/** Tokens one generated content part costs. */
export function countOutputPart(part: AssistantContentPart): number {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return countTokens(part.text);
    case 'tool-call':
      return countTokens(part.name) + countTokens(part.argumentsJson);
    case 'redacted-reasoning':
      return Math.ceil(part.data.length / 4);
  }
}

/** Inclusive usage of a generated answer: output counts reasoning, and reasoning is broken out. */
export function usageOf(inputTokens: number, content: readonly AssistantContentPart[]): Usage {
  let outputTokens = 0;
  let reasoningTokens = 0;
  for (const part of content) {
    const tokens = countOutputPart(part);
    outputTokens += tokens;
    if (part.type === 'reasoning' || part.type === 'redacted-reasoning') reasoningTokens += tokens;
  }
  return reasoningTokens > 0 ? { inputTokens, outputTokens, reasoningTokens } : { inputTokens, outputTokens };
}
