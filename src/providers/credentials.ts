import { ConfigError } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { ProviderConfig } from '../config/schema.js';
import { GatewayError } from '../spec/errors.js';
import { isPermanentlyRedacted, registerCallSecret } from '../spec/redact-secrets.js';
import { configuredBedrockCredentials, type Environment } from './bedrock/resolve-bedrock-auth.js';
import type { CallContext } from './provider.js';

/**
 * What an upstream call authenticates with. The adapter decides how each kind goes on the wire:
 *
 * | kind      | openai, openai-compatible         | Azure OpenAI                      | anthropic                         | bedrock                            |
 * |-----------|-----------------------------------|-----------------------------------|-----------------------------------|------------------------------------|
 * | `api-key` | `Authorization: Bearer <apiKey>`  | `api-key: <apiKey>`               | `x-api-key: <apiKey>`             | `Authorization: Bearer` (API key)  |
 * | `bearer`  | `Authorization: Bearer <token>`   | `Authorization: Bearer` (Entra)   | `Authorization: Bearer <token>`   | `Authorization: Bearer <token>`    |
 * | `aws`     | refused                           | refused                           | refused                           | SigV4 in the provider's region     |
 * | `none`    | no auth header (compatible only)  | no auth header                    | refused                           | refused                            |
 *
 * Everything else about a provider (base URL, OpenAI organization/project, anthropic-version, betas,
 * the Bedrock region, extra headers) stays configuration.
 */
export type ProviderCredentials = ApiKeyCredentials | BearerCredentials | AwsKeyCredentials | NoCredentials;

export interface ApiKeyCredentials {
  readonly kind: 'api-key';
  readonly apiKey: string;
}

export interface BearerCredentials {
  readonly kind: 'bearer';
  readonly token: string;
}

export interface AwsKeyCredentials {
  readonly kind: 'aws';
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface NoCredentials {
  readonly kind: 'none';
}

export type CredentialKind = ProviderCredentials['kind'];

/**
 * Where the credentials of a call come from when the call brings none (`CallContext.credentials`).
 * Asked once per upstream call (every attempt, retry and hedge); may answer asynchronously (a vault,
 * a token exchange). Should return the same object for the same credentials: adapters recognise the
 * configured ones by identity after the first call, which keeps that path free of work.
 */
export interface CredentialResolver {
  resolve(provider: string, context: CallContext): ProviderCredentials | Promise<ProviderCredentials>;
}

export const NO_CREDENTIALS: NoCredentials = Object.freeze({ kind: 'none' });

/**
 * The credentials a provider's configuration holds, with the precedence used so far: the API key
 * (OpenAI, Anthropic, OpenAI-compatible when set); for Bedrock, chooseBedrockCredentials (configured
 * API key, configured AWS keys, AWS_BEARER_TOKEN_BEDROCK, AWS_ACCESS_KEY_ID/SECRET). A Bedrock provider
 * without usable credentials is a ConfigError. Returns a frozen object.
 */
export function configuredCredentials(name: string, config: ProviderConfig, env: Environment = process.env): ProviderCredentials {
  switch (config.type) {
    case 'openai':
    case 'anthropic':
      return Object.freeze({ kind: 'api-key', apiKey: config.apiKey });
    case 'openai-compatible':
      return config.apiKey ? Object.freeze({ kind: 'api-key', apiKey: config.apiKey }) : NO_CREDENTIALS;
    case 'bedrock':
      return configuredBedrockCredentials(name, config, env);
    case 'simulated':
      return NO_CREDENTIALS;
  }
}

/**
 * The default resolver: every provider's configured credentials, computed once (a Bedrock provider
 * without credentials fails here, at start, with a ConfigError). `resolve` returns the same frozen
 * object on every call.
 */
export class ConfigCredentialResolver implements CredentialResolver {
  private readonly byProvider = new Map<string, ProviderCredentials>();

  constructor(config: Pick<ResolvedConfig, 'providers'>, env: Environment = process.env) {
    for (const [name, provider] of Object.entries(config.providers)) this.byProvider.set(name, configuredCredentials(name, provider, env));
  }

  resolve(provider: string): ProviderCredentials {
    const credentials = this.byProvider.get(provider);
    if (!credentials) throw credentialsUnavailable(provider, `no credentials are configured for provider ${provider}`);
    return credentials;
  }
}

/** Every secret string in a set of credentials (what the redactor must know). */
export function credentialSecrets(credentials: ProviderCredentials): string[] {
  switch (credentials.kind) {
    case 'api-key':
      return [credentials.apiKey];
    case 'bearer':
      return [credentials.token];
    case 'aws':
      return credentials.sessionToken ? [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken] : [credentials.accessKeyId, credentials.secretAccessKey];
    case 'none':
      return [];
  }
}

/** Whether two sets of credentials are the same (field by field). */
export function sameCredentials(a: ProviderCredentials, b: ProviderCredentials): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'api-key':
      return b.kind === 'api-key' && a.apiKey === b.apiKey;
    case 'bearer':
      return b.kind === 'bearer' && a.token === b.token;
    case 'aws':
      return b.kind === 'aws' && a.accessKeyId === b.accessKeyId && a.secretAccessKey === b.secretAccessKey && a.sessionToken === b.sessionToken;
    case 'none':
      return b.kind === 'none';
  }
}

/** Options every adapter that calls an upstream takes besides its configuration. */
export interface CredentialOptions {
  /** Where a call's credentials come from when it brings none; default: the provider's configuration. */
  credentials?: CredentialResolver;
}

