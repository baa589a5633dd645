import { ConfigError } from '../../config/load-config.js';
import type { BedrockProviderConfig } from '../../config/schema.js';
import type { BedrockAuth } from './bedrock-sign-request.js';

export type Environment = Record<string, string | undefined>;

/**
 * Chooses how to authorize requests of one Bedrock provider, once at start:
 * 1. `apiKey` in the config: a Bedrock API key, sent as `Authorization: Bearer …`;
 * 2. `accessKeyId` + `secretAccessKey` (+ `sessionToken`) in the config: SigV4;
 * 3. otherwise the standard environment: `AWS_BEARER_TOKEN_BEDROCK`, then
 *    `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`).
 * Anything else (half a key pair, nothing at all) is a ConfigError naming the provider.
 */
export function resolveBedrockAuth(name: string, config: BedrockProviderConfig, env: Environment = process.env): BedrockAuth {
  if (config.apiKey) return { type: 'bearer', apiKey: config.apiKey };
  if (config.accessKeyId || config.secretAccessKey) {
    if (!config.accessKeyId || !config.secretAccessKey) {
      throw new ConfigError(`Bedrock provider '${name}': set both accessKeyId and secretAccessKey (or apiKey).`);
    }
    return sigv4(config.region, config.accessKeyId, config.secretAccessKey, config.sessionToken);
  }
  if (env.AWS_BEARER_TOKEN_BEDROCK) return { type: 'bearer', apiKey: env.AWS_BEARER_TOKEN_BEDROCK };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return sigv4(config.region, env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN || undefined);
  }
  throw new ConfigError(
    `Bedrock provider '${name}' has no credentials: set apiKey, or accessKeyId and secretAccessKey, ` +
      'or the environment variables AWS_BEARER_TOKEN_BEDROCK or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
  );
}

function sigv4(region: string, accessKeyId: string, secretAccessKey: string, sessionToken: string | undefined): BedrockAuth {
  return { type: 'sigv4', region, credentials: sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey } };
}
