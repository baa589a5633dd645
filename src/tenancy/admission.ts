import type { ResolvedModel } from '../config/resolve-config.js';
import type { CandidateFilter } from '../routing/candidate-filters.js';
import { GatewayError } from '../spec/errors.js';
import type { Caller } from './api-keys.js';
import {
  LimitsUnavailableError,
  RATE_WINDOW_MS,
  type BudgetScope,
  type BudgetStore,
  type MaybePromise,
  type RateCheck,
  type RateDecision,
  type RateLimiter,
  type RateState,
  type ReserveDecision,
} from './limits-types.js';
import type { BudgetPeriod, BudgetPolicy, RateLimitPolicy, TenancyStore } from './tenancy-types.js';
import type { TenantContext } from './tenant-context.js';

export interface AdmissionDeps {
  rateLimiter: RateLimiter;
  budgets: BudgetStore;
  /** Seeds budget counters from the ledger. */
  store: Pick<TenancyStore, 'spendSince'>;
  /** A reservation not settled within this time expires (its replica died): the request deadline plus a margin. */
  reservationTtlMs: number;
  /**
   * What a requested name stands for, so allow-lists compare like with like: `route:<name>` for a
   * route, `model:<id>` for a model id or an alias of it. Identity when absent.
   */
  canonicalName?: (name: string) => string;
  /** Called once per budget period (per replica) when a budget's spend reaches its alert threshold. */
  onBudgetAlert?: (alert: BudgetAlert) => void;
  clock?: () => number;
}

export interface BudgetAlert {
  scope: 'team' | 'key';
  id: string;
  name: string;
  period: BudgetPeriod;
  limitNanos: number;
  spentNanos: number;
  alertAt: number;
}

/** A budget's state now, for the admin view. */
export interface BudgetStatus {
  limitNanos: number;
  spentNanos: number;
  reservedNanos: number;
  /** Epoch ms when the period ends (Infinity for total). */
  resetsAtMs: number;
  alerting: boolean;
}

/** What a request is admitted with: rate-limit windows it counted in and its budget reservation, settled once. */
export class AdmissionTicket {
  /** `x-ratelimit-*` response headers (OpenAI's names), flat name/value pairs. */
  readonly headers: string[];
  private settled = false;
  reservation?: { id: string; scopes: readonly BudgetScope[]; amountNanos: number; alerts: ReadonlyArray<{ scope: BudgetScope; alert: Omit<BudgetAlert, 'spentNanos'> } | undefined> };

  constructor(
    private readonly admission: Admission,
    readonly rate: RateDecision | undefined,
    /** Token counters that were charged the estimate, with the window they were charged in. */
    private readonly tokenCounters: readonly string[],
    private readonly tokenEstimate: number,
    private readonly windowStartMs: number,
  ) {
    this.headers = rate ? rateLimitHeaders(rate.states, admission.now()) : [];
  }

  /**
   * The request is over: the actual cost replaces the reservation (released when nothing was spent),
   * and the token counters are corrected from the estimate to the actual count. Errors of the shared
   * store are swallowed here (the reservation then expires on its own and the ledger keeps the spend).
   */
  settle(costNanos: number, totalTokens: number): void {
    if (this.settled) return;
    this.settled = true;
    const now = this.admission.now();
    if (this.reservation) {
      const { id, scopes, alerts } = this.reservation;
      const settled = swallow(() => this.admission.deps.budgets.settle(id, scopes, costNanos, now));
      if (hasAlert(alerts)) {
        if (settled) void settled.then(() => this.admission.checkAlerts(alerts, now));
        else void this.admission.checkAlerts(alerts, now);
      }
    }
    const delta = totalTokens - this.tokenEstimate;
    if (delta !== 0) {
      const limiter = this.admission.deps.rateLimiter;
      for (const key of this.tokenCounters) swallow(() => limiter.adjust(key, this.windowStartMs, delta));
    }
  }
}

/**
 * Admission of a team key's request, in the order the pipeline asks: which name it may request (its
 * default route, its allow-lists), which candidates it may reach (filters for the router), its rate
 * limits (requests and tokens per minute per key, team and requested name), then its budgets (a
 * reservation of the worst case across the plan, settled with the actual cost). Callers without a
 * team (configured keys, admin keys) are admitted without limits.
 */
