import type { FinishReason } from '../../spec/chat-result.js';
import type { AnthropicStopReason } from './anthropic-messages-wire-types.js';

/**
 * Canonical finish reason → Anthropic `stop_reason` (../shared/fixtures/mappings.json).
 * `other` (malformed output, unknown upstream values) has no Anthropic counterpart and becomes
 * end_turn; the upstream's raw value stays in the request log via ChatResult.rawFinishReason.
 */
const STOP_REASONS: Readonly<Record<FinishReason, AnthropicStopReason>> = Object.freeze({
  stop: 'end_turn',
  'stop-sequence': 'stop_sequence',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
  pause: 'pause_turn',
  other: 'end_turn',
});

export function mapFinishReasonToAnthropic(reason: FinishReason): AnthropicStopReason {
  return STOP_REASONS[reason] ?? 'end_turn';
}

/** `stop_sequence` is the matched string only when the reason is stop_sequence and it is known. */
export function anthropicStopSequence(reason: FinishReason, stopSequence: string | undefined): string | null {
  return reason === 'stop-sequence' && stopSequence !== undefined ? stopSequence : null;
}
