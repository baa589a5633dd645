import type { CallContext } from '../provider.js';
import type { OpenAIMaxTokensField } from './convert-to-openai-request.js';

/**
 * Where and how one Chat Completions upstream is called: the part that differs between OpenAI,
 * OpenAI-compatible servers and Azure. Translation and stream decoding are shared.
 */
export interface OpenAIChatEndpoint {
  /** Full URL of the chat completions call for one upstream model. */
  url(upstreamModel: string): string;
  /** All headers of one call: forwarded client headers, configured headers, auth, content type. */
  requestHeaders(context: CallContext, stream: boolean): Record<string, string>;
  /** Token-limit field for non-reasoning models. */
  maxTokensField: OpenAIMaxTokensField;
  /** false when the model is in the URL (Azure deployments) and the body must not carry one. */
  includeModel: boolean;
}

/**
 * Builds the header function: client forward headers first, then configured headers, then auth and
 * content type, so neither a client nor a config typo can replace the credentials.
 */
export function headerBuilder(configured: Record<string, string> | undefined, auth: Record<string, string>): OpenAIChatEndpoint['requestHeaders'] {
  const fixed = { ...lowerCaseKeys(configured), ...lowerCaseKeys(auth), 'content-type': 'application/json' };
  return (context, stream) => ({
    ...lowerCaseKeys(context.forwardHeaders),
    ...fixed,
    accept: stream ? 'text/event-stream' : 'application/json',
  });
}

/** Header names are case-insensitive; one spelling per name keeps a later source able to override. */
function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers) for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** `https://host/v1/` → `https://host/v1`. */
export function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