export class Admission {
  readonly now: () => number;
  private readonly canonical: (name: string) => string;

  constructor(readonly deps: AdmissionDeps) {
    this.now = deps.clock ?? Date.now;
    this.canonical = deps.canonicalName ?? ((name) => name);
  }

  /** Is the name on the list (an alias matches its model, a model its aliases)? Absent list: everything is. */
  private listed(list: readonly string[] | undefined, name: string): boolean {
    if (!list) return true;
    if (list.includes(name)) return true;
    const wanted = this.canonical(name);
    return list.some((entry) => this.canonical(entry) === wanted);
  }

  /** The name to route: the team's default route for `default`; refuses a name outside the team's or key's allow-list. */
  resolveName(caller: Caller, requested: string): string {
    const tenant = caller.tenant;
    if (!tenant) return requested;
    let name = requested;
    if (name === 'default') {
      const fallback = tenant.team.policy.defaultRoute;
      if (!fallback) {
        throw new GatewayError({ code: 'SWY_ERR_NO_DEFAULT_ROUTE', kind: 'invalid_request', param: 'model', message: `model: the team '${tenant.team.name}' has no default route; name a route or model.` });
      }
      name = fallback;
    }
    const teamList = tenant.team.policy.allowedModels;
    const keyList = tenant.key.policy.models;
    if (!this.listed(teamList, name) || !this.listed(keyList, name)) {
      const allowed = intersect(teamList, keyList);
      throw new GatewayError({
        code: 'SWY_ERR_MODEL_NOT_ALLOWED',
        kind: 'permission',
        param: 'model',
        message: `model: this key may not use '${name}'. Allowed: ${allowed.length ? allowed.join(', ') : 'none'}.`,
      });
    }
    return name;
  }

  /**
   * Router filters from the allow-lists: a candidate may be tried when its provider is allowed and,
   * if the team or key lists models, the candidate is listed or the requested *route* is (naming a
   * route grants its candidates and fallbacks; naming a model grants that model, not its fallbacks).
   */
  filters(caller: Caller, name: string): CandidateFilter[] | undefined {
    const tenant = caller.tenant;
    if (!tenant) return undefined;
    const providers = tenant.team.policy.allowedProviders;
    const teamList = tenant.team.policy.allowedModels;
    const keyList = tenant.key.policy.models;
    const routeNamed = this.canonical(name).startsWith('route:');
    const byName = (list: string[] | undefined, model: ResolvedModel) => !list || (routeNamed && this.listed(list, name)) || this.listed(list, model.id);
    if (!providers && !teamList && !keyList) return undefined;
    return [
      (model) => {
        if (providers && !providers.includes(model.provider)) {
          return { code: 'SWY_ERR_PROVIDER_NOT_ALLOWED', param: 'model', message: `The team may not use the provider '${model.provider}' (model '${model.id}').` };
        }
        if (!byName(teamList, model) || !byName(keyList, model)) {
          return { code: 'SWY_ERR_MODEL_NOT_ALLOWED', param: 'model', message: `This key may not use the model '${model.id}'.` };
        }
        return undefined;
      },
    ];
  }

  /** The counter of a team's or key's budget in the period that contains `now`. */
  budgetScope(kind: 'team' | 'key', id: string, policy: BudgetPolicy, now: number): BudgetScope {
    const period = periodOf(policy.period, now);
    const since = period.startIso;
    return {
      key: `budget:${kind}:${id}:${period.label}`,
      limitNanos: policy.limitNanos,
      periodEndMs: period.endMs,
      seed: () => this.deps.store.spendSince(kind === 'team' ? { teamId: id } : { keyId: id }, since),
    };
  }

  /**
   * The counter keys and budget scopes of a verified key, built once per TenantContext (the
   * authenticator caches one per key and replaces it when the key or its team changes): per request
   * they were fresh concatenated strings that every counter lookup had to flatten and hash again.
   */
  private readonly tenantKeys = new WeakMap<TenantContext, TenantKeys>();

  private keysOf(tenant: TenantContext): TenantKeys {
    let keys = this.tenantKeys.get(tenant);
    if (keys === undefined) {
      keys = new TenantKeys(this, tenant);
      this.tenantKeys.set(tenant, keys);
    }
    return keys;
  }

