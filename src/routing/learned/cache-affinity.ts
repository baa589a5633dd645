import { createHash } from 'node:crypto';
import type { PlanStep } from '../plan-request.js';
import type { HealthTracker } from '../health/health-tracker.js';

/**
 * Prompt-cache affinity (a route option, `cacheAffinity`): a conversation stays on the deployment
 * that holds its prompt cache while the cache's TTL lasts (5 min or 1 h, refreshed by every use),
 * unless the route's criteria say the switch is worth it. A conversation is identified by the caller,
 * the route and its opening (system prompt and first user message), hashed; the gateway keeps the
 * last deployment per conversation in an `AffinityStore`: in memory (bounded, per replica), or in a
 * fleet shared through Redis (`RedisAffinityStore`, shared-affinity-store.ts) with the memory as fallback.
 *
 * Worth switching: the sticky deployment is no longer in the plan (filtered, e.g. a policy change),
 * it is unavailable (breaker, cooldown), or the strategy's first choice costs less than the sticky one
 * even after the sticky one's cached prompt is priced at its cache-read rate (`cost` below), by more
 * than `minSavings` of it. What a switch cost — the prompt written to a new cache instead of read from the
 * old one — is estimated and recorded in the decision receipt (`applied.affinity`).
 */

export interface AffinityPolicy {
  readonly ttl: '5m' | '1h';
  /** A switch must save at least this fraction of the sticky deployment's estimated cost (default 0.2). */
  readonly minSavings: number;
}

export interface AffinityDecision {
  readonly conversation: string;
  readonly previous: string | null;
  readonly kept: boolean;
  readonly reason: string;
  /** Estimated extra cost of the switch in USD (the prompt not read from the previous deployment's cache). */
  readonly switch_cost_usd?: number;
}

interface Entry {
  deployment: string;
  expiresAt: number;
}

export const AFFINITY_TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

/** Where the deployment holding each conversation's prompt cache is remembered. */
export interface AffinityStore {
  /** The deployment holding the conversation's cache, if any; a Promise (never rejecting) only when the store reads a shared one. */
  get(conversation: string, now: number): string | undefined | Promise<string | undefined>;
  /** The conversation's cache now lives on `deployment` for another TTL; a shared store writes in the background (a Promise that never rejects, nobody need wait). */
  set(conversation: string, deployment: string, ttl: AffinityPolicy['ttl'], now: number): void | Promise<void>;
}

/** This replica's map (bounded: the oldest entry goes first). */
export class InMemoryAffinityStore implements AffinityStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 100_000) {}

  get(conversation: string, now: number): string | undefined {
    const entry = this.entries.get(conversation);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(conversation);
      return undefined;
    }
    return entry.deployment;
  }

  /** The conversation's cache now lives on `deployment` for another TTL. */
  set(conversation: string, deployment: string, ttl: AffinityPolicy['ttl'], now: number): void {
    this.entries.delete(conversation);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(conversation, { deployment, expiresAt: now + AFFINITY_TTL_MS[ttl] });
  }

  get size(): number {
    return this.entries.size;
  }
}

/** `c_` + 16 hex of SHA-256(caller, route, system prompt and first user message), reading at most 16 KB. */
export function conversationKey(caller: string, route: string, body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = body.system ?? (messages.find((m) => (m as Record<string, unknown> | null)?.role === 'system') as Record<string, unknown> | undefined)?.content ?? null;
  const firstUser = (messages.find((m) => (m as Record<string, unknown> | null)?.role === 'user') as Record<string, unknown> | undefined)?.content ?? null;
  const opening = JSON.stringify([system, firstUser]).slice(0, 16_384);
  return `c_${createHash('sha256').update(`${caller}\u0000${route}\u0000${opening}`).digest('hex').slice(0, 16)}`;
}

/**
 * Reorders a route's plan for affinity. `cost(step, cachedTokens)` estimates a step's cost with that many
 * prompt tokens read from cache (0 for a cold deployment).
 */
export function applyAffinity(
  steps: readonly PlanStep[],
  sticky: string | undefined,
  conversation: string,
  policy: AffinityPolicy,
  health: HealthTracker,
  promptTokens: number,
  cost: (step: PlanStep, cachedTokens: number) => number | undefined,
  /** Does the route's strategy still accept the sticky deployment for this prompt (e.g. within quality tolerance)? */
  acceptable: (deploymentKey: string) => boolean = () => true,
): { steps: readonly PlanStep[]; decision: AffinityDecision } {
  const first = steps[0];
  if (!sticky || !first) return { steps, decision: { conversation, previous: null, kept: false, reason: 'new conversation' } };
  if (first.deployment.key === sticky) return { steps, decision: { conversation, previous: sticky, kept: true, reason: 'the strategy chose the deployment holding the cache' } };
  const index = steps.findIndex((step) => step.deployment.key === sticky);
  const firstCold = cost(first, 0);
  const switchCost = (() => {
    const warm = index >= 0 ? cost(steps[index], promptTokens) : undefined;
    const cold = index >= 0 ? cost(steps[index], 0) : undefined;
    return warm !== undefined && cold !== undefined ? Math.max(0, cold - warm) : undefined;
  })();
  const switched = (reason: string): { steps: readonly PlanStep[]; decision: AffinityDecision } => ({
    steps,
    decision: { conversation, previous: sticky, kept: false, reason, ...(switchCost !== undefined ? { switch_cost_usd: round(switchCost) } : {}) },
  });
  if (index < 0) return switched('the deployment holding the cache is not a candidate for this request');
  if (!health.isAvailable(sticky)) return switched('the deployment holding the cache is unavailable');
  if (!acceptable(sticky)) return switched("the route's criteria no longer accept the deployment holding the cache for this prompt");
  const stickyWarm = cost(steps[index], promptTokens);
  if (firstCold !== undefined && stickyWarm !== undefined && firstCold < stickyWarm * (1 - policy.minSavings)) {
    return switched(`switching saves more than ${Math.round(policy.minSavings * 100)}% even against the cached prompt`);
  }
  const reordered = [steps[index], ...steps.slice(0, index), ...steps.slice(index + 1)];
  return { steps: reordered, decision: { conversation, previous: sticky, kept: true, reason: `kept on the deployment holding the cache (TTL ${policy.ttl})` } };
}

function round(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
