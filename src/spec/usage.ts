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
  /** Tokens written to a prompt cache, whatever their time to live. */
  cacheWriteTokens?: number;
  /**
   * The part of cacheWriteTokens written with a one-hour time to live (Anthropic
   * cache_creation.ephemeral_1h_input_tokens, Bedrock cacheDetails ttl "1h"), priced apart; the rest
   * of cacheWriteTokens is the default 5-minute kind.
   */
  cacheWrite1hTokens?: number;
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
