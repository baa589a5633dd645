import { createHash } from 'node:crypto';
import type { ReasoningConfig, ReasoningPart } from '../../spec/index.js';
import { REASONING_SENTENCES } from './simulated-corpus.js';
import type { SeededRandom } from './simulated-random.js';
import type { SimulatedTier } from './simulated-tier.js';
import { countTokens, truncateToTokens } from './simulated-tokens.js';

/** Reasoning length per OpenAI effort level, in tokens, before the tier factor. */
const EFFORT_TOKENS: Readonly<Record<NonNullable<ReasoningConfig['effort']>, number>> = {
  minimal: 16,
  low: 48,
  medium: 128,
  high: 320,
};

/** Longest simulated reasoning, in tokens. */
export const MAX_REASONING_TOKENS = 1024;

/**
 * How many reasoning tokens the simulated model spends: an eighth of `budgetTokens` (never more
 * than the budget) or the effort level's length, scaled by the tier. Undefined: no reasoning.
 */
export function reasoningTarget(config: ReasoningConfig | undefined, tier: SimulatedTier): number | undefined {
  if (!config) return undefined;
  let base: number;
  if (config.budgetTokens !== undefined) base = config.budgetTokens / 8;
  else if (config.effort !== undefined) base = EFFORT_TOKENS[config.effort];
  else return undefined;
  const scaled = Math.max(8, Math.round(base * tier.reasoningFactor));
  return Math.min(scaled, MAX_REASONING_TOKENS, config.budgetTokens ?? Number.POSITIVE_INFINITY);
}

/**
 * A reasoning block of at most `targetTokens` tokens, in whole sentences, with a fake signature. The signature is derived
 * from the text, so it is stable for a given request and changes when the text does.
 */
export function composeReasoning(random: SeededRandom, snippet: string, targetTokens: number): ReasoningPart {
  const opening = snippet === '' ? 'Let me think about this.' : `Let me think about "${snippet}".`;
  // Whole sentences while they fit the target; a first sentence longer than the target is cut on a token boundary.
  let text = opening;
  let tokens = countTokens(text);
  let pool: string[] = [];
  while (tokens < targetTokens) {
    if (pool.length === 0) pool = random.sample(REASONING_SENTENCES, REASONING_SENTENCES.length);
    const next = ` ${pool.shift() as string}`;
    const cost = countTokens(next);
    if (tokens + cost > targetTokens) break;
    text += next;
    tokens += cost;
  }
  text = truncateToTokens(text, targetTokens);
  return { type: 'reasoning', text, signature: simulatedSignature(text) };
}

export function simulatedSignature(text: string): string {
  return `simsig_${createHash('sha256').update(`simulated-reasoning:${text}`).digest('base64')}`;
}
