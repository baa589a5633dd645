import type { OpenAIProviderConfig } from '../../config/schema.js';
import type { ProviderAdapter } from '../provider.js';
import { createOpenAIChatAdapter } from './openai-chat-adapter.js';
import { headerBuilder, trimTrailingSlash } from './openai-chat-endpoint.js';

/**
 * The `openai` provider: POST {baseUrl}/chat/completions with a bearer key, plus
 * OpenAI-Organization / OpenAI-Project when configured.
 */
export function createOpenAIProvider(name: string, config: OpenAIProviderConfig): ProviderAdapter {
  const auth: Record<string, string> = { authorization: `Bearer ${config.apiKey}` };
  if (config.organization) auth['openai-organization'] = config.organization;
  if (config.project) auth['openai-project'] = config.project;
  const url = `${trimTrailingSlash(config.baseUrl)}/chat/completions`;
  return createOpenAIChatAdapter({
    name,
    type: 'openai',
    endpoint: {
      url: () => url,
      requestHeaders: headerBuilder(config.headers, auth),
      maxTokensField: 'max_tokens',
      includeModel: true,
    },
  });
}
