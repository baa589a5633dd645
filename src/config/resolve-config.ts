import { chooseBedrockCredentials } from '../providers/bedrock/resolve-bedrock-auth.js';
import type { CallTimeouts, ModelTraits } from '../providers/provider.js';
import { resolveStorage, type ResolvedStorage } from '../storage/database-url.js';
import { lookupPrice } from '../metering/price-catalog.js';
import { ConfigError } from './load-config.js';
import type { Config, ModelConfig, ProviderConfig, RouteConfig } from './schema.js';

export interface ResolvedModel {
  readonly id: string;
  readonly provider: string;
  readonly providerType: ProviderConfig['type'];
  readonly upstreamModel: string;
  readonly pricing?: Readonly<NonNullable<ModelConfig['pricing']>>;
  readonly contextWindow?: number;
  readonly maxOutputTokens?: number;
  readonly tier?: string;
  /** Declared quality profile (config `quality`); the learned strategies fall back to shipped profiles. */
  readonly quality?: Readonly<NonNullable<ModelConfig['quality']>>;
  readonly description?: string;
  readonly simulated: boolean;
  readonly traits: Readonly<ModelTraits>;
  /** Routes or models tried, in order, after this model failed (when it is requested directly). */
  readonly fallbacks: readonly string[];
}

/** A named route: candidates the strategy orders, then fallbacks (routes or models), with retry and hedge settings. */
export interface ResolvedRoute {
  readonly name: string;
  readonly candidates: ReadonlyArray<{ readonly model: ResolvedModel; readonly weight: number }>;
  readonly strategy: RouteConfig['strategy'];
  readonly fallbacks: readonly string[];
  readonly retries: Readonly<RouteConfig['retries']>;
  readonly hedge?: Readonly<NonNullable<RouteConfig['hedge']>>;
  readonly qualityCost?: Readonly<NonNullable<RouteConfig['qualityCost']>>;
  readonly taskTiers?: Readonly<NonNullable<RouteConfig['taskTiers']>>;
  readonly learning?: Readonly<NonNullable<RouteConfig['learning']>>;
  readonly cacheAffinity?: Readonly<NonNullable<RouteConfig['cacheAffinity']>>;
  readonly description?: string;
}

/** The configuration every component reads: validated, cross-checked and frozen. */
export interface ResolvedConfig {
  readonly server: Readonly<Config['server']>;
  readonly auth: Readonly<Config['auth']>;
  /** Config file and environment combined: PostgreSQL URL or SQLite path, and the data directory (storage/database-url.ts). */
  readonly storage: ResolvedStorage;
  readonly timeouts: Readonly<CallTimeouts>;
  readonly providers: Readonly<Record<string, Readonly<ProviderConfig>>>;
  readonly models: readonly ResolvedModel[];
  readonly aliases: Readonly<Record<string, string>>;
  readonly routes: Readonly<Record<string, ResolvedRoute>>;
  readonly routing: Readonly<Config['routing']>;
  /** Team limits: Redis URL (config, else REDIS_URL; unset = in-process) and the reservation TTL. */
  readonly limits: { readonly redisUrl?: string; readonly reservationTtlMs: number };
  /** Looks a client's model name up by id, then alias. */
  findModel(name: string): ResolvedModel | undefined;
  /** Looks a route up by name. */
  findRoute(name: string): ResolvedRoute | undefined;
}

const BEDROCK_CREDENTIAL_FIELDS = ['apiKey', 'accessKeyId', 'secretAccessKey', 'sessionToken'] as const;

const REMOTE_IMAGE_DEFAULT: Record<ProviderConfig['type'], boolean> = {
  openai: true,
  'openai-compatible': false,
  anthropic: true,
  bedrock: false,
  simulated: true,
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  }
  return value;
}

