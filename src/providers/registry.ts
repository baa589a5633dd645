import { providerSecrets, registerConfigSecrets } from '../config/config-secrets.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { ProviderConfig } from '../config/schema.js';
import { registerSecrets } from '../spec/redact-secrets.js';
import { createAnthropicProvider } from './anthropic/anthropic-provider.js';
import { createBedrockProvider } from './bedrock/bedrock-provider.js';
import { createOpenAICompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import { createOpenAIProvider } from './openai/openai-provider.js';
import type { ProviderAdapter } from './provider.js';
import { createSimulatedProvider } from './simulated/simulated-provider.js';

/**
 * Builds one adapter per configured provider, keyed by the provider's config name. Every credential
 * of the configuration (provider keys and the gateway's own keys) is registered with the redactor
 * first, so upstream error messages are scrubbed of them whenever providers exist.
 */
export function createProviders(config: ResolvedConfig): Map<string, ProviderAdapter> {
  registerConfigSecrets(config);
  const providers = new Map<string, ProviderAdapter>();
  for (const [name, provider] of Object.entries(config.providers)) providers.set(name, createProvider(name, provider));
  return providers;
}

/** Builds one adapter; its credentials are registered with the redactor. */
export function createProvider(name: string, config: ProviderConfig): ProviderAdapter {
  registerSecrets(providerSecrets(config));
  switch (config.type) {
    case 'openai':
      return createOpenAIProvider(name, config);
    case 'openai-compatible':
      return createOpenAICompatibleProvider(name, config);
    case 'anthropic':
      return createAnthropicProvider(name, config);
    case 'bedrock':
      return createBedrockProvider(name, config);
    case 'simulated':
      return createSimulatedProvider(name, config);
  }
}
