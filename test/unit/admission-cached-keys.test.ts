import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/spec/errors.js';
import { Admission } from '../../src/tenancy/admission.js';
import type { Caller } from '../../src/tenancy/api-keys.js';
import { InMemoryBudgetStore } from '../../src/tenancy/budget-store.js';
import { InMemoryRateLimiter } from '../../src/tenancy/rate-limiter.js';
import type { TenantContext } from '../../src/tenancy/tenant-context.js';

/** A team-key caller; the tenant object is reused across requests, as the authenticator's cache does. */
function caller(teamPolicy: Record<string, unknown>): Caller {
  const tenant = {
    team: { id: 't1', name: 'alpha', policy: { dataPolicy: { logPrompts: false, retentionDays: 30 }, cache: true, ...teamPolicy } },
    key: { id: 'k1', name: 'ci', policy: {} },
    credentials: new Map(),
    expiresAtMs: Number.POSITIVE_INFINITY,
  } as unknown as TenantContext;
  return { keyName: 'ci', role: 'user', teamId: 't1', keyId: 'k1', tenant };
}

function admissionAt(clock: { now: number }) {
  return new Admission({
    rateLimiter: new InMemoryRateLimiter(),
    budgets: new InMemoryBudgetStore(),
    store: { spendSince: async () => 0n },
    reservationTtlMs: 60_000,
    clock: () => clock.now,
  });
}

async function admit(admission: Admission, who: Caller, id: string, worstCaseNanos: number) {
  const ticket = await admission.limit(who, 'gpt', 10);
  if (!ticket) throw new Error('expected a ticket');
  await admission.reserve(ticket, who, id, worstCaseNanos);
  return ticket;
}

describe('admission with counter keys and budget scopes kept per verified key', () => {
  it('counts every request of one key in the same windows (team, and the team on one requested name)', async () => {
    const clock = { now: Date.UTC(2026, 11, 2, 10, 0, 5) };
    const admission = admissionAt(clock);
    const who = caller({ rateLimits: { rpm: 3 }, modelRateLimits: { gpt: { rpm: 2 } } });
    await admit(admission, who, 'r1', 1);
    const second = await admit(admission, who, 'r2', 1);
    expect(second.headers.slice(0, 4)).toEqual(['x-ratelimit-limit-requests', '2', 'x-ratelimit-remaining-requests', '0']);
    await expect(Promise.resolve().then(() => admission.limit(who, 'gpt', 10))).rejects.toThrow(/gpt/);
    // Another name is only under the team's own limit (one request left of 3).
    expect(await admission.limit(who, 'claude', 10)).toBeDefined();
    clock.now += 60_000; // next minute: new windows
    expect(await admission.limit(who, 'gpt', 10)).toBeDefined();
  });

  it("a day budget's scope follows the clock into the next day", async () => {
    const clock = { now: Date.UTC(2026, 11, 2, 23, 59, 0) };
    const admission = admissionAt(clock);
    const who = caller({ budget: { period: 'day', limitNanos: 1_000 } });
    const first = await admit(admission, who, 'r1', 600);
    first.settle(600, 10);
    const refused = await admit(admission, who, 'r2', 600).catch((error: unknown) => error);
    expect(GatewayError.is(refused) && refused.code).toBe('SWY_ERR_BUDGET_EXCEEDED');
    clock.now = Date.UTC(2026, 11, 3, 0, 0, 1); // a new day: nothing spent in it yet
    const next = await admit(admission, who, 'r3', 600);
    expect(next.reservation?.scopes[0].key).toBe('budget:team:t1:day:2026-12-03');
    expect(first.reservation?.scopes[0].key).toBe('budget:team:t1:day:2026-12-02');
  });
});
