import type { AnthropicProviderConfig } from '../../config/schema.js';
import type { ProviderCredentials } from '../credentials.js';
import { ACCEPT_IDENTITY } from '../shared/content-coding.js';

/** What an Anthropic call can authenticate with: an API key (`x-api-key`) or a bearer token (`Authorization`). */
export type AnthropicCredentials = Extract<ProviderCredentials, { kind: 'api-key' | 'bearer' }>;

/** Headers that carry a credential: a call with its own credentials drops these configured ones. */
const CREDENTIAL_HEADERS = ['authorization', 'api-key', 'x-api-key'] as const;

export interface AnthropicHeaderOptions {
  /** Client headers of the same family (anthropic-beta, and in passthrough anthropic-version). */
  forwardHeaders?: Record<string, string>;
  /** Passthrough: use the client's anthropic-version when it sent one. */
  preferClientVersion?: boolean;
  /** The call's own credentials, used instead of the configured key (and of any credential among the configured headers). */
  credentials?: AnthropicCredentials;
}

/**
 * Request headers for the Messages API: the operator's extra headers, then auth (the configured key,
 * or the call's own credentials, which replace every credential header of the configuration), the
 * always-sent `anthropic-version`, JSON content type, `accept-encoding: identity`, and `anthropic-beta` as the ordered,
 * de-duplicated union of the configured betas, any beta in the operator's headers and the client's
 * forwarded betas.
 */
export function buildAnthropicHeaders(config: AnthropicProviderConfig, options: AnthropicHeaderOptions = {}): Record<string, string> {
  const extra = lowerCaseKeys(config.headers ?? {});
  const forwarded = lowerCaseKeys(options.forwardHeaders ?? {});
  const headers: Record<string, string> = { ...extra };
  const credentials = options.credentials;
  if (credentials === undefined) {
    headers['x-api-key'] = config.apiKey;
  } else {
    for (const name of CREDENTIAL_HEADERS) delete headers[name];
    if (credentials.kind === 'api-key') headers['x-api-key'] = credentials.apiKey;
    else headers.authorization = `Bearer ${credentials.token}`;
  }
  headers['anthropic-version'] =
    (options.preferClientVersion ? forwarded['anthropic-version'] : undefined) ?? extra['anthropic-version'] ?? config.version;
  headers['content-type'] = 'application/json';
  headers['accept-encoding'] = ACCEPT_IDENTITY;
  const betas = mergeBetas([...(config.betas ?? []), extra['anthropic-beta'], forwarded['anthropic-beta']]);
  if (betas.length > 0) headers['anthropic-beta'] = betas.join(',');
  else delete headers['anthropic-beta'];
  return headers;
}

/** Splits comma-separated beta lists, trims, drops empties and keeps the first occurrence of each. */
export function mergeBetas(lists: ReadonlyArray<string | undefined>): string[] {
  const seen = new Set<string>();
  for (const list of lists) {
    if (!list) continue;
    for (const beta of list.split(',')) {
      const trimmed = beta.trim();
      if (trimmed) seen.add(trimmed);
    }
  }
  return [...seen];
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = value;
  return out;
}
