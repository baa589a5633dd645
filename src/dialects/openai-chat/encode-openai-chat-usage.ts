import type { Usage } from '../../spec/usage.js';

/** OpenAI `usage` object (CompletionUsage) as Switchyard sends it. */
export interface OpenAIChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number; cache_write_tokens?: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/**
 * Canonical usage → OpenAI usage. Both are inclusive (prompt_tokens includes cached tokens,
 * completion_tokens includes reasoning tokens), so totals map one to one. `cache_write_tokens` is
 * only sent when the upstream reported cache writes.
 */
export function encodeOpenAIChatUsage(usage: Usage): OpenAIChatUsage {
  const promptDetails: OpenAIChatUsage['prompt_tokens_details'] = { cached_tokens: usage.cacheReadTokens ?? 0, audio_tokens: 0 };
  if (usage.cacheWriteTokens !== undefined) promptDetails.cache_write_tokens = usage.cacheWriteTokens;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}
