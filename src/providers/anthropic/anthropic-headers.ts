import type { AnthropicProviderConfig } from '../../config/schema.js';

export interface AnthropicHeaderOptions {
  /** Client headers of the same family (anthropic-beta, and in passthrough anthropic-version). */
  forwardHeaders?: Record<string, string>;
  /** Passthrough: use the client's anthropic-version when it sent one. */
  preferClientVersion?: boolean;
}

/**
 * Request headers for the Messages API: the operator's extra headers, then auth, the always-sent
 * `anthropic-version`, JSON content type, and `anthropic-beta` as the ordered, de-duplicated union of
 * the configured betas, any beta in the operator's headers and the client's forwarded betas.
 */
export function buildAnthropicHeaders(config: AnthropicProviderConfig, options: AnthropicHeaderOptions = {}): Record<string, string> {
  const extra = lowerCaseKeys(config.headers ?? {});
  const forwarded = lowerCaseKeys(options.forwardHeaders ?? {});
  const headers: Record<string, string> = { ...extra };
  headers['x-api-key'] = config.apiKey;
  headers['anthropic-version'] =
    (options.preferClientVersion ? forwarded['anthropic-version'] : undefined) ?? extra['anthropic-version'] ?? config.version;
  headers['content-type'] = 'application/json';
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
