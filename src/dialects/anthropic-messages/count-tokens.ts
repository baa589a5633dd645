import { countTextTokens } from '../../metering/tokenizer.js';

/** Text up to this many characters per part is counted with the tokenizer; beyond it, by sampling. */
const EXACT_CHARS = 64 * 1024;
/**
 * Characters one estimate hands to the tokenizer at most, across all its parts: a body of many parts
 * each under EXACT_CHARS (300 messages of 60 KB) would otherwise be tokenized whole, seconds of event
 * loop for a 20 MB body. Text past it is estimated at the tokens-per-character ratio counted so far.
 */
export const EXACT_CHARS_PER_ESTIMATE = 256 * 1024;
/** Tokens per character assumed before anything has been counted. */
const DEFAULT_TOKENS_PER_CHAR = 0.25;

/**
 * Tokens of text parts, bounded in cost whatever the lengths and however many parts: the tokenizer is
 * linear but costs up to ~1 ms per KB on random text. Each part is counted exactly up to EXACT_CHARS
 * (a longer part's count of its head is scaled to its whole length) while the estimate's budget of
 * EXACT_CHARS_PER_ESTIMATE lasts; after that parts are scaled by the ratio seen (an estimate; provider
 * usage remains the truth for metering).
 */
class BoundedTokenCount {
  private exactChars = 0;
  private exactTokens = 0;

  count(text: string): number {
    const room = Math.min(EXACT_CHARS, EXACT_CHARS_PER_ESTIMATE - this.exactChars);
    if (text.length <= room) return this.countExactly(text);
    const cut = surrogateSafeCut(text, room);
    if (cut <= 0) return Math.ceil(text.length * this.tokensPerChar());
    return Math.ceil((this.countExactly(text.slice(0, cut)) * text.length) / cut);
  }

  private countExactly(text: string): number {
    const tokens = countTextTokens(text);
    this.exactChars += text.length;
    this.exactTokens += tokens;
    return tokens;
  }

  private tokensPerChar(): number {
    return this.exactChars > 0 ? this.exactTokens / this.exactChars : DEFAULT_TOKENS_PER_CHAR;
  }
}

/** `at`, or one less when that would split a surrogate pair. */
function surrogateSafeCut(text: string, at: number): number {
  if (at <= 0) return 0;
  const last = text.charCodeAt(at - 1);
  return last >= 0xd800 && last <= 0xdbff ? at - 1 : at;
}

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