  /** Spent and reserved in the current period (the admin view). */
  async budgetStatus(kind: 'team' | 'key', id: string, policy: BudgetPolicy): Promise<BudgetStatus> {
    const now = this.now();
    const scope = this.budgetScope(kind, id, policy, now);
    const snapshot = await this.deps.budgets.snapshot(scope, now);
    return {
      limitNanos: policy.limitNanos,
      spentNanos: snapshot.spentNanos,
      reservedNanos: snapshot.reservedNanos,
      resetsAtMs: scope.periodEndMs,
      alerting: policy.alertAt !== undefined && snapshot.spentNanos >= policy.alertAt * policy.limitNanos,
    };
  }

  private readonly alerted = new Set<string>();

  /** After a settle: raise each crossed alert threshold once per budget period on this replica. */
  async checkAlerts(alerts: ReadonlyArray<{ scope: BudgetScope; alert: Omit<BudgetAlert, 'spentNanos'> } | undefined>, now: number): Promise<void> {
    for (const entry of alerts) {
      if (!entry || this.alerted.has(entry.scope.key)) continue;
      try {
        const { spentNanos } = await this.deps.budgets.snapshot(entry.scope, now);
        if (spentNanos < entry.alert.alertAt * entry.alert.limitNanos) continue;
        if (this.alerted.size > 100_000) this.alerted.clear();
        this.alerted.add(entry.scope.key);
        this.deps.onBudgetAlert?.({ ...entry.alert, spentNanos });
      } catch {
        // The shared store is down: the next settle checks again.
      }
    }
  }

  /** Counts the request against every rate limit that applies, or refuses it with a 429 naming the limit. */
  limit(caller: Caller, name: string, estimatedTokens: number): MaybePromise<AdmissionTicket | undefined> {
    const tenant = caller.tenant;
    if (!tenant) return undefined;
    const checks: RateCheck[] = [];
    const tokenCounters: string[] = [];
    const keys = this.keysOf(tenant);
    pushChecks(checks, tokenCounters, keys.key, tenant.key.policy.rateLimits, estimatedTokens);
    pushChecks(checks, tokenCounters, keys.team, tenant.team.policy.rateLimits, estimatedTokens);
    const modelLimits = tenant.team.policy.modelRateLimits?.[name];
    if (modelLimits) pushChecks(checks, tokenCounters, keys.model(name), modelLimits, estimatedTokens);
    const now = this.now();
    const windowStartMs = now - (now % RATE_WINDOW_MS);
    if (checks.length === 0) return new AdmissionTicket(this, undefined, tokenCounters, estimatedTokens, windowStartMs);
    let decision: MaybePromise<RateDecision>;
    try {
      decision = this.deps.rateLimiter.consume(checks, now);
    } catch (error) {
      throw unavailable(error);
    }
    if (decision instanceof Promise) {
      return decision.then(
        (settled) => this.ticket(tenant, settled, tokenCounters, estimatedTokens, windowStartMs),
        (error: unknown) => Promise.reject(unavailable(error)),
      );
    }
    return this.ticket(tenant, decision, tokenCounters, estimatedTokens, windowStartMs);
  }

  private ticket(tenant: TenantContext, decision: RateDecision, tokenCounters: readonly string[], estimatedTokens: number, windowStartMs: number): AdmissionTicket {
    if (!decision.allowed) throw new RateLimitRefusal(rateLimitedError(decision, tenant), rateLimitHeaders(decision.states, this.now()));
    return new AdmissionTicket(this, decision, tokenCounters, estimatedTokens, windowStartMs);
  }

  /**
   * Reserves the request's worst-case cost in every budget of its key and team; refuses it (quota
   * exceeded, naming the budget and when it resets) when any would be exceeded.
   */
  reserve(ticket: AdmissionTicket, caller: Caller, requestId: string, worstCaseNanos: number): MaybePromise<void> {
    const tenant = caller.tenant;
    if (!tenant) return;
    const now = this.now();
    const budgets = this.keysOf(tenant).budgets(now);
    if (budgets === undefined) return;
    const amount = Math.max(0, Math.ceil(worstCaseNanos));
    let decision: MaybePromise<ReserveDecision>;
    try {
      decision = this.deps.budgets.reserve(requestId, budgets.scopes, amount, this.deps.reservationTtlMs, now);
    } catch (error) {
      throw unavailable(error);
    }
    if (decision instanceof Promise) {
      return decision.then(
        (settled) => reserved(ticket, budgets, settled, requestId, amount, now),
        (error: unknown) => Promise.reject(unavailable(error)),
      );
    }
    reserved(ticket, budgets, decision, requestId, amount, now);
  }

