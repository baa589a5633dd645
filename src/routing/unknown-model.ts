import type { ResolvedConfig } from '../config/resolve-config.js';
import { GatewayError } from '../spec/errors.js';

/** The 404 for a name that is neither a route, a model id nor an alias, listing (some of) those. */
export function unknownModelError(config: ResolvedConfig, name: string): GatewayError {
  const known = [...Object.keys(config.routes), ...config.models.map((m) => m.id), ...Object.keys(config.aliases)];
  const shown = known.slice(0, 20).join(', ') + (known.length > 20 ? ', …' : '');
  return new GatewayError({
    code: 'SWY_ERR_MODEL_NOT_FOUND',
    kind: 'not_found',
    origin: 'client',
    param: 'model',
    message: `The model '${name}' does not exist in this gateway. Available models: ${shown}.`,
  });
}
