/**
 * Token usage in canonical form. Totals are *inclusive*:
 * - `inputTokens` counts every prompt token, cached ones included
 *   (OpenAI prompt_tokens; Anthropic input + cache_creation + cache_read; Bedrock inputTokens + cacheRead + cacheWrite).
 * - `outputTokens` counts every generated token, reasoning included.
 * The breakdown fields are subsets of those totals and are omitted when unknown.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export const EMPTY_USAGE: Readonly<Usage> = Object.freeze({ inputTokens: 0, outputTokens: 0 });

export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens;
}

/** Input tokens that were neither read from nor written to a prompt cache. */
export function uncachedInputTokens(usage: Usage): number {
  return Math.max(0, usage.inputTokens - (usage.cacheReadTokens ?? 0) - (usage.cacheWriteTokens ?? 0));
}
