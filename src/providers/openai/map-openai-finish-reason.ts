import type { FinishReason } from '../../spec/index.js';

/**
 * OpenAI finish_reason → canonical FinishReason. OpenAI does not say which stop sequence matched,
 * so `stop` stays `stop`. Unknown values (compatible servers invent some) become `other`; the
 * caller keeps the raw string.
 */
export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}
