import type { FinishReason } from '../../spec/index.js';

export interface MappedStopReason {
  finishReason: FinishReason;
  /** The upstream's stop_reason, unmapped (absent when the upstream sent none). */
  rawFinishReason?: string;
}

/**
 * Anthropic stop_reason -> canonical finish reason (../shared/fixtures/mappings.json):
 * end_turn -> stop, stop_sequence -> stop-sequence, max_tokens and model_context_window_exceeded -> length,
 * tool_use -> tool-calls, refusal -> content-filter, pause_turn -> pause, compaction -> stop (lossy);
 * anything else (or none) -> other.
 */
export function mapAnthropicStopReason(stopReason: string | null | undefined): MappedStopReason {
  if (stopReason === null || stopReason === undefined || stopReason === '') return { finishReason: 'other' };
  const finishReason = Object.hasOwn(FINISH_REASONS, stopReason) ? FINISH_REASONS[stopReason] : 'other';
  return { finishReason, rawFinishReason: stopReason };
}

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = Object.freeze({
  end_turn: 'stop',
  stop_sequence: 'stop-sequence',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
  pause_turn: 'pause',
  compaction: 'stop',
});