/**
 * One adapter's view of call credentials. `of(context)` answers, for one call:
 * - `undefined`: use the configured credentials (what the adapter built from its configuration once:
 *   headers, a SigV4 signer). That is the answer whenever the call's credentials are the configured
 *   ones, whoever supplied them; after the first call the check is one identity comparison.
 * - otherwise the call's own credentials, checked (a kind this provider takes, no empty secret) and
 *   their secrets registered with the redactor (on every use, which keeps them among the recently used
 *   ones of its bounded registry), for the adapter to build this call's auth from.
 * A resolver that throws or rejects becomes a GatewayError (SWY_ERR_CREDENTIALS_UNAVAILABLE) naming the provider.
 */
export class CallCredentials<K extends CredentialKind> {
  /** The last credentials found equal to the configured ones (a resolver's copy of them). */
  private configuredAlias: ProviderCredentials | undefined;
  /** The last call credentials whose secrets all turned out permanently redacted (no registration needed). */
  private permanent: ProviderCredentials | undefined;

  constructor(
    readonly provider: string,
    readonly type: string,
    /** The configured credentials; undefined when the configuration has none and a resolver supplies them. */
    readonly configured: ProviderCredentials | undefined,
    private readonly accepts: readonly K[],
    private readonly resolver?: CredentialResolver,
  ) {}

  /**
   * Builds the source of one adapter: the configured credentials of `config`, which must exist unless a
   * resolver is given (then a configuration without credentials is fine: the resolver supplies them).
   */
  static forProvider<K extends CredentialKind>(name: string, config: ProviderConfig, accepts: readonly K[], options: CredentialOptions = {}, env?: Environment): CallCredentials<K> {
    let configured: ProviderCredentials | undefined;
    try {
      configured = configuredCredentials(name, config, env);
    } catch (error) {
      if (!options.credentials || !(error instanceof ConfigError)) throw error;
    }
    return new CallCredentials(name, config.type, configured, accepts, options.credentials);
  }

  /** This call's credentials, or undefined for the configured ones; a Promise only when an async resolver answers. */
  of(context: CallContext): Extract<ProviderCredentials, { kind: K }> | undefined | Promise<Extract<ProviderCredentials, { kind: K }> | undefined> {
    if (context.credentials !== undefined) return this.check(context.credentials);
    if (this.resolver === undefined) return this.configuredOrMissing();
    let supplied: ProviderCredentials | Promise<ProviderCredentials>;
    try {
      supplied = this.resolver.resolve(this.provider, context);
    } catch (error) {
      throw this.unavailable(error);
    }
    if (isCredentials(supplied)) return this.check(supplied);
    if (!isThenable(supplied)) throw this.notCredentials();
    return Promise.resolve(supplied).then(
      (resolved) => {
        if (!isCredentials(resolved)) throw this.notCredentials();
        return this.check(resolved);
      },
      (error: unknown) => {
        throw this.unavailable(error);
      },
    );
  }

  private check(credentials: ProviderCredentials): Extract<ProviderCredentials, { kind: K }> | undefined {
    if (credentials === this.configured || credentials === this.configuredAlias) return undefined;
    if (credentials === this.permanent) return credentials as Extract<ProviderCredentials, { kind: K }>;
    if (this.configured !== undefined && sameCredentials(credentials, this.configured)) {
      this.configuredAlias = credentials;
      return undefined;
    }
    if (!(this.accepts as readonly CredentialKind[]).includes(credentials.kind)) throw unsupportedCredentials(this.provider, this.type, credentials.kind);
    const secrets = credentialSecrets(credentials);
    let permanent = true;
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.trim() === '') throw unsupportedCredentials(this.provider, this.type, credentials.kind, 'an empty secret');
      if (!isPermanentlyRedacted(secret)) {
        permanent = false;
        registerCallSecret(secret);
      }
    }
    if (permanent) this.permanent = credentials;
    return credentials as Extract<ProviderCredentials, { kind: K }>;
  }

  private configuredOrMissing(): undefined {
    if (this.configured === undefined) throw credentialsUnavailable(this.provider, `provider ${this.provider} has no configured credentials and the call brought none`);
    return undefined;
  }

  private notCredentials(): GatewayError {
    return credentialsUnavailable(this.provider, `the credential resolver answered something that is not credentials for provider ${this.provider}`);
  }

  private unavailable(error: unknown): GatewayError {
    if (GatewayError.is(error)) return error;
    return credentialsUnavailable(this.provider, `the credentials of provider ${this.provider} could not be resolved`, error);
  }
}

function isCredentials(value: unknown): value is ProviderCredentials {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'api-key' || kind === 'bearer' || kind === 'aws' || kind === 'none';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** A call whose credentials could not be had (resolver failure, nothing configured): the gateway's fault, never retried on the same provider. */
export function credentialsUnavailable(provider: string, detail: string, cause?: unknown): GatewayError {
  return new GatewayError({
    code: 'SWY_ERR_CREDENTIALS_UNAVAILABLE',
    kind: 'internal',
    origin: 'gateway',
    message: `Upstream call not made: ${detail}.`,
    retryable: false,
    provider,
    cause,
  });
}

/** Credentials of a kind this provider cannot send (AWS keys for OpenAI …), or with an empty secret. */
export function unsupportedCredentials(provider: string, type: string, kind: string, what = `${kind} credentials`): GatewayError {
  return new GatewayError({
    code: 'SWY_ERR_CREDENTIALS_UNSUPPORTED',
    kind: 'internal',
    origin: 'gateway',
    message: `Upstream call not made: provider ${provider} (${type}) cannot authenticate with ${what}.`,
    retryable: false,
    provider,
  });
}
