import type { OpenAICompatibleProviderConfig } from '../../config/schema.js';
import { headerBuilder, trimTrailingSlash, type OpenAIChatEndpoint } from '../openai/openai-chat-endpoint.js';

/**
 * Azure OpenAI: POST {baseUrl}/openai/deployments/{deployment}/chat/completions?api-version=…
 * with an `api-key` header. The deployment (the catalog's upstreamModel) is in the URL, so the body
 * carries no `model`. Without apiKey, auth comes from configured headers (e.g. an Entra ID bearer).
 */
export function azureOpenAIEndpoint(config: OpenAICompatibleProviderConfig, apiVersion: string): OpenAIChatEndpoint {
  const base = trimTrailingSlash(config.baseUrl);
  const query = `api-version=${encodeURIComponent(apiVersion)}`;
  return {
    url: (deployment) => `${base}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?${query}`,
    requestHeaders: headerBuilder(config.headers, config.apiKey ? { 'api-key': config.apiKey } : {}),
    maxTokensField: config.maxTokensField ?? 'max_tokens',
    includeModel: false,
  };
}
