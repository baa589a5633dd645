import { z } from 'zod';
import type { ProviderCredentials } from '../providers/credentials.js';
import type { BudgetPolicy, KeyPolicy, RateLimitPolicy, SpendRow, Team, TeamPolicy, VirtualKey } from './tenancy-types.js';

/**
 * The admin API's JSON (snake_case) for teams, keys and spend: input schemas that say what to fix,
 * and the output shapes. Money goes in as `limit_usd` (a number of dollars) and is kept as integer
 * nano-dollars; it comes out as `limit_usd` and exact decimal strings (`cost_usd`).
 */

const name = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
const names = z.array(z.string().trim().min(1)).max(1000);

export const budgetInput = z
  .object({
    limit_usd: z.number().positive('must be a positive number of US dollars').max(1e9),
    period: z.enum(['day', 'month', 'total'], { message: 'must be day, month or total' }),
    alert_at: z.number().gt(0).lte(1, 'is a fraction of the limit, 0 < alert_at <= 1').optional(),
  })
  .strict();

export const rateLimitsInput = z
  .object({
    rpm: z.number().int().positive('requests per minute: a positive integer').optional(),
    tpm: z.number().int().positive('tokens per minute: a positive integer').optional(),
  })
  .strict();

const credentialInput = z.union([
  z.object({ api_key: z.string().min(8) }).strict(),
  z.object({ bearer_token: z.string().min(8) }).strict(),
  z.object({ aws_access_key_id: z.string().min(8), aws_secret_access_key: z.string().min(8), aws_session_token: z.string().min(8).optional() }).strict(),
]);

const teamFields = {
  budget: budgetInput.nullable().optional(),
  rate_limits: rateLimitsInput.nullable().optional(),
  model_rate_limits: z.record(z.string().min(1), rateLimitsInput).nullable().optional(),
  allowed_models: names.nullable().optional(),
  allowed_providers: names.nullable().optional(),
  default_route: z.string().min(1).nullable().optional(),
  data_policy: z
    .object({ log_prompts: z.boolean().optional(), retention_days: z.number().int().positive().max(3650).optional() })
    .strict()
    .optional(),
  cache: z.boolean().optional(),
  /** Bring-your-own-key, by provider name; `null` removes a provider's credentials. */
  credentials: z.record(z.string().min(1), credentialInput.nullable()).optional(),
};

export const createTeamInput = z.object({ name, ...teamFields }).strict();
export const patchTeamInput = z.object({ name: name.optional(), ...teamFields }).strict();

export const createKeyInput = z
  .object({
    team_id: z.string().min(1).optional(),
    name,
    role: z.enum(['team', 'admin']).default('team'),
    budget: budgetInput.optional(),
    rate_limits: rateLimitsInput.optional(),
    models: names.optional(),
    expires_at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2027-01-01T00:00:00Z' }).optional(),
  })
  .strict();

export const spendQueryInput = z
  .object({
    group_by: z.enum(['team', 'key', 'model', 'provider', 'day'], { message: 'must be team, key, model, provider or day' }).default('team'),
    from: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).or(z.iso.date()).optional(),
    to: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).or(z.iso.date()).optional(),
    team_id: z.string().min(1).optional(),
  })
  .strict();

export type CreateTeamInput = z.output<typeof createTeamInput>;
export type PatchTeamInput = z.output<typeof patchTeamInput>;
export type CreateKeyInput = z.output<typeof createKeyInput>;

