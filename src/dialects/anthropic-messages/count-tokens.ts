import { BoundedTokenCount } from '../../metering/bounded-token-count.js';

import type { ChatRequest, ImagePart, TextPart } from '../../spec/chat-request.js';
import { decodeAnthropicCountTokensRequest } from './decode-anthropic-messages-request.js';

/**
 * Pre-request token ESTIMATE for `POST /v1/messages/count_tokens` (answered as `{input_tokens}`).
 *
 * Claude's tokenizer is not public, so this counts with OpenAI's o200k_base encoding (gpt-tokenizer, loaded on first use) and
 * adds fixed allowances; expect it to be within roughly ±15 % for English text and code. Provider
 * usage stays the truth for metering. What is counted:
 * - system text, message text, tool-call names and argument JSON, tool-result text;
 * - IMAGE_TOKEN_ESTIMATE per image (Anthropic's cost for a ~1.15 megapixel image; smaller images
 *   cost less, so this errs high);
 * - MESSAGE_OVERHEAD_TOKENS per message (role and turn markers);
 * - per tool definition its name, description and JSON schema, plus TOOL_USE_SYSTEM_PROMPT_TOKENS
 *   once when any tools are present (the hidden tool-use system prompt Anthropic adds).
 * Reasoning from earlier turns is not counted (Anthropic strips previous thinking from the context),
 * nor are redacted reasoning blocks.
 */
export const IMAGE_TOKEN_ESTIMATE = 1600;
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const TOOL_USE_SYSTEM_PROMPT_TOKENS = 346;

export function countTokensEstimate(request: ChatRequest): number {
  const counter = new BoundedTokenCount();
  const countTokens = (text: string): number => counter.count(text);
  const countMediaPart = (part: TextPart | ImagePart): number => (part.type === 'text' ? countTokens(part.text) : IMAGE_TOKEN_ESTIMATE);
  let total = 0;
  for (const part of request.system ?? []) total += countTokens(part.text);
  for (const message of request.messages) {
    total += MESSAGE_OVERHEAD_TOKENS;
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'image':
          total += countMediaPart(part);
          break;
        case 'tool-call':
          total += countTokens(part.name) + countTokens(part.argumentsJson);
          break;
        case 'tool-result':
          for (const inner of part.content) total += countMediaPart(inner);
          break;
        case 'reasoning':
        case 'redacted-reasoning':
          break;
      }
    }
  }
  if (request.tools && request.tools.length > 0) {
    total += TOOL_USE_SYSTEM_PROMPT_TOKENS;
    for (const tool of request.tools) {
      total += countTokens(tool.name) + countTokens(tool.description ?? '') + countTokens(JSON.stringify(tool.inputSchema));
    }
  }
  return total;
}

/** Validates a count_tokens body like a Messages request, except that `max_tokens` is optional. */
export function decodeCountTokensRequest(body: unknown): ChatRequest {
  return decodeAnthropicCountTokensRequest(body);
}
