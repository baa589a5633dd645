import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from '../../config/resolve-config.js';

/**
 * GET /v1/models in the caller's dialect: the Anthropic SDK sends `anthropic-version` and expects
 * `{data:[{type:'model', id, display_name, created_at}], has_more, first_id, last_id}`; everyone else
 * gets OpenAI's `{object:'list', data:[{id, object:'model', created, owned_by}]}`. Aliases are listed too.
 * Simulated models are labelled as such (owned_by / display_name). Routes are listed first, marked
 * `switchyard_route: true` (OpenAI shape: `owned_by: "switchyard-route"` and the candidate ids).
 */
export function registerModelRoutes(app: FastifyInstance, config: ResolvedConfig): void {
  const created = Math.floor(Date.now() / 1000);
  const createdAt = new Date(created * 1000).toISOString();
  const entries = [
    ...config.models.map((m) => ({ id: m.id, model: m })),
    ...Object.entries(config.aliases).map(([alias, target]) => ({ id: alias, model: config.findModel(target)! })),
  ];
  const routes = Object.values(config.routes);
  const openai = JSON.stringify({
    object: 'list',
    data: [
      ...routes.map((route) => ({
        id: route.name,
        object: 'model',
        created,
        owned_by: 'switchyard-route',
        switchyard_route: true,
        strategy: route.strategy,
        candidates: route.candidates.map((c) => c.model.id),
      })),
      ...entries.map(({ id, model }) => ({
      id,
      object: 'model',
      created,
      owned_by: model.simulated ? 'switchyard-simulated' : model.provider,
      ...(id !== model.id ? { alias_of: model.id } : {}),
      })),
    ],
  });
  const anthropicData = [
    ...routes.map((route) => ({ type: 'model', id: route.name, display_name: `${route.name} (route: ${route.candidates.map((c) => c.model.id).join(', ')})`, created_at: createdAt, switchyard_route: true })),
    ...entries.map(({ id, model }) => ({
      type: 'model',
      id,
      display_name: model.simulated ? `${id} (simulated)` : id === model.id ? id : `${id} → ${model.id}`,
      created_at: createdAt,
    })),
  ];
  const anthropic = JSON.stringify({
    data: anthropicData,
    has_more: false,
    first_id: anthropicData[0]?.id ?? null,
    last_id: anthropicData.at(-1)?.id ?? null,
  });
  app.get('/v1/models', async (request, reply) => {
    reply.type('application/json');
    return request.headers['anthropic-version'] !== undefined ? anthropic : openai;
  });
}