/** "name: must not be empty; budget.period: must be day, month or total" — zod issues as one line a person can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const message = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

const NANOS_PER_USD = 1_000_000_000;

export function budgetFromJson(input: z.output<typeof budgetInput>): BudgetPolicy {
  return { limitNanos: Math.round(input.limit_usd * NANOS_PER_USD), period: input.period, ...(input.alert_at !== undefined ? { alertAt: input.alert_at } : {}) };
}

export function rateLimitsFromJson(input: z.output<typeof rateLimitsInput>): RateLimitPolicy {
  return { ...(input.rpm !== undefined ? { rpm: input.rpm } : {}), ...(input.tpm !== undefined ? { tpm: input.tpm } : {}) };
}

export function credentialsFromJson(input: z.output<typeof credentialInput>): ProviderCredentials {
  if ('api_key' in input) return { kind: 'api-key', apiKey: input.api_key };
  if ('bearer_token' in input) return { kind: 'bearer', token: input.bearer_token };
  return { kind: 'aws', accessKeyId: input.aws_access_key_id, secretAccessKey: input.aws_secret_access_key, ...(input.aws_session_token ? { sessionToken: input.aws_session_token } : {}) };
}

/** Applies the team fields present in the input to a policy (null removes a setting). */
export function applyTeamFields(policy: TeamPolicy, input: PatchTeamInput | CreateTeamInput): TeamPolicy {
  const next: TeamPolicy = { ...policy };
  const set = <K extends keyof TeamPolicy>(key: K, value: TeamPolicy[K] | null | undefined) => {
    if (value === undefined) return;
    if (value === null) delete next[key];
    else next[key] = value;
  };
  if (input.budget !== undefined) set('budget', input.budget === null ? null : budgetFromJson(input.budget));
  if (input.rate_limits !== undefined) set('rateLimits', input.rate_limits === null ? null : rateLimitsFromJson(input.rate_limits));
  if (input.model_rate_limits !== undefined) {
    set('modelRateLimits', input.model_rate_limits === null ? null : Object.fromEntries(Object.entries(input.model_rate_limits).map(([k, v]) => [k, rateLimitsFromJson(v)])));
  }
  set('allowedModels', input.allowed_models);
  set('allowedProviders', input.allowed_providers);
  set('defaultRoute', input.default_route);
  // A partial data_policy changes only the fields it names.
  if (input.data_policy) {
    next.dataPolicy = {
      logPrompts: input.data_policy.log_prompts ?? policy.dataPolicy.logPrompts,
      retentionDays: input.data_policy.retention_days ?? policy.dataPolicy.retentionDays,
    };
  }
  if (input.cache !== undefined) next.cache = input.cache;
  return next;
}

export const DEFAULT_TEAM_POLICY: TeamPolicy = Object.freeze({ dataPolicy: { logPrompts: false, retentionDays: 30 }, cache: true }) as TeamPolicy;

export function keyPolicyFromJson(input: CreateKeyInput): KeyPolicy {
  return {
    ...(input.models ? { models: input.models } : {}),
    ...(input.budget ? { budget: budgetFromJson(input.budget) } : {}),
    ...(input.rate_limits ? { rateLimits: rateLimitsFromJson(input.rate_limits) } : {}),
  };
}

/** Exact USD decimal of nano-dollars: `12.345678901`. */
export function nanosToUsd(nanos: bigint | number): string {
  const value = BigInt(nanos);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 1_000_000_000n;
  const fraction = (abs % 1_000_000_000n).toString().padStart(9, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

function budgetJson(budget: BudgetPolicy | undefined) {
  return budget ? { limit_usd: Number(nanosToUsd(budget.limitNanos)), period: budget.period, ...(budget.alertAt !== undefined ? { alert_at: budget.alertAt } : {}) } : null;
}

function rateJson(limits: RateLimitPolicy | undefined) {
  return limits ? { ...(limits.rpm !== undefined ? { rpm: limits.rpm } : {}), ...(limits.tpm !== undefined ? { tpm: limits.tpm } : {}) } : null;
}

export function teamJson(team: Team) {
  const p = team.policy;
  return {
    id: team.id,
    object: 'team',
    name: team.name,
    budget: budgetJson(p.budget),
    rate_limits: rateJson(p.rateLimits),
    model_rate_limits: p.modelRateLimits ? Object.fromEntries(Object.entries(p.modelRateLimits).map(([k, v]) => [k, rateJson(v)])) : null,
    allowed_models: p.allowedModels ?? null,
    allowed_providers: p.allowedProviders ?? null,
    default_route: p.defaultRoute ?? null,
    data_policy: { log_prompts: p.dataPolicy.logPrompts, retention_days: p.dataPolicy.retentionDays },
    cache: p.cache,
    /** Providers the team brought credentials for; the secrets never leave the gateway. */
    credentials: [...team.credentialProviders].sort(),
    created_at: team.createdAt,
    updated_at: team.updatedAt,
  };
}

export function keyJson(key: VirtualKey) {
  return {
    id: key.id,
    object: 'key',
    team_id: key.teamId ?? null,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    models: key.policy.models ?? null,
    budget: budgetJson(key.policy.budget),
    rate_limits: rateJson(key.policy.rateLimits),
    expires_at: key.expiresAt ?? null,
    revoked_at: key.revokedAt ?? null,
    created_at: key.createdAt,
  };
}

export function spendRowJson(row: SpendRow) {
  return {
    group: row.group,
    requests: row.requests,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cache_read_tokens: row.cacheReadTokens,
    cache_write_tokens: row.cacheWriteTokens,
    reasoning_tokens: row.reasoningTokens,
    cost_usd: nanosToUsd(row.costNanos),
    cost_nanos: row.costNanos.toString(),
  };
}