export function resolveConfig(config: Config, env: Record<string, string | undefined> = process.env): ResolvedConfig {
  const problems: string[] = [];
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, provider] of Object.entries(config.providers)) {
    if (provider.type === 'bedrock') {
      // One credential source, in the documented order: configured credentials win over the
      // environment, and the two are never mixed (see chooseBedrockCredentials).
      const chosen = chooseBedrockCredentials(provider, env);
      const filled = { ...provider };
      for (const key of BEDROCK_CREDENTIAL_FIELDS) delete filled[key];
      Object.assign(filled, chosen);
      if (!filled.apiKey && (filled.accessKeyId || filled.secretAccessKey) && !(filled.accessKeyId && filled.secretAccessKey)) {
        problems.push(`providers.${name}: bedrock needs both accessKeyId and secretAccessKey (or apiKey)`);
      } else if (!filled.apiKey && !(filled.accessKeyId && filled.secretAccessKey)) {
        problems.push(
          `providers.${name}: bedrock needs apiKey, or accessKeyId and secretAccessKey (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_BEARER_TOKEN_BEDROCK in the environment)`,
        );
      }
      providers[name] = filled;
    } else {
      providers[name] = provider;
    }
  }

  const models: ResolvedModel[] = [];
  const byId = new Map<string, ResolvedModel>();
  config.models.forEach((model, i) => {
    const provider = providers[model.provider];
    if (!provider) {
      problems.push(`models.${i}.provider: unknown provider "${model.provider}" (known: ${Object.keys(providers).join(', ') || 'none'})`);
      return;
    }
    if (byId.has(model.id)) {
      problems.push(`models.${i}.id: duplicate model id "${model.id}"`);
      return;
    }
    const resolved: ResolvedModel = {
      id: model.id,
      provider: model.provider,
      providerType: provider.type,
      upstreamModel: model.upstreamModel ?? model.id,
      // Configured pricing wins; otherwise the built-in catalog's (OpenAI, Anthropic, Bedrock ids; none for simulated or compatible servers).
      pricing: model.pricing ?? lookupPrice(provider.type, model.upstreamModel ?? model.id),
      contextWindow: model.contextWindow,
      maxOutputTokens: model.maxOutputTokens,
      tier: model.tier,
      ...(model.quality ? { quality: model.quality } : {}),
      description: model.description,
      simulated: provider.type === 'simulated',
      traits: {
        reasoning: model.capabilities.reasoning,
        tools: model.capabilities.tools,
        images: model.capabilities.images,
        json: model.capabilities.json,
        remoteImages: model.capabilities.remoteImages ?? REMOTE_IMAGE_DEFAULT[provider.type],
        ...(model.maxOutputTokens !== undefined ? { maxOutputTokens: model.maxOutputTokens } : {}),
      },
      fallbacks: model.fallbacks ?? [],
    };
    models.push(resolved);
    byId.set(model.id, resolved);
  });

  for (const [alias, target] of Object.entries(config.aliases)) {
    if (!byId.has(target)) problems.push(`aliases.${alias}: points at unknown model "${target}"`);
    if (byId.has(alias)) problems.push(`aliases.${alias}: an alias cannot shadow a model id`);
  }
  const routes = resolveRoutes(config, byId, problems);
  const storage = resolveStorage(config.storage, env);
  problems.push(...storage.problems);
  if (problems.length) throw new ConfigError('configuration is inconsistent', problems);

  const aliases = { ...config.aliases };
  const resolved: ResolvedConfig = {
    server: config.server,
    // SWITCHYARD_MASTER_KEY applies whatever the config file says, unless the file sets a master key itself.
    auth: config.auth.masterKey === undefined && env.SWITCHYARD_MASTER_KEY ? { ...config.auth, masterKey: env.SWITCHYARD_MASTER_KEY } : config.auth,
    storage: storage.storage,
    timeouts: config.timeouts,
    providers,
    models,
    aliases,
    routes,
    routing: config.routing,
    limits: resolveLimits(config, env),
    findModel(name: string) {
      return byId.get(name) ?? (aliases[name] !== undefined ? byId.get(aliases[name]) : undefined);
    },
    findRoute(name: string) {
      return Object.hasOwn(routes, name) ? routes[name] : undefined;
    },
  };
  return deepFreeze(resolved);
}

