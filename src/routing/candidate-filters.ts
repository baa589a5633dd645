import type { ResolvedModel } from '../config/resolve-config.js';
import type { RequestFeatures } from './request-features.js';

/** Why a candidate cannot serve a request: the error a client would get if it were the only one. */
export interface FilterVerdict {
  readonly code: string;
  readonly param: string;
  readonly message: string;
}

/**
 * A filter rejects a candidate that cannot serve the request, before any ranking. The router applies
 * the capability filter below and, after it, any policy filters its caller passes in (the seam for
 * team and key allow-lists).
 */
export type CandidateFilter = (model: ResolvedModel, features: RequestFeatures) => FilterVerdict | undefined;

/** Characters per token far above any real text's: below this estimate a prompt surely fits. */
const LOWER_BOUND_CHARS_PER_TOKEN = 8;
/** Characters per token below most real text's: above this estimate the prompt is measured precisely. */
const UPPER_BOUND_CHARS_PER_TOKEN = 2;

/**
 * Hard capability checks: images, remote image URLs, tools, JSON mode, reasoning, and context length.
 * Context length is decided cheaply when the answer is obvious (the text is far shorter or far longer
 * than the window allows) and with the tokenizer estimate (`preciseInputTokens`, bounded in cost) only
 * in between.
 */
export function capabilityFilter(preciseInputTokens: () => number): CandidateFilter {
  return (model, features) => {
    const traits = model.traits;
    if (features.images > 0 && !traits.images) {
      return { code: 'SWY_ERR_MODEL_NO_IMAGES', param: 'messages', message: `The model '${model.id}' does not accept images; choose a model with image input.` };
    }
    if (features.remoteImages > 0 && !traits.remoteImages) {
      return {
        code: 'SWY_ERR_REMOTE_IMAGE_UNSUPPORTED',
        param: 'messages',
        message: `The upstream of model '${model.id}' (${model.providerType}) does not fetch image URLs; send the image inline as a base64 data URL (data:image/png;base64,...).`,
      };
    }
    if (features.tools && !traits.tools) return { code: 'SWY_ERR_MODEL_NO_TOOLS', param: 'tools', message: `The model '${model.id}' does not support tools.` };
    if (features.json && !traits.json) return { code: 'SWY_ERR_MODEL_NO_JSON', param: 'response_format', message: `The model '${model.id}' has no JSON mode.` };
    if (model.contextWindow !== undefined) {
      const output = features.maxOutputTokens ?? 0;
      const window = model.contextWindow;
      const overflow = (input: number) => input + output > window;
      const surely = overflow(Math.ceil(features.textChars / LOWER_BOUND_CHARS_PER_TOKEN) + features.images * 85);
      const maybe = overflow(Math.ceil(features.textChars / UPPER_BOUND_CHARS_PER_TOKEN) + features.images * 1600);
      if (surely || (maybe && overflow(preciseInputTokens()))) {
        return {
          code: 'SWY_ERR_CONTEXT_LENGTH',
          param: 'messages',
          message: `The prompt (about ${preciseInputTokens()} tokens) plus ${output} output tokens does not fit the ${window}-token context window of '${model.id}'.`,
        };
      }
    }
    return undefined;
  };
}

/** Reasoning is a preference, not a hard need: a route keeps only reasoning models for it when it has any. */
export function prefersReasoning(model: ResolvedModel, features: RequestFeatures): boolean {
  return !features.reasoning || model.traits.reasoning;
}
