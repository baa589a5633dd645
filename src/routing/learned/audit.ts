import type { DecisionReceipt } from '../strategies/strategy.js';

/** One ledger row as the audit reads it. */
export interface AuditRow {
  request_id: string;
  created_at: string;
  route: string | null;
  provider: string;
  receipt: string | null;
  policy_hash: string | null;
}

export interface DominatedChoice {
  request_id: string;
  created_at: string;
  route: string | null;
  chosen: { deployment: string; quality?: number; cost_usd?: number };
  /** The available candidate predicted at least as good and at most as dear (strictly better on one). */
  dominated_by: { deployment: string; quality?: number; cost_usd?: number };
  /** The declared policy preference that explains it, when one does (e.g. a task-tier mapping). */
  explained_by: string | null;
}

export interface NeutralityReport {
  from: string | null;
  to: string | null;
  /** Routed requests with a receipt. */
  decisions: number;
  /** Requests (receipted) served by each provider, and its share. */
  providers: Array<{ provider: string; chosen: number; share: number; eligible: number }>;
  /** Distinct declared policies the decisions were made under. */
  policies: Array<{ policy_hash: string; route: string | null; strategy: string; decisions: number }>;
  dominated: DominatedChoice[];
  /** Dominated choices no declared preference explains: must be 0. */
  unexplained: number;
  /** Prompt-cache affinity per conversation (routes with cacheAffinity): requests, kept, switches and what the switches cost. */
  conversations: Array<{ conversation: string; requests: number; kept: number; switches: number; switch_cost_usd: number }>;
  unreadable: number;
}

/**
 * Reads decision receipts and reports each provider's share and every dominated choice: a candidate
 * chosen although another available candidate was predicted at least as good and at most as dear
 * (and strictly better on one of the two). Such a choice is only acceptable when the declared policy
 * says why — for `task-tier`, the route's tier mapping for the prompt's task ranks the chosen tier
 * first — and the report names that preference; otherwise it counts as unexplained.
 */
export function auditNeutrality(rows: Iterable<AuditRow>, range: { from?: string; to?: string } = {}): NeutralityReport {
  const chosenBy = new Map<string, number>();
  const eligibleBy = new Map<string, number>();
  const policies = new Map<string, { policy_hash: string; route: string | null; strategy: string; decisions: number }>();
  const dominated: DominatedChoice[] = [];
  let decisions = 0;
  let unreadable = 0;
  const conversations = new Map<string, { conversation: string; requests: number; kept: number; switches: number; switch_cost_usd: number }>();
  for (const row of rows) {
    if (!row.receipt) continue;
    let receipt: DecisionReceipt;
    try {
      receipt = JSON.parse(row.receipt) as DecisionReceipt;
    } catch {
      unreadable++;
      continue;
    }
    if (!receipt || !Array.isArray(receipt.candidates)) {
      unreadable++;
      continue;
    }
    decisions++;
    const choice = receipt.candidates.find((c) => c.deployment === receipt.choice);
    const provider = choice?.provider ?? row.provider;
    chosenBy.set(provider, (chosenBy.get(provider) ?? 0) + 1);
    for (const provider of new Set(receipt.candidates.filter((c) => c.available).map((c) => c.provider))) eligibleBy.set(provider, (eligibleBy.get(provider) ?? 0) + 1);
    const affinity = receipt.applied?.affinity as { conversation?: string; previous?: string | null; kept?: boolean; switch_cost_usd?: number } | undefined;
    if (affinity?.conversation) {
      const c = conversations.get(affinity.conversation) ?? { conversation: affinity.conversation, requests: 0, kept: 0, switches: 0, switch_cost_usd: 0 };
      c.requests++;
      if (affinity.kept) c.kept++;
      else if (affinity.previous) {
        c.switches++;
        c.switch_cost_usd = Math.round((c.switch_cost_usd + (affinity.switch_cost_usd ?? 0)) * 1e9) / 1e9;
      }
      conversations.set(affinity.conversation, c);
    }
    const hash = row.policy_hash ?? '';
    const policy = policies.get(hash) ?? { policy_hash: hash, route: row.route, strategy: receipt.strategy, decisions: 0 };
    policy.decisions++;
    policies.set(hash, policy);
    if (!choice || choice.quality === undefined) continue;
    for (const other of receipt.candidates) {
      if (other === choice || !other.available || other.quality === undefined) continue;
      const cheaperOrEqual = costOf(other) <= costOf(choice);
      const betterOrEqual = other.quality >= choice.quality;
      const strictly = other.quality > choice.quality || costOf(other) < costOf(choice);
      if (!(cheaperOrEqual && betterOrEqual && strictly)) continue;
      dominated.push({
        request_id: row.request_id,
        created_at: row.created_at,
        route: row.route,
        chosen: pick(choice),
        dominated_by: pick(other),
        explained_by: explanation(receipt, choice, other),
      });
      break;
    }
  }
  const providers = [...new Set([...chosenBy.keys(), ...eligibleBy.keys()])]
    .map((provider) => ({ provider, chosen: chosenBy.get(provider) ?? 0, share: decisions ? round((chosenBy.get(provider) ?? 0) / decisions) : 0, eligible: eligibleBy.get(provider) ?? 0 }))
    .sort((a, b) => b.chosen - a.chosen || (a.provider < b.provider ? -1 : 1));
  return {
    from: range.from ?? null,
    to: range.to ?? null,
    decisions,
    providers,
    policies: [...policies.values()].sort((a, b) => b.decisions - a.decisions),
    dominated,
    unexplained: dominated.filter((d) => d.explained_by === null).length,
    conversations: [...conversations.values()].sort((a, b) => b.switch_cost_usd - a.switch_cost_usd || b.requests - a.requests),
    unreadable,
  };
}

type ReceiptCandidate = DecisionReceipt['candidates'][number];

/** Unpriced counts as dearest: an unknown cost never dominates a known one. */
function costOf(candidate: ReceiptCandidate): number {
  return candidate.cost_usd ?? Number.POSITIVE_INFINITY;
}

function pick(candidate: ReceiptCandidate) {
  return { deployment: candidate.deployment, ...(candidate.quality !== undefined ? { quality: candidate.quality } : {}), ...(candidate.cost_usd !== undefined ? { cost_usd: candidate.cost_usd } : {}) };
}

/** The declared preference behind a dominated choice, if the receipt records one. */
function explanation(receipt: DecisionReceipt, chosen: ReceiptCandidate, other: ReceiptCandidate): string | null {
  const affinity = receipt.applied?.affinity as { kept?: boolean; previous?: string | null; conversation?: string } | undefined;
  if (affinity?.kept && affinity.previous === chosen.deployment) {
    return `declared cache affinity (policy cacheAffinity): conversation ${affinity.conversation ?? '?'} kept on the deployment holding its prompt cache`;
  }
  if (receipt.strategy === 'task-tier') {
    const preference = (note: string | undefined) => {
      const match = /preference (\d+)/.exec(note ?? '');
      return match ? Number(match[1]) : Number.POSITIVE_INFINITY;
    };
    if (preference(chosen.note) < preference(other.note)) {
      return `declared task tiers: ${chosen.note} is preferred over ${other.note} for ${receipt.prompt?.task ?? 'this task'} (policy ${JSON.stringify(receipt.policy.tiers ?? {})})`;
    }
  }
  return null;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
