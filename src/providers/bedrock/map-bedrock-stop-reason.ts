import type { FinishReason } from '../../spec/chat-result.js';

/**
 * Bedrock `stopReason` → canonical finish reason (../shared/fixtures/mappings.json, stop_reason.bedrock_*).
 * The malformed_* values have no faithful equivalent in any client dialect: they become `other` and
 * the raw value travels in `rawFinishReason`. Unknown future values do the same.
 */
export function mapBedrockStopReason(stopReason: string | undefined): { finishReason: FinishReason; rawFinishReason?: string } {
  switch (stopReason) {
    case 'end_turn':
      return { finishReason: 'stop', rawFinishReason: stopReason };
    case 'stop_sequence':
      return { finishReason: 'stop-sequence', rawFinishReason: stopReason };
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { finishReason: 'length', rawFinishReason: stopReason };
    case 'tool_use':
      return { finishReason: 'tool-calls', rawFinishReason: stopReason };
    case 'guardrail_intervened':
    case 'content_filtered':
      return { finishReason: 'content-filter', rawFinishReason: stopReason };
    case undefined:
      return { finishReason: 'other' };
    default:
      return { finishReason: 'other', rawFinishReason: stopReason };
  }
}
