import type { FinishReason } from '../../spec/chat-result.js';

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * Canonical finish reason → OpenAI `finish_reason` (../shared/fixtures/mappings.json).
 * Lossy: `pause` (Anthropic pause_turn) and `other` have no OpenAI value and become `stop`.
 */
const FINISH_REASONS: Readonly<Record<FinishReason, OpenAIFinishReason>> = Object.freeze({
  stop: 'stop',
  'stop-sequence': 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  pause: 'stop',
  other: 'stop',
});

export function mapFinishReasonToOpenAI(reason: FinishReason): OpenAIFinishReason {
  return FINISH_REASONS[reason] ?? 'stop';
}
