import type { OpenAICompatibleProviderConfig } from '../../config/schema.js';
import { createOpenAIChatAdapter } from '../openai/openai-chat-adapter.js';
import { headerBuilder, trimTrailingSlash, type OpenAIChatEndpoint } from '../openai/openai-chat-endpoint.js';
import type { ProviderAdapter } from '../provider.js';
import { azureOpenAIEndpoint } from './azure-openai-endpoint.js';

/**
 * The `openai-compatible` provider: any server speaking Chat Completions (vLLM, Ollama, a house
 * model, gateways) at {baseUrl}/chat/completions, with a bearer key only when one is configured;
 * or Azure OpenAI when `azure` is set. Translation, streaming and passthrough are the OpenAI ones.
 */
export function createOpenAICompatibleProvider(name: string, config: OpenAICompatibleProviderConfig): ProviderAdapter {
  return createOpenAIChatAdapter({ name, type: 'openai-compatible', endpoint: compatibleEndpoint(config) });
}

function compatibleEndpoint(config: OpenAICompatibleProviderConfig): OpenAIChatEndpoint {
  if (config.azure) return azureOpenAIEndpoint(config, config.azure.apiVersion);
  const url = `${trimTrailingSlash(config.baseUrl)}/chat/completions`;
  const auth: Record<string, string> = config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
  return {
    url: () => url,
    requestHeaders: headerBuilder(config.headers, auth),
    maxTokensField: config.maxTokensField ?? 'max_tokens',
    includeModel: true,
  };
}
