import { loadLearnedRouter } from './load.js';
import type { LearnedRouter } from './learned-context.js';
import { resolveQualityProfile } from './profiles.js';

/**
 * The learned router as the gateway runs it: the shipped analyzer and predictor (committed weights,
 * decoded once) and each catalog model's profile — configured, else shipped for a well-known model,
 * else fitted from a routing dataset, else neutral.
 */
export function gatewayLearnedRouter(): LearnedRouter {
  const trained = loadLearnedRouter();
  return {
    analyzer: trained.analyzer,
    predictor: trained.predictor,
    profileFor: (model) => resolveQualityProfile(model.id, model.upstreamModel, model.quality, trained.profiles).profile,
  };
}
