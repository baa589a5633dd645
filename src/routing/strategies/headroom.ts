import type { DeploymentHealth } from '../health/health-tracker.js';
import { type Entry, entriesOf, finish, formatCount, formatMs, sortEntries } from './rank-support.js';
import type { Candidate, Ranking, RankingContext, Strategy } from './strategy.js';

/** Rate-limit readings older than this are treated as unknown (limits refill; the reading is stale). */
export const HEADROOM_STALE_MS = 60_000;

/** 0: known headroom, none exhausted; 1: unknown (or stale); 2: a reading of zero remaining. */
type HeadroomClass = 0 | 1 | 2;

interface Headroom {
  readonly cls: HeadroomClass;
  readonly requests?: number;
  readonly tokens?: number;
}

function headroomOf(health: DeploymentHealth, now: number): Headroom {
  const fresh = health.remainingReadAt !== undefined && now - health.remainingReadAt <= HEADROOM_STALE_MS;
  if (!fresh || (health.remainingRequests === undefined && health.remainingTokens === undefined)) return { cls: 1 };
  const { remainingRequests: requests, remainingTokens: tokens } = health;
  if (requests === 0 || tokens === 0) return { cls: 2, requests, tokens };
  return { cls: 0, requests, tokens };
}

/** Larger first; a known value before an unknown one. */
function descendingKnownFirst(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined) return a === undefined ? (b === undefined ? 0 : 1) : -1;
  return b - a;
}

function describe(room: Headroom): string {
  if (room.cls === 1) return 'headroom unknown';
  const parts: string[] = [];
  if (room.requests !== undefined) parts.push(`${formatCount(room.requests)} requests`);
  if (room.tokens !== undefined) parts.push(`${formatCount(room.tokens)} tokens`);
  return `${parts.join(', ')} remaining${room.cls === 2 ? ' (exhausted, ranked last)' : ''}`;
}

/**
 * `headroom`: the deployment with the most rate-limit quota left (from upstream headers) first — by
 * remaining requests, then remaining tokens (a known count before an unknown one). Deployments whose
 * headroom is unknown (no headers seen, or a reading older than HEADROOM_STALE_MS) come after those
 * with known positive headroom, and those with a reading of zero remaining come last. Ties keep the
 * declared order.
 */
export const headroomStrategy: Strategy = {
  name: 'headroom',
  rank(candidates: readonly Candidate[], context: RankingContext): Ranking {
    const entries = entriesOf(candidates, context);
    const rooms = new Map<Entry, Headroom>();
    const notes: Record<string, string> = {};
    for (const entry of entries) {
      const room = headroomOf(entry.health, context.now);
      rooms.set(entry, room);
      const age = entry.health.remainingReadAt !== undefined ? ` (read ${formatMs(Math.max(0, context.now - entry.health.remainingReadAt))} ago)` : '';
      notes[entry.key] = describe(room) + age;
    }
    const sorted = sortEntries(entries, (a, b) => {
      const ra = rooms.get(a)!;
      const rb = rooms.get(b)!;
      return ra.cls - rb.cls || descendingKnownFirst(ra.requests, rb.requests) || descendingKnownFirst(ra.tokens, rb.tokens);
    });
    return finish('headroom', sorted, notes, context, (first) => {
      const room = rooms.get(first)!;
      return room.cls === 1 ? 'no fresh rate-limit headroom known; declared order' : `${first.key} has the most headroom: ${describe(room)}`;
    });
  },
};
