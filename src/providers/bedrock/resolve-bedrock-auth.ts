import { ConfigError } from '../../config/load-config.js';
import type { BedrockProviderConfig } from '../../config/schema.js';
import type { BedrockAuth } from './bedrock-sign-request.js';

export type Environment = Record<string, string | undefined>;

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
 * Chooses how to authorize requests of one Bedrock provider, once at start, in the order of
 * chooseBedrockCredentials. Anything else (half a key pair, nothing at all) is a ConfigError naming
 * the provider.
 */
export function resolveBedrockAuth(name: string, config: BedrockProviderConfig, env: Environment = process.env): BedrockAuth {
  const chosen = chooseBedrockCredentials(config, env);
  if (chosen.apiKey) return { type: 'bearer', apiKey: chosen.apiKey };
  if (chosen.accessKeyId || chosen.secretAccessKey) {
    if (!chosen.accessKeyId || !chosen.secretAccessKey) {
      throw new ConfigError(`Bedrock provider '${name}': set both accessKeyId and secretAccessKey (or apiKey).`);
    }
    return sigv4(config.region, chosen.accessKeyId, chosen.secretAccessKey, chosen.sessionToken);
  }
  throw new ConfigError(
    `Bedrock provider '${name}' has no credentials: set apiKey, or accessKeyId and secretAccessKey, ` +
      'or the environment variables AWS_BEARER_TOKEN_BEDROCK or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
  );
}

function sigv4(region: string, accessKeyId: string, secretAccessKey: string, sessionToken: string | undefined): BedrockAuth {
  return { type: 'sigv4', region, credentials: sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey } };
}
