import type { OpenAICompatibleProviderConfig } from '../../config/schema.js';
import { headerBuilder, trimTrailingSlash, type OpenAIChatEndpoint, type OpenAICredentials } from '../openai/openai-chat-endpoint.js';

/**
 * Azure OpenAI: POST {baseUrl}/openai/deployments/{deployment}/chat/completions?api-version=…
 * with an `api-key` header. The deployment (the catalog's upstreamModel) is in the URL, so the body
 * carries no `model`. Without apiKey, auth comes from configured headers (e.g. an Entra ID bearer).
 * A call's own credentials: an API key goes in `api-key`, a bearer token (Entra ID) in `Authorization`.
 */
export function azureOpenAIEndpoint(config: OpenAICompatibleProviderConfig, apiVersion: string): OpenAIChatEndpoint {
  const base = trimTrailingSlash(config.baseUrl);
  const query = `api-version=${encodeURIComponent(apiVersion)}`;
  return {
    url: (deployment) => `${base}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?${query}`,
    requestHeaders: headerBuilder(config.headers, config.apiKey ? { 'api-key': config.apiKey } : {}, azureAuth),
    maxTokensField: config.maxTokensField ?? 'max_tokens',
    includeModel: false,
    accepts: ['api-key', 'bearer', 'none'],
  };
}

function azureAuth(credentials: OpenAICredentials): Record<string, string> {
  switch (credentials.kind) {
    case 'api-key':
      return { 'api-key': credentials.apiKey };
    case 'bearer':
      return { authorization: `Bearer ${credentials.token}` };
    case 'none':
      return {};
  }
}
