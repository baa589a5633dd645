import { providerSecrets, registerConfigSecrets } from '../config/config-secrets.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { ProviderConfig } from '../config/schema.js';
import { registerSecrets } from '../spec/redact-secrets.js';
import { createAnthropicProvider } from './anthropic/anthropic-provider.js';
import { createBedrockProvider } from './bedrock/bedrock-provider.js';
import { createOpenAICompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import { ConfigCredentialResolver } from './credentials.js';
import { createOpenAIProvider } from './openai/openai-provider.js';
import type { AdapterOptions, ProviderAdapter } from './provider.js';
import { createSimulatedProvider } from './simulated/simulated-provider.js';

/**
 * Builds one adapter per configured provider, keyed by the provider's config name. Every credential
 * of the configuration (provider keys and the gateway's own keys) is registered with the redactor
 * first, so upstream error messages are scrubbed of them whenever providers exist.
 *
 * `options.pool` is the running gateway's connection pool (startGateway passes its own; without one
 * the process-wide default pool is used). `options.credentials` is where calls without their own
 * credentials get theirs; by default a ConfigCredentialResolver over this configuration.
 */
export function createProviders(config: ResolvedConfig, options: AdapterOptions = {}): Map<string, ProviderAdapter> {
  registerConfigSecrets(config);
  const adapterOptions: AdapterOptions = { ...options, credentials: options.credentials ?? new ConfigCredentialResolver(config) };
  const providers = new Map<string, ProviderAdapter>();
  for (const [name, provider] of Object.entries(config.providers)) providers.set(name, createProvider(name, provider, adapterOptions));
  return providers;
}

/** Builds one adapter; its credentials are registered with the redactor. */
export function createProvider(name: string, config: ProviderConfig, options: AdapterOptions = {}): ProviderAdapter {
  registerSecrets(providerSecrets(config));
  switch (config.type) {
    case 'openai':
      return createOpenAIProvider(name, config, options);
    case 'openai-compatible':
      return createOpenAICompatibleProvider(name, config, options);
    case 'anthropic':
      return createAnthropicProvider(name, config, options);
    case 'bedrock':
      return createBedrockProvider(name, config, options);
    case 'simulated':
      return createSimulatedProvider(name, config);
  }
}
