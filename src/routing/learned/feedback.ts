import type { Kysely } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { DecisionReceipt } from '../strategies/strategy.js';

/**
 * Learning from use. `POST /v1/feedback {request_id, score}` records how good a routed answer was
 * (0–1). Each feedback is stored with the residual against what the router predicted for the model
 * that answered (from the request's decision receipt), keyed by team × model × task family. The online
 * estimate for a key is the shrunk mean residual, Σ residual / (PRIOR_WEIGHT + n): with no feedback it
 * is 0 (the offline prediction stands, acting as the prior worth PRIOR_WEIGHT observations), and it can
 * never move a prediction by more than the route's declared bound (`learning.maxShift`, default 0.15).
 * Estimates are per team: one team's feedback never changes another's routing. Each replica keeps the
 * aggregates in memory, updated on its own feedback at once and reloaded from the database every
 * minute (feedback given to other replicas arrives within that).
 */

export const PRIOR_WEIGHT = 10;
export const DEFAULT_MAX_SHIFT = 0.15;

interface Aggregate {
  n: number;
  sum: number;
}

export class FeedbackEstimator {
  private aggregates = new Map<string, Aggregate>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Kysely<Database>) {}

  /** Loads the aggregates and refreshes them every `refreshMs`. */
  async start(refreshMs = 60_000): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), refreshMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async reload(): Promise<void> {
    const rows = await this.db
      .selectFrom('routing_feedback')
      .select((eb) => ['team_id', 'model', 'task', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('residual').as('sum')])
      .groupBy(['team_id', 'model', 'task'])
      .execute();
    const next = new Map<string, Aggregate>();
    for (const row of rows) next.set(key(row.team_id, row.model, row.task), { n: Number(row.n), sum: Number(row.sum) });
    this.aggregates = next;
  }

  /** The online correction for this team, model and task family (0 without feedback), bounded by ±maxShift. */
  shift(teamId: string | undefined, model: string, task: string, maxShift = DEFAULT_MAX_SHIFT): { shift: number; n: number } {
    if (!teamId) return { shift: 0, n: 0 };
    const aggregate = this.aggregates.get(key(teamId, model, task));
    if (!aggregate || aggregate.n === 0) return { shift: 0, n: 0 };
    const raw = aggregate.sum / (PRIOR_WEIGHT + aggregate.n);
    return { shift: Math.max(-maxShift, Math.min(maxShift, raw)), n: aggregate.n };
  }

  /**
   * Records a team's feedback on one of its requests. Refuses (with a reason a client can act on) a
   * request that is not the team's, was not routed with a receipt, or already has feedback.
   */
  async record(teamId: string, requestId: string, score: number): Promise<FeedbackResult> {
    const rows = await this.db
      .selectFrom('usage_ledger')
      .select(['team_id', 'model', 'receipt'])
      .where('request_id', '=', requestId)
      .where('receipt', 'is not', null)
      .execute();
    const row = rows[0];
    // Another team's request is indistinguishable from an unknown one: nothing about it leaks.
    if (!row || row.team_id !== teamId) return { ok: false, reason: 'unknown', message: `request_id: no routed request '${requestId}' of this team (feedback applies to requests routed by a learned strategy; the ledger is written within a second).` };
    let receipt: DecisionReceipt;
    try {
      receipt = JSON.parse(row.receipt!) as DecisionReceipt;
    } catch {
      return { ok: false, reason: 'unknown', message: `request_id: the decision receipt of '${requestId}' cannot be read.` };
    }
    const answered = receipt.candidates.find((c) => c.model === row.model) ?? receipt.candidates.find((c) => c.deployment === receipt.choice);
    const task = receipt.prompt?.task;
    if (!answered || answered.quality === undefined || !task) return { ok: false, reason: 'unknown', message: `request_id: '${requestId}' was not routed by a learned strategy.` };
    const existing = await this.db.selectFrom('routing_feedback').select('request_id').where('request_id', '=', requestId).executeTakeFirst();
    if (existing) return { ok: false, reason: 'duplicate', message: `request_id: feedback for '${requestId}' was already recorded.` };
    const residual = score - answered.quality;
    await this.db
      .insertInto('routing_feedback')
      .values({ request_id: requestId, team_id: teamId, model: answered.model, task, cluster: receipt.prompt?.cluster ?? 0, score, predicted: answered.quality, residual, created_at: new Date().toISOString() })
      .execute();
    const k = key(teamId, answered.model, task);
    const aggregate = this.aggregates.get(k) ?? { n: 0, sum: 0 };
    this.aggregates.set(k, { n: aggregate.n + 1, sum: aggregate.sum + residual });
    const now = this.shift(teamId, answered.model, task);
    return { ok: true, model: answered.model, task, predicted: answered.quality, residual, shift: now.shift, n: now.n };
  }
}

export type FeedbackResult =
  | { ok: true; model: string; task: string; predicted: number; residual: number; shift: number; n: number }
  | { ok: false; reason: 'unknown' | 'duplicate'; message: string };

function key(teamId: string, model: string, task: string): string {
  return `${teamId}\u0000${model}\u0000${task}`;
}
