import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from '../../config/resolve-config.js';
import { countTokensEstimate, decodeCountTokensRequest } from '../../dialects/anthropic-messages/count-tokens.js';
import { unknownModelError } from '../../routing/unknown-model.js';

/**
 * POST /v1/messages/count_tokens: validates the body like /v1/messages (without max_tokens), checks the
 * model (or route) exists, and answers `{input_tokens}` estimated with a BPE tokenizer. The estimate is local for
 * every upstream (no provider call, no cost); provider usage remains the truth for metering.
 */
export function registerCountTokensRoute(app: FastifyInstance, config: ResolvedConfig): void {
  app.post('/v1/messages/count_tokens', { config: { dialect: 'anthropic-messages' } }, async (request, reply) => {
    const canonical = decodeCountTokensRequest(request.body);
    if (!config.findRoute(canonical.model) && !config.findModel(canonical.model)) throw unknownModelError(config, canonical.model);
    reply.type('application/json');
    return { input_tokens: countTokensEstimate(canonical) };
  });
}
