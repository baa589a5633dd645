import type { Usage } from '../../spec/usage.js';

/**
 * Bedrock TokenUsage → canonical Usage. Bedrock's `inputTokens` EXCLUDES cache reads and writes
 * (fixtures README, Bedrock 12: totalTokens = input + output + cacheRead + cacheWrite), while the
 * canonical `inputTokens` includes them. The undocumented `*InputTokenCount` spellings seen in real
 * responses are read when the documented ones are missing (never added twice).
 */
export function convertBedrockUsage(usage: unknown): Usage {
  const u = isRecord(usage) ? usage : {};
  const input = count(u.inputTokens) ?? 0;
  const output = count(u.outputTokens) ?? 0;
  const cacheRead = count(u.cacheReadInputTokens) ?? count(u.cacheReadInputTokenCount);
  const cacheWrite = count(u.cacheWriteInputTokens) ?? count(u.cacheWriteInputTokenCount);
  const result: Usage = { inputTokens: input + (cacheRead ?? 0) + (cacheWrite ?? 0), outputTokens: output };
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  return result;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.trunc(value) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
