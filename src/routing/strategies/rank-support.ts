import type { DeploymentHealth } from '../health/health-tracker.js';
import type { Candidate, Ranking, RankingContext, StrategyName } from './strategy.js';

/** One candidate as a strategy sees it: its declared position, health snapshot and availability. */
export interface Entry {
  readonly candidate: Candidate;
  readonly index: number;
  readonly key: string;
  readonly health: DeploymentHealth;
  readonly available: boolean;
}

/** Snapshots each candidate's health once (strategies read it several times while sorting). */
export function entriesOf(candidates: readonly Candidate[], context: RankingContext): Entry[] {
  const out: Entry[] = new Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i];
    const key = candidate.deployment.key;
    out[i] = { candidate, index: i, key, health: context.health.get(key), available: context.health.isAvailable(key) };
  }
  return out;
}

/** Why a deployment is unavailable, for explain ("breaker open", "cooling down 1.5 s more" …). */
export function unavailableNote(health: DeploymentHealth, now: number): string {
  const parts: string[] = [];
  const coolingDown = health.cooldownUntil !== undefined && health.cooldownUntil > now;
  if (coolingDown) parts.push(`cooling down ${formatMs(health.cooldownUntil! - now)} more`);
  if (health.breaker === 'open') parts.push('breaker open');
  else if (health.breaker === 'half-open') parts.push(coolingDown ? 'breaker half-open' : 'breaker half-open, probe in flight');
  return `unavailable (${parts.length ? parts.join(', ') : 'not accepting attempts'})`;
}

/**
 * Finishes a ranking: `sorted` is the strategy's order over all entries; available deployments keep
 * that order at the front and unavailable ones follow (still listed, in the same relative order, so
 * the attempt loop can try them when nothing else is left). Unavailable entries' scores are prefixed
 * with why. `why(first)` explains the first available entry; when none is available the reason says so.
 */
export function finish(
  name: StrategyName,
  sorted: readonly Entry[],
  notes: Record<string, string>,
  context: RankingContext,
  why: (first: Entry) => string,
): Ranking {
  const ordered: Candidate[] = [];
  for (const entry of sorted) if (entry.available) ordered.push(entry.candidate);
  const availableCount = ordered.length;
  for (const entry of sorted) {
    if (entry.available) continue;
    ordered.push(entry.candidate);
    const note = notes[entry.key];
    notes[entry.key] = note ? `${unavailableNote(entry.health, context.now)}; ${note}` : unavailableNote(entry.health, context.now);
  }
  const first = sorted.find((entry) => entry.available);
  const reason = first
    ? `${name}: ${why(first)}${availableCount < sorted.length ? `; ${sorted.length - availableCount} unavailable moved last` : ''}`
    : `${name}: no candidate is available (breaker open or cooling down); trying in ${name} order anyway`;
  return { ordered, reason, scores: notes };
}

/** Sorts entries by `compare`, falling back to declared order (so ties never depend on anything else). */
export function sortEntries(entries: Entry[], compare: (a: Entry, b: Entry) => number): Entry[] {
  return entries.sort((a, b) => compare(a, b) || a.index - b.index);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`;
}

/** An integer with thousands separators ("1,200"), without Intl (toLocaleString is slow per call). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = String(Math.abs(Math.round(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}

/** Dollars with enough decimals to show small estimates ("$0.0012", "$1.50", "$0"). */
export function formatUsd(dollars: number): string {
  if (dollars === 0) return '$0';
  if (dollars >= 0.01) return `$${dollars.toFixed(dollars >= 100 ? 2 : 4).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
  // Below a cent: three significant digits, trailing zeros dropped ("$0.0012", "$0.000035").
  const decimals = Math.min(12, 2 - Math.floor(Math.log10(dollars)));
  return `$${dollars.toFixed(decimals).replace(/\.?0+$/, '')}`;
}