  /** The key's and team's budgets in the period that contains `now` (see TenantKeys.budgets). */
  budgetsOf(tenant: TenantContext, now: number): TenantBudgets | undefined {
    const scopes: BudgetScope[] = [];
    const named: { label: string; policy: BudgetPolicy }[] = [];
    const alerts: Array<{ scope: BudgetScope; alert: Omit<BudgetAlert, 'spentNanos'> } | undefined> = [];
    const add = (label: string, kind: 'team' | 'key', id: string, name: string, policy: BudgetPolicy | undefined) => {
      if (!policy) return;
      const scope = this.budgetScope(kind, id, policy, now);
      scopes.push(scope);
      named.push({ label, policy });
      alerts.push(policy.alertAt !== undefined && this.deps.onBudgetAlert ? { scope, alert: { scope: kind, id, name, period: policy.period, limitNanos: policy.limitNanos, alertAt: policy.alertAt } } : undefined);
    };
    add(`key '${tenant.key.name}'`, 'key', tenant.key.id, tenant.key.name, tenant.key.policy.budget);
    add(`team '${tenant.team.name}'`, 'team', tenant.team.id, tenant.team.name, tenant.team.policy.budget);
    return scopes.length === 0 ? undefined : { scopes, named, alerts };
  }
}

/** A key's and its team's budgets in one period: built once per period and tenant, read by every request. */
interface TenantBudgets {
  readonly scopes: readonly BudgetScope[];
  readonly named: ReadonlyArray<{ label: string; policy: BudgetPolicy }>;
  readonly alerts: ReadonlyArray<{ scope: BudgetScope; alert: Omit<BudgetAlert, 'spentNanos'> } | undefined>;
}

/** The reservation's answer: the ticket holds it, or the request is refused naming the budget. */
function reserved(ticket: AdmissionTicket, budgets: TenantBudgets, decision: ReserveDecision, requestId: string, amount: number, now: number): void {
  if (!decision.ok) {
    const index = Math.max(0, budgets.scopes.findIndex((scope) => scope.key === decision.key));
    throw budgetExceededError(budgets.named[index], budgets.scopes[index], decision, amount, now);
  }
  ticket.reservation = { id: requestId, scopes: budgets.scopes, amountNanos: amount, alerts: budgets.alerts };
}

interface CounterKeys {
  readonly rpm: string;
  readonly tpm: string;
}

/** The request and token checks of one policy (token checks are charged the estimate, corrected at settle). */
function pushChecks(checks: RateCheck[], tokenCounters: string[], counters: CounterKeys, policy: RateLimitPolicy | undefined, estimatedTokens: number): void {
  if (!policy) return;
  if (policy.rpm !== undefined) checks.push({ key: counters.rpm, limit: policy.rpm, cost: 1 });
  if (policy.tpm !== undefined) {
    checks.push({ key: counters.tpm, limit: policy.tpm, cost: estimatedTokens });
    tokenCounters.push(counters.tpm);
  }
}

function counterKeys(scope: string): CounterKeys {
  return { rpm: `${scope}:rpm`, tpm: `${scope}:tpm` };
}

/** One verified key's counter keys and current budget scopes (see Admission.keysOf). */
class TenantKeys {
  readonly key: CounterKeys;
  readonly team: CounterKeys;
  private readonly models = new Map<string, CounterKeys>();

  constructor(
    private readonly admission: Admission,
    private readonly tenant: TenantContext,
  ) {
    this.key = counterKeys(`key:${tenant.key.id}`);
    this.team = counterKeys(`team:${tenant.team.id}`);
  }

  /** Counters of the team's limits on one requested name (only names with such a limit get here). */
  model(name: string): CounterKeys {
    let keys = this.models.get(name);
    if (keys === undefined) {
      keys = counterKeys(`team:${this.tenant.team.id}:model:${name}`);
      this.models.set(name, keys);
    }
    return keys;
  }

