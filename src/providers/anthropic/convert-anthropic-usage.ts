import type { Usage } from '../../spec/index.js';
import type { AnthropicUsageFields } from './anthropic-api-types.js';
import { isRecord, numberField, recordField } from './anthropic-narrowing.js';

/**
 * Reads the usage fields of an Anthropic `usage` object (Message, message_start or message_delta).
 * Missing and null fields are left out, so a later partial object only overrides what it carries.
 */
export function readAnthropicUsageFields(raw: unknown): AnthropicUsageFields {
  if (!isRecord(raw)) return {};
  const fields: AnthropicUsageFields = {};
  const input = numberField(raw, 'input_tokens');
  const cacheCreation = numberField(raw, 'cache_creation_input_tokens');
  const cacheRead = numberField(raw, 'cache_read_input_tokens');
  const output = numberField(raw, 'output_tokens');
  const byTtl = recordField(raw, 'cache_creation');
  const fiveMinutes = byTtl ? numberField(byTtl, 'ephemeral_5m_input_tokens') : undefined;
  const oneHour = byTtl ? numberField(byTtl, 'ephemeral_1h_input_tokens') : undefined;
  const details = recordField(raw, 'output_tokens_details');
  const thinking = details ? numberField(details, 'thinking_tokens') : undefined;
  if (input !== undefined) fields.input_tokens = input;
  if (cacheCreation !== undefined) fields.cache_creation_input_tokens = cacheCreation;
  if (cacheRead !== undefined) fields.cache_read_input_tokens = cacheRead;
  if (fiveMinutes !== undefined) fields.cache_creation_5m_input_tokens = fiveMinutes;
  if (oneHour !== undefined) fields.cache_creation_1h_input_tokens = oneHour;
  if (output !== undefined) fields.output_tokens = output;
  if (thinking !== undefined) fields.thinking_tokens = thinking;
  return fields;
}

/**
 * Stream usage is cumulative: message_start carries the input side, each message_delta the totals
 * so far. Later values replace earlier ones field by field; nothing is ever added up.
 */
export function mergeAnthropicUsageFields(previous: AnthropicUsageFields, next: AnthropicUsageFields): AnthropicUsageFields {
  return { ...previous, ...next };
}

/**
 * Anthropic usage -> canonical Usage. Anthropic's `input_tokens` excludes cache tokens, so the
 * canonical (inclusive) input total is input + cache_creation + cache_read. Cache writes with a
 * one-hour TTL (cache_creation.ephemeral_1h_input_tokens, part of cache_creation_input_tokens) become
 * cacheWrite1hTokens when there are any; without cache_creation_input_tokens the TTL split is the total.
 */
export function convertAnthropicUsage(fields: AnthropicUsageFields): Usage {
  const oneHour = fields.cache_creation_1h_input_tokens ?? 0;
  const split = fields.cache_creation_5m_input_tokens !== undefined || fields.cache_creation_1h_input_tokens !== undefined;
  const writeTotal = fields.cache_creation_input_tokens ?? (split ? (fields.cache_creation_5m_input_tokens ?? 0) + oneHour : undefined);
  const cacheWrite = writeTotal ?? 0;
  const cacheRead = fields.cache_read_input_tokens ?? 0;
  const usage: Usage = {
    inputTokens: (fields.input_tokens ?? 0) + cacheWrite + cacheRead,
    outputTokens: fields.output_tokens ?? 0,
  };
  if (fields.cache_read_input_tokens !== undefined) usage.cacheReadTokens = cacheRead;
  if (writeTotal !== undefined) usage.cacheWriteTokens = cacheWrite;
  if (oneHour > 0) usage.cacheWrite1hTokens = Math.min(oneHour, cacheWrite);
  if (fields.thinking_tokens !== undefined) usage.reasoningTokens = fields.thinking_tokens;
  return usage;
}
