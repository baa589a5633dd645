import type { OpenAICompatibleProviderConfig } from '../../config/schema.js';
import { createOpenAIChatAdapter } from '../openai/openai-chat-adapter.js';
import { bearerAuth, headerBuilder, trimTrailingSlash, type OpenAIChatEndpoint } from '../openai/openai-chat-endpoint.js';
import type { AdapterOptions, ProviderAdapter } from '../provider.js';
import { azureOpenAIEndpoint } from './azure-openai-endpoint.js';

/**
 * The `openai-compatible` provider: any server speaking Chat Completions (vLLM, Ollama, a house
 * model, gateways) at {baseUrl}/chat/completions, with a bearer key only when one is configured (or
 * the call brings one); or Azure OpenAI when `azure` is set. Translation, streaming and passthrough are the OpenAI ones.
 */
export function createOpenAICompatibleProvider(name: string, config: OpenAICompatibleProviderConfig, options: AdapterOptions = {}): ProviderAdapter {
  const adapter = createOpenAIChatAdapter({ name, type: 'openai-compatible', config, endpoint: compatibleEndpoint(config) }, options);
  if (!config.azure) return adapter;
  // Azure's streams deviate from the OpenAI schema (a first chunk with object "" and no choices,
  // content-filter annotations): its responses are translated, not passed through byte for byte, so
  // OpenAI clients get spec-valid chunks.
  return { name: adapter.name, type: adapter.type, chat: adapter.chat.bind(adapter), chatStream: adapter.chatStream.bind(adapter), close: adapter.close?.bind(adapter) };
}

function compatibleEndpoint(config: OpenAICompatibleProviderConfig): OpenAIChatEndpoint {
  if (config.azure) return azureOpenAIEndpoint(config, config.azure.apiVersion);
  const url = `${trimTrailingSlash(config.baseUrl)}/chat/completions`;
  const auth: Record<string, string> = config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
  return {
    url: () => url,
    requestHeaders: headerBuilder(config.headers, auth, bearerAuth),
    maxTokensField: config.maxTokensField ?? 'max_tokens',
    includeModel: true,
    accepts: ['api-key', 'bearer', 'none'],
  };
}