  /**
   * The budgets in the period that contains `now`: rebuilt when a period ends or a policy changes
   * (the authenticator replaces the TenantContext when the key or team changes; this compares anyway).
   */
  budgets(now: number): TenantBudgets | undefined {
    const keyPolicy = this.tenant.key.policy.budget;
    const teamPolicy = this.tenant.team.policy.budget;
    // periodOf hands out one object per period while it lasts: identity says whether one ended.
    const keyPeriod = keyPolicy ? periodOf(keyPolicy.period, now) : undefined;
    const teamPeriod = teamPolicy ? periodOf(teamPolicy.period, now) : undefined;
    const held = this.held;
    if (held !== undefined && held.keyPeriod === keyPeriod && held.teamPeriod === teamPeriod && held.keyPolicy === keyPolicy && held.teamPolicy === teamPolicy) return held.budgets;
    const budgets = this.admission.budgetsOf(this.tenant, now);
    this.held = { keyPeriod, teamPeriod, keyPolicy, teamPolicy, budgets };
    return budgets;
  }

  private held: { keyPeriod: object | undefined; teamPeriod: object | undefined; keyPolicy: BudgetPolicy | undefined; teamPolicy: BudgetPolicy | undefined; budgets: TenantBudgets | undefined } | undefined;
}

/** A 429 from the gateway's own limits, with the `x-ratelimit-*` headers the response carries. */
export class RateLimitRefusal extends GatewayError {
  constructor(
    error: GatewayError,
    readonly headers: string[],
  ) {
    super({ code: error.code, kind: error.kind, origin: error.origin, message: error.message, retryAfterMs: error.retryAfterMs });
  }
}

interface Period {
  label: string;
  startIso: string;
  startMs: number;
  endMs: number;
}

/** The current day and month, computed once per period (Date and toISOString per request cost more than the rest of admission). */
const PERIOD_CACHE: Partial<Record<BudgetPeriod, Period>> = {};

/** UTC period boundaries: a day, a calendar month, or all time. */
export function periodOf(period: BudgetPeriod, nowMs: number): { label: string; startIso: string; endMs: number } {
  const cached = PERIOD_CACHE[period];
  if (cached && nowMs >= cached.startMs && nowMs < cached.endMs) return cached;
  const computed = computePeriod(period, nowMs);
  PERIOD_CACHE[period] = computed;
  return computed;
}

