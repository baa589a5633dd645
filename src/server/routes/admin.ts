import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from '../../config/resolve-config.js';
import { deploymentKey } from '../../routing/deployment.js';
import { explainRoute, healthJson, isDialect } from '../../routing/explain-plan.js';
import type { HealthTracker } from '../../routing/health/health-tracker.js';
import type { RetryBudget } from '../../routing/health/retry-budget.js';
import { GatewayError, invalidRequest } from '../../spec/errors.js';
import type { Caller } from '../../tenancy/api-keys.js';
import type { LearnedRouter } from '../../routing/learned/learned-context.js';

export interface AdminDeps {
  config: ResolvedConfig;
  health: HealthTracker;
  retryBudget: RetryBudget;
  /** ms clock of the health tracker (cooldown arithmetic, strategies); Date.now by default. */
  clock?: () => number;
  /** The learned router, so explain works for task-tier and quality-cost routes. */
  learned?: LearnedRouter;
}

/** Is this URL under /admin (the admin key is required there)? */
export function isAdminUrl(url: string): boolean {
  return url === '/admin' || url.startsWith('/admin/') || url.startsWith('/admin?');
}

/** Admin endpoints are for the master key; any other valid key gets a 403. */
export function requireAdmin(caller: Caller): void {
  if (caller.role !== 'master' && caller.role !== 'admin') {
    throw new GatewayError({
      code: 'SWY_ERR_ADMIN_REQUIRED',
      kind: 'permission',
      origin: 'client',
      message: `The key '${caller.keyName}' may not use admin endpoints: they need an admin key (the master key or a key created with role admin).`,
    });
  }
}

/**
 * The admin surface (authentication and the master-key check are in app.ts's onRequest hook):
 * - POST /admin/route/explain — how a request would be routed now (see explainRoute): body
 *   `{model, prompt?}` or a chat body `{model, messages, …}`, with `dialect` (default openai-chat);
 * - GET /admin/health — every deployment's breaker, cooldown, latency, in-flight count and quota, and
 *   the retry budget's window.
 * Errors render in the OpenAI shape like the rest of the gateway; JSON is snake_case.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const clock = deps.clock ?? Date.now;

  app.post('/admin/route/explain', { config: { dialect: 'openai-chat' } }, async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalidRequest('The request body must be a JSON object: {"model": "<route or model>", "prompt": "…"} or a chat request body.', undefined, 'SWY_ERR_INVALID_BODY');
    }
    const { dialect = 'openai-chat', prompt, request_id: requestId, ...chat } = body as Record<string, unknown>;
    const model = chat.model;
    if (typeof model !== 'string' || model.trim() === '') throw invalidRequest('model: a route or model name (string) is required.', 'model');
    if (!isDialect(dialect)) throw invalidRequest('dialect: must be "openai-chat" or "anthropic-messages".', 'dialect');
    if (prompt !== undefined && typeof prompt !== 'string') throw invalidRequest('prompt: must be a string.', 'prompt');
    if (requestId !== undefined && typeof requestId !== 'string') throw invalidRequest('request_id: must be a string.', 'request_id');
    const hasMessages = chat.messages !== undefined;
    if (hasMessages && prompt !== undefined) throw invalidRequest('Send either prompt or messages, not both.', 'prompt');
    if (hasMessages && !Array.isArray(chat.messages)) throw invalidRequest('messages: must be an array of messages.', 'messages');
    const explanation = explainRoute(deps.config, deps.health, {
      model,
      dialect,
      ...(hasMessages ? { body: chat } : { prompt: prompt ?? '' }),
      ...(requestId !== undefined ? { requestId } : {}),
      ...(deps.learned ? { learned: deps.learned } : {}),
      now: clock(),
    });
    reply.type('application/json');
    return explanation;
  });

  app.get('/admin/health', { config: { dialect: 'openai-chat' } }, async (_request, reply) => {
    const now = clock();
    // Configured deployments first (in catalog order, fresh ones included), then any other the tracker knows.
    const models = new Map(deps.config.models.map((m) => [deploymentKey(m), m]));
    const keys = [...models.keys()];
    for (const [key] of deps.health.entries()) if (!models.has(key)) keys.push(key);
    const deployments = keys.map((key) => {
      const model = models.get(key);
      return {
        key,
        model: model?.id ?? null,
        provider: model?.provider ?? null,
        available: deps.health.isAvailable(key),
        ...healthJson(deps.health.get(key), now),
      };
    });
    const budget = deps.retryBudget.snapshot();
    reply.type('application/json');
    return {
      deployments,
      retry_budget: { requests: budget.requests, retries: budget.retries, limit: budget.limit, window_ms: deps.retryBudget.windowMs },
    };
  });
}
