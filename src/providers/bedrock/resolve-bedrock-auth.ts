import { ConfigError } from '../../config/load-config.js';
import type { BedrockProviderConfig } from '../../config/schema.js';
import type { ProviderCredentials } from '../credentials.js';
import type { BedrockAuth } from './bedrock-sign-request.js';

export type Environment = Record<string, string | undefined>;

/** What a Bedrock configuration can hold: a Bedrock API key or AWS keys. */
export type ConfiguredBedrockCredentials = Extract<ProviderCredentials, { kind: 'api-key' | 'aws' }>;

export type BedrockCredentials = Pick<BedrockProviderConfig, 'apiKey' | 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>;

/**
 * The credentials one Bedrock provider uses, from the first source that has any. Configured
 * credentials always win over ambient ones, and sources are never mixed (an environment session
 * token is not paired with configured keys):
 * 1. `apiKey` in the config: a Bedrock API key, sent as `Authorization: Bearer …`;
 * 2. `accessKeyId` / `secretAccessKey` (+ `sessionToken`) in the config: SigV4;
 * 3. `AWS_BEARER_TOKEN_BEDROCK` in the environment;
 * 4. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`) in the environment.
 * Empty strings count as unset (`${VAR:-}` in a config file). Returns {} when no source has any.
 * Both resolveConfig (which stores the choice) and resolveBedrockAuth use this order.
 */
export function chooseBedrockCredentials(config: BedrockCredentials, env: Environment): BedrockCredentials {
  if (config.apiKey) return { apiKey: config.apiKey };
  if (config.accessKeyId || config.secretAccessKey) {
    return {
      ...(config.accessKeyId ? { accessKeyId: config.accessKeyId } : {}),
      ...(config.secretAccessKey ? { secretAccessKey: config.secretAccessKey } : {}),
      ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
    };
  }
  if (env.AWS_BEARER_TOKEN_BEDROCK) return { apiKey: env.AWS_BEARER_TOKEN_BEDROCK };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return {};
}

/**
 * The configured credentials of one Bedrock provider, in the order of chooseBedrockCredentials: a
 * Bedrock API key (`api-key`, sent as a bearer token) or AWS keys (`aws`, SigV4). Anything else
 * (half a key pair, nothing at all) is a ConfigError naming the provider.
 */
export function configuredBedrockCredentials(name: string, config: BedrockProviderConfig, env: Environment = process.env): ConfiguredBedrockCredentials {
  const chosen = chooseBedrockCredentials(config, env);
  if (chosen.apiKey) return Object.freeze({ kind: 'api-key', apiKey: chosen.apiKey });
  if (chosen.accessKeyId || chosen.secretAccessKey) {
    if (!chosen.accessKeyId || !chosen.secretAccessKey) {
      throw new ConfigError(`Bedrock provider '${name}': set both accessKeyId and secretAccessKey (or apiKey).`);
    }
    const { accessKeyId, secretAccessKey, sessionToken } = chosen;
    return Object.freeze(sessionToken ? { kind: 'aws', accessKeyId, secretAccessKey, sessionToken } : { kind: 'aws', accessKeyId, secretAccessKey });
  }
  throw new ConfigError(
    `Bedrock provider '${name}' has no credentials: set apiKey, or accessKeyId and secretAccessKey, ` +
      'or the environment variables AWS_BEARER_TOKEN_BEDROCK or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
  );
}

/**
 * How to authorize requests of one Bedrock provider with its configured credentials (see
 * configuredBedrockCredentials, whose ConfigError it throws).
 */
export function resolveBedrockAuth(name: string, config: BedrockProviderConfig, env: Environment = process.env): BedrockAuth {
  const credentials = configuredBedrockCredentials(name, config, env);
  if (credentials.kind === 'api-key') return { type: 'bearer', apiKey: credentials.apiKey };
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return { type: 'sigv4', region: config.region, credentials: sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey } };
}
