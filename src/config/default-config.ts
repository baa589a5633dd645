import type { ConfigInput } from './schema.js';

type Env = Record<string, string | undefined>;

/**
 * The embedded configuration `npm start` runs with when no config file is given.
 * Three simulated models (large, medium, small) are always present, labelled as simulated and
 * priced like real models, so a new user can send requests at once. Real providers are added
 * when their standard credentials are in the environment, their models priced by the built-in
 * catalog (metering/price-catalog.ts):
 * OPENAI_API_KEY, ANTHROPIC_API_KEY, and AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 * (or AWS_BEARER_TOKEN_BEDROCK) with AWS_REGION.
 */
export function defaultConfig(env: Env): ConfigInput {
  const config: ConfigInput = {
    server: {
      host: env.HOST ?? '127.0.0.1',
      port: env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : 8080,
    },
    auth: { keys: [] },
    providers: {
      simulated: { type: 'simulated', latencyMs: 20, tokensPerSecond: 200 },
    },
    models: [
      {
        id: 'sim-large',
        provider: 'simulated',
        tier: 'large',
        description: 'Simulated large model (no network), priced like gpt-4.1',
        pricing: { inputPerMTok: 2, outputPerMTok: 8, cacheReadPerMTok: 0.5 },
        contextWindow: 1_047_576,
        capabilities: { tools: true, images: true, json: true, reasoning: true },
      },
      {
        id: 'sim-medium',
        provider: 'simulated',
        tier: 'medium',
        description: 'Simulated medium model (no network), priced like gpt-4.1-mini',
        pricing: { inputPerMTok: 0.4, outputPerMTok: 1.6, cacheReadPerMTok: 0.1 },
        contextWindow: 1_047_576,
        capabilities: { tools: true, images: true, json: true, reasoning: false },
      },
      {
        id: 'sim-small',
        provider: 'simulated',
        tier: 'small',
        description: 'Simulated small model (no network), priced like gpt-4.1-nano',
        pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4, cacheReadPerMTok: 0.025 },
        contextWindow: 1_047_576,
        capabilities: { tools: true, images: false, json: true, reasoning: false },
      },
    ],
    aliases: {},
  };
  if (env.SWITCHYARD_MASTER_KEY) config.auth = { masterKey: env.SWITCHYARD_MASTER_KEY, keys: [] };

  const providers = config.providers;
  const models = config.models;
  let real = false;

  if (env.OPENAI_API_KEY) {
    real = true;
    providers.openai = { type: 'openai', apiKey: env.OPENAI_API_KEY, ...(env.OPENAI_BASE_URL ? { baseUrl: env.OPENAI_BASE_URL } : {}) };
    models.push(
      {
        id: 'gpt-4.1',
        provider: 'openai',
        tier: 'large',
        contextWindow: 1_047_576,
        capabilities: { tools: true, images: true, json: true, reasoning: false, remoteImages: true },
      },
      {
        id: 'gpt-4.1-mini',
        provider: 'openai',
        tier: 'medium',
        contextWindow: 1_047_576,
        capabilities: { tools: true, images: true, json: true, reasoning: false, remoteImages: true },
      },
      {
        id: 'gpt-4o-mini',
        provider: 'openai',
        tier: 'small',
        contextWindow: 128_000,
        capabilities: { tools: true, images: true, json: true, reasoning: false, remoteImages: true },
      },
      {
        id: 'o4-mini',
        provider: 'openai',
        tier: 'reasoning',
        contextWindow: 200_000,
        capabilities: { tools: true, images: true, json: true, reasoning: true, remoteImages: true },
      },
    );
  }

  if (env.ANTHROPIC_API_KEY) {
    real = true;
    providers.anthropic = { type: 'anthropic', apiKey: env.ANTHROPIC_API_KEY, ...(env.ANTHROPIC_BASE_URL ? { baseUrl: env.ANTHROPIC_BASE_URL } : {}) };
    models.push(
      {
        id: 'claude-sonnet-4-5',
        provider: 'anthropic',
        tier: 'large',
        contextWindow: 200_000,
        capabilities: { tools: true, images: true, json: false, reasoning: true, remoteImages: true },
      },
      {
        id: 'claude-haiku-4-5',
        provider: 'anthropic',
        tier: 'small',
        contextWindow: 200_000,
        capabilities: { tools: true, images: true, json: false, reasoning: true, remoteImages: true },
      },
    );
  }

  const awsKeys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  if (awsKeys || env.AWS_BEARER_TOKEN_BEDROCK) {
    real = true;
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
    providers.bedrock = env.AWS_BEARER_TOKEN_BEDROCK
      ? { type: 'bedrock', region, apiKey: env.AWS_BEARER_TOKEN_BEDROCK }
      : {
          type: 'bedrock',
          region,
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        };
    models.push({
      id: 'bedrock-claude-sonnet-4-5',
      provider: 'bedrock',
      upstreamModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      tier: 'large',
      contextWindow: 200_000,
      capabilities: { tools: true, images: true, json: false, reasoning: true, remoteImages: false },
    });
  }

  // Friendly aliases point at real models when there are any, otherwise at the simulated tiers.
  const first = (tier: string, fallback: string) =>
    models.find((m) => m.tier === tier && m.provider !== 'simulated')?.id ?? fallback;
  config.aliases = real
    ? { large: first('large', 'sim-large'), medium: first('medium', 'sim-medium'), small: first('small', 'sim-small') }
    : { large: 'sim-large', medium: 'sim-medium', small: 'sim-small' };
  return config;
}
