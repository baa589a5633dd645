import { registerSecrets } from '../spec/redact-secrets.js';
import type { ResolvedConfig } from './resolve-config.js';
import type { ProviderConfig } from './schema.js';

type Environment = Record<string, string | undefined>;

/** Extra-header names whose value is a credential (an Entra ID bearer, a proxy key, a cookie …). */
const SECRET_HEADER = /auth|key|token|secret|cookie|signature|password|credential/i;

/**
 * The credentials one provider holds: its API key (OpenAI, Anthropic, Azure `api-key`, Bedrock
 * bearer), AWS access key id, secret and session token, and the values of credential-bearing extra
 * headers. A Bedrock provider may sign with the standard AWS environment variables instead of
 * configured credentials, so those count too whenever a Bedrock provider exists.
 */
export function providerSecrets(config: ProviderConfig, env: Environment = process.env): string[] {
  const secrets: Array<string | undefined> = [];
  switch (config.type) {
    case 'openai':
    case 'openai-compatible':
    case 'anthropic':
      secrets.push(config.apiKey);
      for (const [name, value] of Object.entries(config.headers ?? {})) {
        if (SECRET_HEADER.test(name)) secrets.push(value, withoutAuthScheme(value));
      }
      break;
    case 'bedrock':
      secrets.push(config.apiKey, config.accessKeyId, config.secretAccessKey, config.sessionToken);
      secrets.push(env.AWS_BEARER_TOKEN_BEDROCK, env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN);
      break;
    case 'simulated':
      break;
  }
  return secrets.filter((secret): secret is string => typeof secret === 'string' && secret !== '');
}

/** Every credential in the configuration: all providers' and the gateway's own (master key, client keys). */
export function configSecrets(config: Pick<ResolvedConfig, 'providers' | 'auth'>, env: Environment = process.env): string[] {
  const secrets: string[] = [];
  for (const provider of Object.values(config.providers)) secrets.push(...providerSecrets(provider, env));
  if (config.auth.masterKey) secrets.push(config.auth.masterKey);
  for (const entry of config.auth.keys) secrets.push(entry.key);
  return secrets;
}

/**
 * Registers every credential of the configuration with the redactor, so no upstream error message
 * can carry one to a client. Idempotent; called by createProviders, and safe to call again at start.
 */
export function registerConfigSecrets(config: Pick<ResolvedConfig, 'providers' | 'auth'>, env: Environment = process.env): void {
  registerSecrets(configSecrets(config, env));
}

/** `Bearer abc` → `abc`: an upstream may echo the token without its scheme. */
function withoutAuthScheme(value: string): string | undefined {
  const match = /^\s*(?:bearer|basic|token)\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
