import type { Usage } from '../../spec/usage.js';

/**
 * Bedrock TokenUsage → canonical Usage. Bedrock's `inputTokens` EXCLUDES cache reads and writes
 * (fixtures README, Bedrock 12: totalTokens = input + output + cacheRead + cacheWrite), while the
 * canonical `inputTokens` includes them. The undocumented `*InputTokenCount` spellings seen in real
 * responses are read when the documented ones are missing (never added twice). `cacheDetails`
 * ([{ttl: "5m" | "1h", inputTokens}]) splits the cache writes by time to live: its one-hour part
 * becomes cacheWrite1hTokens, and it stands in for the write total when that is missing.
 */
export function convertBedrockUsage(usage: unknown): Usage {
  const u = isRecord(usage) ? usage : {};
  const input = count(u.inputTokens) ?? 0;
  const output = count(u.outputTokens) ?? 0;
  const cacheRead = count(u.cacheReadInputTokens) ?? count(u.cacheReadInputTokenCount);
  const byTtl = cacheWritesByTtl(u.cacheDetails);
  const cacheWrite = count(u.cacheWriteInputTokens) ?? count(u.cacheWriteInputTokenCount) ?? (byTtl ? byTtl.total : undefined);
  const result: Usage = { inputTokens: input + (cacheRead ?? 0) + (cacheWrite ?? 0), outputTokens: output };
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  if (byTtl && byTtl.oneHour > 0 && cacheWrite !== undefined) result.cacheWrite1hTokens = Math.min(byTtl.oneHour, cacheWrite);
  return result;
}

function cacheWritesByTtl(details: unknown): { total: number; oneHour: number } | undefined {
  if (!Array.isArray(details) || details.length === 0) return undefined;
  let total = 0;
  let oneHour = 0;
  for (const detail of details) {
    if (!isRecord(detail)) continue;
    const tokens = count(detail.inputTokens) ?? 0;
    total += tokens;
    if (detail.ttl === '1h') oneHour += tokens;
  }
  return { total, oneHour };
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.trunc(value) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
