import type { ResolvedConfig } from '../config/resolve-config.js';
import type { ProviderConfig } from '../config/schema.js';
import { createAnthropicProvider } from './anthropic/anthropic-provider.js';
import { createBedrockProvider } from './bedrock/bedrock-provider.js';
import { createOpenAICompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import { createOpenAIProvider } from './openai/openai-provider.js';
import type { ProviderAdapter } from './provider.js';
import { createSimulatedProvider } from './simulated/simulated-provider.js';

/** Builds one adapter per configured provider, keyed by the provider's config name. */
export function createProviders(config: ResolvedConfig): Map<string, ProviderAdapter> {
  const providers = new Map<string, ProviderAdapter>();
  for (const [name, provider] of Object.entries(config.providers)) providers.set(name, createProvider(name, provider));
  return providers;
}

export function createProvider(name: string, config: ProviderConfig): ProviderAdapter {
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
