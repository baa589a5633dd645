import type { ResolvedModel } from '../config/resolve-config.js';
import type { RequestFeatures } from '../routing/request-features.js';

/** Tokens an image may cost at most across providers (Anthropic ~1,600 at its largest size; OpenAI high detail ~1,100). */
export const IMAGE_TOKEN_BOUND = 1_600;
/** Per-request framing (roles, message separators, tool headers) on top of the text. */
const FRAMING_TOKENS = 64;
/** Output assumed when neither the request nor the model states a maximum. */
export const DEFAULT_OUTPUT_BOUND = 4_096;

/**
 * Prompt tokens a request can cost at most: one token per character of text (BPE tokenizers average
 * ~4 characters a token on English, so this is about 4× the usual count), plus a flat bound per image
 * and the framing. Prompts where a tokenizer needs more than one token per character (rare scripts
 * split into bytes) can exceed it; the README states that as the one source of budget overshoot.
 */
export function inputTokenBound(features: RequestFeatures): number {
  return features.textChars + features.images * IMAGE_TOKEN_BOUND + FRAMING_TOKENS;
}

/** Output tokens the request allows on this model: its max_tokens, else the model's maximum, else the default bound. */
export function outputTokenBound(features: RequestFeatures, model: ResolvedModel): number {
  return features.maxOutputTokens ?? model.maxOutputTokens ?? DEFAULT_OUTPUT_BOUND;
}

/**
 * The most one attempt on this model can cost, in nano-dollars: every prompt token at the dearest
 * input-side price (cache writes cost more than plain input) and every allowed output token at the
 * dearest output-side price. Zero for an unpriced model.
 */
export function worstCaseAttemptNanos(features: RequestFeatures, model: ResolvedModel): number {
  const pricing = model.pricing as Readonly<Record<string, number | undefined>> | undefined;
  if (!pricing) return 0;
  const inputPrice = Math.max(pricing.inputPerMTok ?? 0, pricing.cacheWritePerMTok ?? 0, pricing.cacheWrite1hPerMTok ?? 0);
  const outputPrice = Math.max(pricing.outputPerMTok ?? 0, pricing.reasoningPerMTok ?? 0);
  // USD per million tokens = 1,000 nano-dollars per token.
  return Math.ceil(inputTokenBound(features) * inputPrice * 1000 + outputTokenBound(features, model) * outputPrice * 1000);
}

/**
 * What a request reserves: the dearest candidate's worst case, times the attempts that can be billed
 * at once (two while a hedge races the first attempt).
 */
export function worstCaseRequestNanos(features: RequestFeatures, models: Iterable<ResolvedModel>, concurrentAttempts: number): number {
  let worst = 0;
  for (const model of models) worst = Math.max(worst, worstCaseAttemptNanos(features, model));
  return worst * Math.max(1, concurrentAttempts);
}
