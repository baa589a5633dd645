import type { ResolvedModel } from '../config/resolve-config.js';
import { uncachedInputTokens, type Usage } from '../spec/usage.js';

/**
 * Cost of one request in integer nano-dollars (1e-9 USD). A price of $P per million tokens is
 * P·1000 nano-dollars per token, so every catalog price with up to three decimals is exact and sums
 * over time never drift. Cache reads/writes use their own price when the model has one, else the input price.
 */
export function computeCostNanos(usage: Usage, pricing: ResolvedModel['pricing']): number {
  if (!pricing) return 0;
  const perToken = (pricePerMTok: number) => Math.round(pricePerMTok * 1000);
  const input = perToken(pricing.inputPerMTok);
  return (
    uncachedInputTokens(usage) * input +
    (usage.cacheReadTokens ?? 0) * perToken(pricing.cacheReadPerMTok ?? pricing.inputPerMTok) +
    (usage.cacheWriteTokens ?? 0) * perToken(pricing.cacheWritePerMTok ?? pricing.inputPerMTok) +
    usage.outputTokens * perToken(pricing.outputPerMTok)
  );
}

