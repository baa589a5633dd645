import type { DialectCodec } from '../dialects/dialect.js';
import { countTokensEstimate } from '../dialects/anthropic-messages/count-tokens.js';
import { readRequestFeatures, type RequestFeatures } from '../routing/request-features.js';
import type { ChatRequest } from '../spec/index.js';

/**
 * The client's request, prepared once for every stage: the raw body (what passthrough sends), its
 * features (read in one bounded pass), and — only when a translated attempt or a precise estimate
 * needs it — the decoded canonical request. Decoding is lazy so the passthrough hot path never pays it.
 */
export class PreparedRequest {
  private cachedFeatures?: RequestFeatures;
  private cachedCanonical?: ChatRequest;
  private cachedPrecise?: number;

  constructor(
    readonly codec: DialectCodec,
    readonly body: Record<string, unknown>,
  ) {}

  get stream(): boolean {
    return this.body.stream === true;
  }

  get features(): RequestFeatures {
    return (this.cachedFeatures ??= readRequestFeatures(this.codec.name, this.body));
  }

  /** Decodes (once) into the canonical request; throws the dialect's invalid-request error. */
  canonical(): ChatRequest {
    return (this.cachedCanonical ??= this.codec.decodeRequest(this.body));
  }

  /** A cheap estimate of prompt tokens from the features (about 4 characters a token, images at a flat rate). */
  roughInputTokens = (): number => {
    const features = this.features;
    return Math.ceil(features.textChars / 4) + features.images * 1600;
  };

  /** The tokenizer's estimate (bounded in cost), falling back to the rough one for a body that does not decode. */
  preciseInputTokens = (): number => {
    if (this.cachedPrecise !== undefined) return this.cachedPrecise;
    try {
      this.cachedPrecise = countTokensEstimate(this.canonical());
    } catch {
      this.cachedPrecise = this.roughInputTokens();
    }
    return this.cachedPrecise;
  };
}
