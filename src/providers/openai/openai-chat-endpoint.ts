import type { ProviderCredentials } from '../credentials.js';
import type { CallContext } from '../provider.js';
import type { OpenAIMaxTokensField } from './convert-to-openai-request.js';
import { ACCEPT_IDENTITY } from '../shared/content-coding.js';

/** The credential kinds a Chat Completions upstream can be called with (`none`: OpenAI-compatible servers only). */
export type OpenAICredentials = Extract<ProviderCredentials, { kind: 'api-key' | 'bearer' | 'none' }>;

/**
 * Where and how one Chat Completions upstream is called: the part that differs between OpenAI,
 * OpenAI-compatible servers and Azure. Translation and stream decoding are shared.
 */
export interface OpenAIChatEndpoint {
  /** Full URL of the chat completions call for one upstream model. */
  url(upstreamModel: string): string;
  /**
   * All headers of one call: forwarded client headers, configured headers, auth, content type. Auth is
   * the configured credentials' unless the call has its own `credentials`.
   */
  requestHeaders(context: CallContext, stream: boolean, credentials?: OpenAICredentials): Record<string, string>;
  /** Token-limit field for non-reasoning models. */
  maxTokensField: OpenAIMaxTokensField;
  /** false when the model is in the URL (Azure deployments) and the body must not carry one. */
  includeModel: boolean;
  /** The credential kinds this upstream takes per call. */
  accepts: ReadonlyArray<OpenAICredentials['kind']>;
}

/** Headers that carry a credential: a call with its own credentials drops these configured ones. */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'api-key', 'x-api-key']);

/**
 * Builds the header function: client forward headers first, then configured headers, then auth and
 * content type, so neither a client nor a config typo can replace the credentials. The configured
 * credentials' headers are built once; a call with its own credentials gets the configured headers
 * without any credential header (`authorization`, `api-key`, `x-api-key`) plus `authOf(credentials)`.
 */
export function headerBuilder(
  configured: Record<string, string> | undefined,
  auth: Record<string, string>,
  authOf: (credentials: OpenAICredentials) => Record<string, string>,
): OpenAIChatEndpoint['requestHeaders'] {
  const configuredHeaders = lowerCaseKeys(configured);
  const fixed = { ...configuredHeaders, ...lowerCaseKeys(auth), 'content-type': 'application/json', 'accept-encoding': ACCEPT_IDENTITY };
  const withoutCredentials: Record<string, string> = {};
  for (const [name, value] of Object.entries(configuredHeaders)) if (!CREDENTIAL_HEADERS.has(name)) withoutCredentials[name] = value;
  // The common call — configured credentials, nothing forwarded — gets one of two prebuilt, frozen objects.
  const fixedStream: Record<string, string> = Object.freeze({ ...fixed, accept: 'text/event-stream' });
  const fixedWhole: Record<string, string> = Object.freeze({ ...fixed, accept: 'application/json' });
  return (context, stream, credentials) => {
    if (credentials === undefined && isEmpty(context.forwardHeaders)) return stream ? fixedStream : fixedWhole;
    return {
      ...lowerCaseKeys(context.forwardHeaders),
      ...(credentials === undefined ? fixed : { ...withoutCredentials, ...authOf(credentials), 'content-type': 'application/json', 'accept-encoding': ACCEPT_IDENTITY }),
      accept: stream ? 'text/event-stream' : 'application/json',
    };
  };
}

/** `Authorization: Bearer …` for an API key or a bearer token, nothing for `none` (OpenAI and compatible servers). */
export function bearerAuth(credentials: OpenAICredentials): Record<string, string> {
  switch (credentials.kind) {
    case 'api-key':
      return { authorization: `Bearer ${credentials.apiKey}` };
    case 'bearer':
      return { authorization: `Bearer ${credentials.token}` };
    case 'none':
      return {};
  }
}

/** Header names are case-insensitive; one spelling per name keeps a later source able to override. */
function isEmpty(headers: Record<string, string> | undefined): boolean {
  if (headers) for (const _ in headers) return false;
  return true;
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers) for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** `https://host/v1/` → `https://host/v1`. */
export function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
