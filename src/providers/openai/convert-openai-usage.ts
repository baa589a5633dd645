import type { Usage } from '../../spec/index.js';
import type { OpenAIWireUsage } from './openai-wire-types.js';

/**
 * Chat Completions usage → canonical Usage. Both sides are inclusive: `prompt_tokens` already
 * counts `cached_tokens` and `completion_tokens` counts `reasoning_tokens`, so totals copy across
 * and the details become the breakdown (omitted when the upstream does not report them).
 */
export function convertOpenAIUsage(usage: OpenAIWireUsage): Usage {
  const result: Usage = {
    inputTokens: count(usage.prompt_tokens) ?? 0,
    outputTokens: count(usage.completion_tokens) ?? 0,
  };
  const cacheRead = count(usage.prompt_tokens_details?.cached_tokens);
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  const cacheWrite = count(usage.prompt_tokens_details?.cache_write_tokens);
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  const reasoning = count(usage.completion_tokens_details?.reasoning_tokens);
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  return result;
}

function count(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}
