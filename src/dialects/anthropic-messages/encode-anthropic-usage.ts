import { uncachedInputTokens, type Usage } from '../../spec/usage.js';
import type { AnthropicUsage } from './anthropic-messages-wire-types.js';

/**
 * Canonical (inclusive) usage → Anthropic usage, whose `input_tokens` EXCLUDES cache tokens:
 * input_tokens = inputTokens − cacheReadTokens − cacheWriteTokens (never below 0). Unknown cache
 * counts are reported as 0, which is what Anthropic reports when nothing was cached.
 */
export function encodeAnthropicUsage(usage: Usage): AnthropicUsage {
  return {
    input_tokens: uncachedInputTokens(usage),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens ?? 0,
    cache_read_input_tokens: usage.cacheReadTokens ?? 0,
  };
}