function resolveLimits(config: Config, env: Record<string, string | undefined>): ResolvedConfig['limits'] {
  const nonEmpty = (value: string | undefined) => (value !== undefined && value.trim() !== '' ? value.trim() : undefined);
  const redisUrl = nonEmpty(config.limits.redisUrl) ?? nonEmpty(env.REDIS_URL);
  return { ...(redisUrl ? { redisUrl } : {}), reservationTtlMs: config.limits.reservationTtlMs ?? config.timeouts.totalMs + 60_000 };
}

/**
 * Routes: every candidate must be a catalog model (id or alias), every fallback a route or a model,
 * a route name may not shadow a model or an alias, and fallbacks may not form a cycle.
 */
function resolveRoutes(config: Config, byId: ReadonlyMap<string, ResolvedModel>, problems: string[]): Record<string, ResolvedRoute> {
  const routes: Record<string, ResolvedRoute> = {};
  const modelNamed = (name: string) => byId.get(name) ?? (config.aliases[name] !== undefined ? byId.get(config.aliases[name]) : undefined);
  const isTarget = (name: string) => Object.hasOwn(config.routes, name) || modelNamed(name) !== undefined;
  for (const [name, route] of Object.entries(config.routes)) {
    if (byId.has(name)) problems.push(`routes.${name}: a route cannot shadow the model id "${name}"`);
    if (Object.hasOwn(config.aliases, name)) problems.push(`routes.${name}: a route cannot shadow the alias "${name}"`);
    const candidates: Array<{ model: ResolvedModel; weight: number }> = [];
    route.candidates.forEach((candidate, i) => {
      const id = typeof candidate === 'string' ? candidate : candidate.model;
      const model = modelNamed(id);
      if (!model) problems.push(`routes.${name}.candidates.${i}: unknown model "${id}"`);
      else if (candidates.some((c) => c.model === model)) problems.push(`routes.${name}.candidates.${i}: model "${id}" is listed twice`);
      else candidates.push({ model, weight: typeof candidate === 'string' ? 1 : candidate.weight });
    });
    route.fallbacks.forEach((target, i) => {
      if (!isTarget(target)) problems.push(`routes.${name}.fallbacks.${i}: unknown route or model "${target}"`);
    });
    routes[name] = {
      name,
      candidates,
      strategy: route.strategy,
      fallbacks: route.fallbacks,
      retries: route.retries,
      ...(route.hedge ? { hedge: route.hedge } : {}),
      ...(route.qualityCost ? { qualityCost: route.qualityCost } : {}),
      ...(route.taskTiers ? { taskTiers: route.taskTiers } : {}),
      ...(route.learning ? { learning: route.learning } : {}),
      ...(route.cacheAffinity ? { cacheAffinity: route.cacheAffinity } : {}),
      ...(route.description !== undefined ? { description: route.description } : {}),
    };
  }
  config.models.forEach((model, i) => {
    (model.fallbacks ?? []).forEach((target, j) => {
      if (!isTarget(target)) problems.push(`models.${i}.fallbacks.${j}: unknown route or model "${target}"`);
    });
  });
  // Cycles through fallbacks (route → fallback route/model → its fallbacks …).
  const fallbacksOf = (name: string): readonly string[] =>
    Object.hasOwn(config.routes, name) ? config.routes[name].fallbacks : (modelNamed(name)?.fallbacks ?? []);
  const canonical = (name: string) => (Object.hasOwn(config.routes, name) ? `route:${name}` : `model:${modelNamed(name)?.id ?? name}`);
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const key = canonical(name);
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      problems.push(`${Object.hasOwn(config.routes, path[0]) ? 'routes' : 'models'}.${path[0]}.fallbacks: cycle ${[...path, name].join(' -> ')}`);
      return;
    }
    state.set(key, 'visiting');
    for (const next of fallbacksOf(name)) if (isTarget(next)) visit(next, [...path, name]);
    state.set(key, 'done');
  };
  for (const name of Object.keys(config.routes)) visit(name, []);
  for (const model of config.models) visit(model.id, []);
  return routes;
}
