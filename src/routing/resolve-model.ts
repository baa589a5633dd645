import type { ResolvedConfig, ResolvedModel } from '../config/resolve-config.js';
import { GatewayError } from '../spec/errors.js';

/**
 * Finds the catalog model for the name a client sent (model id or alias).
 * Unknown names are a 404 that lists what is available, so the fix is obvious.
 */
export function resolveModel(config: ResolvedConfig, name: string): ResolvedModel {
  const model = config.findModel(name);
  if (model) return model;
  const known = [...config.models.map((m) => m.id), ...Object.keys(config.aliases)];
  const shown = known.slice(0, 20).join(', ') + (known.length > 20 ? ', …' : '');
  throw new GatewayError({
    code: 'SWY_ERR_MODEL_NOT_FOUND',
    kind: 'not_found',
    origin: 'client',
    param: 'model',
    message: `The model '${name}' does not exist in this gateway. Available models: ${shown}.`,
  });
}