function computePeriod(period: BudgetPeriod, nowMs: number): Period {
  const date = new Date(nowMs);
  if (period === 'total') return { label: 'total', startIso: '1970-01-01T00:00:00.000Z', startMs: Number.NEGATIVE_INFINITY, endMs: Number.POSITIVE_INFINITY };
  if (period === 'day') {
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    return { label: `day:${new Date(start).toISOString().slice(0, 10)}`, startIso: new Date(start).toISOString(), startMs: start, endMs: start + 86_400_000 };
  }
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  return { label: `month:${new Date(start).toISOString().slice(0, 7)}`, startIso: new Date(start).toISOString(), startMs: start, endMs: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
}

/** OpenAI's rate-limit headers from the tightest request and token windows. */
export function rateLimitHeaders(states: readonly RateState[], nowMs: number): string[] {
  // Per request, on every team-key answer: one pass, no per-call literals, no endsWith (keys are
  // concatenated strings that a suffix test would flatten).
  let requests: RateState | undefined;
  let tokens: RateState | undefined;
  for (let i = 0; i < states.length; i++) {
    const state = states[i];
    const key = state.key;
    // Keys end in ':rpm' or ':tpm' (limit()): the letter before 'pm' says which.
    const kind = key.charCodeAt(key.length - 3);
    if (kind === 0x72 /* r */) {
      if (!requests || state.remaining < requests.remaining) requests = state;
    } else if (kind === 0x74 /* t */) {
      if (!tokens || state.remaining < tokens.remaining) tokens = state;
    }
  }
  const headers: string[] = [];
  if (requests) headers.push(LIMIT_REQUESTS, String(requests.limit), REMAINING_REQUESTS, String(Math.max(0, requests.remaining)), RESET_REQUESTS, formatDuration(requests.resetAtMs - nowMs));
  if (tokens) headers.push(LIMIT_TOKENS, String(tokens.limit), REMAINING_TOKENS, String(Math.max(0, tokens.remaining)), RESET_TOKENS, formatDuration(tokens.resetAtMs - nowMs));
  return headers;
}

const LIMIT_REQUESTS = 'x-ratelimit-limit-requests';
const REMAINING_REQUESTS = 'x-ratelimit-remaining-requests';
const RESET_REQUESTS = 'x-ratelimit-reset-requests';
const LIMIT_TOKENS = 'x-ratelimit-limit-tokens';
const REMAINING_TOKENS = 'x-ratelimit-remaining-tokens';
const RESET_TOKENS = 'x-ratelimit-reset-tokens';

/** OpenAI's duration format for reset headers: `1s`, `6m0s`, `250ms`. */
export function formatDuration(ms: number): string {
  const value = Math.max(0, Math.ceil(ms));
  if (value < 1000) return `${value}ms`;
  const seconds = Math.ceil(value / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

function rateLimitedError(decision: RateDecision, tenant: TenantContext): GatewayError {
  const key = decision.refusedKey ?? '';
  const state = decision.states.find((s) => s.key === key);
  const unit = key.endsWith(':tpm') ? 'tokens' : 'requests';
  const who = key.startsWith('key:') ? `key '${tenant.key.name}'` : key.includes(':model:') ? `team '${tenant.team.name}' on '${key.split(':model:')[1].replace(/:[rt]pm$/, '')}'` : `team '${tenant.team.name}'`;
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  return new GatewayError({
    code: 'SWY_ERR_RATE_LIMITED',
    kind: 'rate_limit',
    origin: 'gateway',
    retryAfterMs: Math.max(0, decision.retryAfterMs),
    message: `Rate limit reached for ${who}: ${state?.limit ?? '?'} ${unit} per minute. Retry in ${seconds} s.`,
  });
}

function budgetExceededError(named: { label: string; policy: BudgetPolicy }, scope: BudgetScope, decision: Extract<ReserveDecision, { ok: false }>, amount: number, now: number): GatewayError {
  const usd = (nanos: number) => `$${(nanos / 1e9).toFixed(nanos % 1e7 === 0 ? 2 : 6)}`;
  const resets = Number.isFinite(scope.periodEndMs) ? `; it resets at ${new Date(scope.periodEndMs).toISOString()}` : '; it does not reset (total budget)';
  const period = named.policy.period === 'total' ? 'total' : `${named.policy.period}ly`.replace('dayly', 'daily');
  return new GatewayError({
    code: 'SWY_ERR_BUDGET_EXCEEDED',
    kind: 'quota_exceeded',
    origin: 'gateway',
    ...(Number.isFinite(scope.periodEndMs) ? { retryAfterMs: Math.max(0, scope.periodEndMs - now) } : {}),
    message:
      `Budget exceeded: the ${period} budget of ${named.label} is ${usd(decision.limitNanos)}, ${usd(decision.spentNanos)} is spent and ` +
      `${usd(decision.reservedNanos)} reserved by requests in flight; this request may cost up to ${usd(amount)}${resets}.`,
  });
}

/** The shared store's unavailability (a limits call failed) as a 503 the client can read; other errors as they are. */
function unavailable(error: unknown): unknown {
  if (!(error instanceof LimitsUnavailableError)) return error;
  return new GatewayError({
    code: 'SWY_ERR_LIMITS_UNAVAILABLE',
    kind: 'overloaded',
    origin: 'gateway',
    status: 503,
    retryAfterMs: 1_000,
    message: `Budgets and rate limits cannot be checked right now (${error.message}); the request was not sent. Retry shortly.`,
  });
}

/**
 * Runs a settle-side call whose failure is swallowed (the shared store may be down): undefined when it
 * finished synchronously (the in-memory stores: no promise per request), else a promise that resolves
 * when it is done and never rejects.
 */
function swallow(run: () => MaybePromise<void>): Promise<void> | undefined {
  try {
    const result = run();
    if (result instanceof Promise) return result.catch(() => undefined);
  } catch {
    // The shared store is down: the reservation expires by itself; the ledger has the spend.
  }
  return undefined;
}

function hasAlert(alerts: ReadonlyArray<unknown>): boolean {
  for (let i = 0; i < alerts.length; i++) if (alerts[i] !== undefined) return true;
  return false;
}

function intersect(a: string[] | undefined, b: string[] | undefined): string[] {
  if (!a) return b ?? [];
  if (!b) return a;
  return a.filter((name) => b.includes(name));
}
