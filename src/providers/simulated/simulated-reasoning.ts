import { createHash } from 'node:crypto';
import type { ReasoningConfig, ReasoningPart } from '../../spec/index.js';
import { REASONING_SENTENCES } from './simulated-corpus.js';
import type { SeededRandom } from './simulated-random.js';
import type { SimulatedTier } from './simulated-tier.js';
import { truncateToTokens } from './simulated-tokens.js';

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
 * A reasoning block of about `targetTokens` tokens with a fake signature. The signature is derived
 * from the text, so it is stable for a given request and changes when the text does.
 */
export function composeReasoning(random: SeededRandom, snippet: string, targetTokens: number): ReasoningPart {
  const sentences = [snippet === '' ? 'Let me think about this.' : `Let me think about "${snippet}".`];
  // Sentences average 10-12 tokens; generate enough, then cut to the target on a token boundary.
  const needed = Math.ceil(targetTokens / 8) + 1;
  while (sentences.length < needed) sentences.push(random.pick(REASONING_SENTENCES));
  const text = truncateToTokens(sentences.join(' '), targetTokens);
  return { type: 'reasoning', text, signature: simulatedSignature(text) };
}

export function simulatedSignature(text: string): string {
  return `simsig_${createHash('sha256').update(`simulated-reasoning:${text}`).digest('base64')}`;
}
