import type { CallTimeouts, ModelTraits } from '../providers/provider.js';
import { ConfigError } from './load-config.js';
import type { Config, ModelConfig, ProviderConfig } from './schema.js';

export interface ResolvedModel {
  readonly id: string;
  readonly provider: string;
  readonly providerType: ProviderConfig['type'];
  readonly upstreamModel: string;
  readonly pricing?: Readonly<NonNullable<ModelConfig['pricing']>>;
  readonly contextWindow?: number;
  readonly maxOutputTokens?: number;
  readonly tier?: string;
  readonly description?: string;
  readonly simulated: boolean;
  readonly traits: Readonly<ModelTraits>;
}

/** The configuration every component reads: validated, cross-checked and frozen. */
export interface ResolvedConfig {
  readonly server: Readonly<Config['server']>;
  readonly auth: Readonly<Config['auth']>;
  readonly storage: Readonly<Config['storage']>;
  readonly timeouts: Readonly<CallTimeouts>;
  readonly providers: Readonly<Record<string, Readonly<ProviderConfig>>>;
  readonly models: readonly ResolvedModel[];
  readonly aliases: Readonly<Record<string, string>>;
  /** Looks a client's model name up by id, then alias. */
  findModel(name: string): ResolvedModel | undefined;
}

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
      const filled = {
        ...provider,
        accessKeyId: provider.accessKeyId ?? env.AWS_ACCESS_KEY_ID,
        secretAccessKey: provider.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY,
        sessionToken: provider.sessionToken ?? env.AWS_SESSION_TOKEN,
        apiKey: provider.apiKey ?? env.AWS_BEARER_TOKEN_BEDROCK,
      };
      if (!filled.apiKey && !(filled.accessKeyId && filled.secretAccessKey)) {
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
      pricing: model.pricing,
      contextWindow: model.contextWindow,
      maxOutputTokens: model.maxOutputTokens,
      tier: model.tier,
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
    };
    models.push(resolved);
    byId.set(model.id, resolved);
  });

  for (const [alias, target] of Object.entries(config.aliases)) {
    if (!byId.has(target)) problems.push(`aliases.${alias}: points at unknown model "${target}"`);
    if (byId.has(alias)) problems.push(`aliases.${alias}: an alias cannot shadow a model id`);
  }
  if (problems.length) throw new ConfigError('configuration is inconsistent', problems);

  const aliases = { ...config.aliases };
  const resolved: ResolvedConfig = {
    server: config.server,
    auth: config.auth,
    storage: config.storage,
    timeouts: config.timeouts,
    providers,
    models,
    aliases,
    findModel(name: string) {
      return byId.get(name) ?? (aliases[name] !== undefined ? byId.get(aliases[name]) : undefined);
    },
  };
  return deepFreeze(resolved);
}
