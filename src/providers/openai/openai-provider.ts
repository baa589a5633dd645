import type { OpenAIProviderConfig } from '../../config/schema.js';
import type { AdapterOptions, ProviderAdapter } from '../provider.js';
import { createOpenAIChatAdapter } from './openai-chat-adapter.js';
import { bearerAuth, headerBuilder, trimTrailingSlash } from './openai-chat-endpoint.js';

/**
 * The `openai` provider: POST {baseUrl}/chat/completions with a bearer key (the configured one, or
 * the call's own), plus OpenAI-Organization / OpenAI-Project when configured.
 */
export function createOpenAIProvider(name: string, config: OpenAIProviderConfig, options: AdapterOptions = {}): ProviderAdapter {
  const organization: Record<string, string> = {};
  if (config.organization) organization['openai-organization'] = config.organization;
  if (config.project) organization['openai-project'] = config.project;
  const auth = { authorization: `Bearer ${config.apiKey}`, ...organization };
  const url = `${trimTrailingSlash(config.baseUrl)}/chat/completions`;
  return createOpenAIChatAdapter(
    {
      name,
      type: 'openai',
      config,
      endpoint: {
        url: () => url,
        requestHeaders: headerBuilder(config.headers, auth, (credentials) => ({ ...bearerAuth(credentials), ...organization })),
        maxTokensField: 'max_tokens',
        includeModel: true,
        accepts: ['api-key', 'bearer'],
      },
    },
    options,
  );
}
