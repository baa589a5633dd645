import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type {
  BudgetPeriod,
  BudgetPolicy,
  DataPolicy,
  KeyPolicy,
  KeyRole,
  RateLimitPolicy,
  SpendQuery,
  SpendRow,
  Team,
  TeamPolicy,
  TenancyStore,
  VirtualKey,
} from '../tenancy/tenancy-types.js';
import type { Database, Store } from './database.js';
import { newKeyId, newTeamId } from './ids.js';

// ---------------------------------------------------------------------------------------------------
// Stored policy JSON (snake_case, the admin API's names). Budgets are stored in nano-dollars.
// ---------------------------------------------------------------------------------------------------

export interface BudgetJson {
  limit_nanos: number;
  period: BudgetPeriod;
  alert_at?: number;
}

export interface RateLimitsJson {
  rpm?: number;
  tpm?: number;
}

export interface TeamPolicyJson {
  allowed_models?: string[];
  allowed_providers?: string[];
  default_route?: string;
  budget?: BudgetJson;
  rate_limits?: RateLimitsJson;
  model_rate_limits?: Record<string, RateLimitsJson>;
  data_policy: { log_prompts: boolean; retention_days: number };
  cache: boolean;
}

export interface KeyPolicyJson {
  models?: string[];
  budget?: BudgetJson;
  rate_limits?: RateLimitsJson;
}

/** What a stored team policy without a data policy (hand-edited row) is read as: prompts not logged. */
export const DEFAULT_DATA_POLICY: Readonly<DataPolicy> = Object.freeze({ logPrompts: false, retentionDays: 30 });

/** A stored policy that cannot be read (hand-edited or corrupt row). */
export class StoredPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoredPolicyError';
  }
}

/** A team name already taken (create or rename): the admin API answers 409. */
export class TenancyConflictError extends Error {
  readonly code = 'conflict';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'TenancyConflictError';
  }
}

const budgetToJson = (b: BudgetPolicy): BudgetJson => ({ limit_nanos: b.limitNanos, period: b.period, ...(b.alertAt !== undefined ? { alert_at: b.alertAt } : {}) });
const limitsToJson = (l: RateLimitPolicy): RateLimitsJson => ({ ...(l.rpm !== undefined ? { rpm: l.rpm } : {}), ...(l.tpm !== undefined ? { tpm: l.tpm } : {}) });

export function policyToJson(policy: TeamPolicy): TeamPolicyJson {
  const json: TeamPolicyJson = {
    data_policy: { log_prompts: policy.dataPolicy.logPrompts, retention_days: policy.dataPolicy.retentionDays },
    cache: policy.cache,
  };
  if (policy.allowedModels !== undefined) json.allowed_models = [...policy.allowedModels];
  if (policy.allowedProviders !== undefined) json.allowed_providers = [...policy.allowedProviders];
  if (policy.defaultRoute !== undefined) json.default_route = policy.defaultRoute;
  if (policy.budget !== undefined) json.budget = budgetToJson(policy.budget);
  if (policy.rateLimits !== undefined) json.rate_limits = limitsToJson(policy.rateLimits);
  if (policy.modelRateLimits !== undefined) {
    json.model_rate_limits = Object.fromEntries(Object.entries(policy.modelRateLimits).map(([name, limits]) => [name, limitsToJson(limits)]));
  }
  return json;
}

export function keyPolicyToJson(policy: KeyPolicy): KeyPolicyJson {
  const json: KeyPolicyJson = {};
  if (policy.models !== undefined) json.models = [...policy.models];
  if (policy.budget !== undefined) json.budget = budgetToJson(policy.budget);
  if (policy.rateLimits !== undefined) json.rate_limits = limitsToJson(policy.rateLimits);
  return json;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function strings(value: unknown, path: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new StoredPolicyError(`${path}: expected an array of strings`);
  return [...value];
}

function count(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new StoredPolicyError(`${path}: expected a non-negative number`);
  return value;
}

function budgetFromJson(value: unknown, path: string): BudgetPolicy | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new StoredPolicyError(`${path}: expected an object`);
  const limitNanos = count(value.limit_nanos, `${path}.limit_nanos`);
  if (limitNanos === undefined) throw new StoredPolicyError(`${path}.limit_nanos: missing`);
  const period = value.period;
  if (period !== 'day' && period !== 'month' && period !== 'total') throw new StoredPolicyError(`${path}.period: expected day, month or total`);
  const alertAt = count(value.alert_at, `${path}.alert_at`);
  return { limitNanos, period, ...(alertAt !== undefined ? { alertAt } : {}) };
}

function limitsFromJson(value: unknown, path: string): RateLimitPolicy | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new StoredPolicyError(`${path}: expected an object`);
  const rpm = count(value.rpm, `${path}.rpm`);
  const tpm = count(value.tpm, `${path}.tpm`);
  return { ...(rpm !== undefined ? { rpm } : {}), ...(tpm !== undefined ? { tpm } : {}) };
}

/** Reads a stored team policy (object or JSON text). Unknown fields are ignored; a missing data policy reads as DEFAULT_DATA_POLICY, a missing cache flag as off. */
export function policyFromJson(stored: unknown): TeamPolicy {
  const json = typeof stored === 'string' ? parseJson(stored, 'team policy') : stored;
  if (!isObject(json)) throw new StoredPolicyError('team policy: expected an object');
  const dataPolicy = isObject(json.data_policy)
    ? {
        logPrompts: json.data_policy.log_prompts === true,
        retentionDays: count(json.data_policy.retention_days, 'data_policy.retention_days') ?? DEFAULT_DATA_POLICY.retentionDays,
      }
    : { ...DEFAULT_DATA_POLICY };
  const policy: TeamPolicy = { dataPolicy, cache: json.cache === true };
  const allowedModels = strings(json.allowed_models, 'allowed_models');
  if (allowedModels !== undefined) policy.allowedModels = allowedModels;
  const allowedProviders = strings(json.allowed_providers, 'allowed_providers');
  if (allowedProviders !== undefined) policy.allowedProviders = allowedProviders;
  if (typeof json.default_route === 'string') policy.defaultRoute = json.default_route;
  const budget = budgetFromJson(json.budget, 'budget');
  if (budget !== undefined) policy.budget = budget;
  const rateLimits = limitsFromJson(json.rate_limits, 'rate_limits');
  if (rateLimits !== undefined) policy.rateLimits = rateLimits;
  if (json.model_rate_limits !== undefined && json.model_rate_limits !== null) {
    if (!isObject(json.model_rate_limits)) throw new StoredPolicyError('model_rate_limits: expected an object');
    policy.modelRateLimits = Object.fromEntries(
      Object.entries(json.model_rate_limits).map(([name, limits]) => [name, limitsFromJson(limits, `model_rate_limits.${name}`) ?? {}]),
    );
  }
  return policy;
}

/** Reads a stored key policy (object, JSON text, or null for keys without one). */
export function keyPolicyFromJson(stored: unknown): KeyPolicy {
  if (stored === null || stored === undefined) return {};
  const json = typeof stored === 'string' ? parseJson(stored, 'key policy') : stored;
  if (!isObject(json)) throw new StoredPolicyError('key policy: expected an object');
  const policy: KeyPolicy = {};
  const models = strings(json.models, 'models');
  if (models !== undefined) policy.models = models;
  const budget = budgetFromJson(json.budget, 'budget');
  if (budget !== undefined) policy.budget = budget;
  const rateLimits = limitsFromJson(json.rate_limits, 'rate_limits');
  if (rateLimits !== undefined) policy.rateLimits = rateLimits;
  return policy;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StoredPolicyError(`${what}: not JSON (${(error as Error).message})`);
  }
}

// ---------------------------------------------------------------------------------------------------
// The store.
// ---------------------------------------------------------------------------------------------------

type KeyRow = Selectable<Database['api_keys']>;
type TeamRow = Selectable<Database['teams']>;

/** A sum read exactly: SQL gives it as text (CAST … AS TEXT on both dialects), never through a double. */
export function exactSum(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`inexact sum ${value}`);
    return BigInt(value);
  }
  const text = String(value).trim();
  const integral = /^(-?\d+)(?:\.0*)?$/.exec(text); // numeric text may end in ".0"
  if (!integral) throw new RangeError(`not an integer sum: ${text}`);
  return BigInt(integral[1]);
}

const SUM_COST = sql<string>`CAST(COALESCE(SUM(cost_nanos), 0) AS TEXT)`;

/**
 * The SQL expression of each spend grouping (static text, never user input). `team`: rows without a
 * team (master, admin and configured keys) group under ''. `key`: the key's public id, or for keys
 * without one (keys from the config file, rows from before teams) the key's name. `day`: the UTC day
 * of the row's ISO time, which `substr` cuts the same way on SQLite and PostgreSQL.
 */
const GROUP_EXPRESSIONS: Record<SpendQuery['groupBy'], RawBuilder<string>> = {
  team: sql<string>`COALESCE(team_id, '')`,
  key: sql<string>`COALESCE(key_id, key_name)`,
  model: sql<string>`model`,
  provider: sql<string>`provider`,
  day: sql<string>`substr(created_at, 1, 10)`,
};

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || (typeof e?.message === 'string' && /UNIQUE constraint failed/.test(e.message));
}

/**
 * TenancyStore over Kysely: the same queries on SQLite and PostgreSQL. Ids are `team_` / `key_` + 16
 * base32 characters (storage/ids.ts); policies are stored as snake_case JSON text; spend sums are
 * exact bigints. Keys are found by their SHA-256 digest through the unique index on api_keys.key_hash.
 */
export class SqlTenancyStore implements TenancyStore {
  private readonly db: Kysely<Database>;

  constructor(store: Pick<Store, 'db'>, private readonly now: () => Date = () => new Date()) {
    this.db = store.db;
  }

  async createTeam(input: { name: string; policy: TeamPolicy }): Promise<Team> {
    const at = this.now().toISOString();
    const row: TeamRow = { id: newTeamId(), name: input.name, policy: JSON.stringify(policyToJson(input.policy)), created_at: at, updated_at: at };
    try {
      await this.db.insertInto('teams').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new TenancyConflictError(`a team named "${input.name}" already exists`, 'name');
      throw error;
    }
    return toTeam(row, []);
  }

  /** Every team, by name. */
  async listTeams(): Promise<Team[]> {
    const [rows, credentials] = await Promise.all([
      this.db.selectFrom('teams').selectAll().orderBy('name').execute(),
      this.db.selectFrom('team_credentials').select(['team_id', 'provider']).orderBy('provider').execute(),
    ]);
    const byTeam = new Map<string, string[]>();
    for (const c of credentials) {
      const list = byTeam.get(c.team_id);
      if (list) list.push(c.provider);
      else byTeam.set(c.team_id, [c.provider]);
    }
    return rows.map((row) => toTeam(row, byTeam.get(row.id) ?? []));
  }

  async getTeam(id: string): Promise<Team | undefined> {
    const row = await this.db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return toTeam(row, await this.credentialProviders(id));
  }

  async updateTeam(id: string, patch: { name?: string; policy?: TeamPolicy }): Promise<Team | undefined> {
    const set: Partial<TeamRow> = { updated_at: this.now().toISOString() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.policy !== undefined) set.policy = JSON.stringify(policyToJson(patch.policy));
    try {
      const result = await this.db.updateTable('teams').set(set).where('id', '=', id).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return undefined;
    } catch (error) {
      if (isUniqueViolation(error)) throw new TenancyConflictError(`a team named "${patch.name}" already exists`, 'name');
      throw error;
    }
    return this.getTeam(id);
  }

  async setTeamCredential(teamId: string, provider: string, ciphertext: string | null): Promise<void> {
    if (ciphertext === null) {
      await this.db.deleteFrom('team_credentials').where('team_id', '=', teamId).where('provider', '=', provider).execute();
      return;
    }
    const team = await this.db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst();
    if (!team) throw new Error(`no team ${teamId}`);
    const updatedAt = this.now().toISOString();
    await this.db
      .insertInto('team_credentials')
      .values({ team_id: teamId, provider, ciphertext, updated_at: updatedAt })
      .onConflict((oc) => oc.columns(['team_id', 'provider']).doUpdateSet({ ciphertext, updated_at: updatedAt }))
      .execute();
  }

  async getTeamCredentials(teamId: string): Promise<Record<string, string>> {
    const rows = await this.db.selectFrom('team_credentials').select(['provider', 'ciphertext']).where('team_id', '=', teamId).orderBy('provider').execute();
    return Object.fromEntries(rows.map((row) => [row.provider, row.ciphertext]));
  }

  async createKey(input: { teamId?: string; name: string; role: KeyRole; keyHash: string; prefix: string; policy: KeyPolicy; expiresAt?: string }): Promise<VirtualKey> {
    if (input.role === 'team' && input.teamId === undefined) throw new Error('a team key needs a team');
    if (input.role === 'admin' && input.teamId !== undefined) throw new Error('an admin key belongs to no team');
    if (input.teamId !== undefined) {
      const team = await this.db.selectFrom('teams').select('id').where('id', '=', input.teamId).executeTakeFirst();
      if (!team) throw new Error(`no team ${input.teamId}`);
    }
    const row: Omit<KeyRow, 'id'> = {
      public_id: newKeyId(),
      name: input.name,
      key_hash: input.keyHash,
      key_prefix: input.prefix,
      role: input.role,
      created_at: this.now().toISOString(),
      team_id: input.teamId ?? null,
      policy: JSON.stringify(keyPolicyToJson(input.policy)),
      expires_at: input.expiresAt ?? null,
      revoked_at: null,
    };
    await this.db.insertInto('api_keys').values(row).execute();
    return toKey(row);
  }

  /** Keys (all, or one team's) in the order they were created. */
  async listKeys(filter: { teamId?: string } = {}): Promise<VirtualKey[]> {
    let query = this.db.selectFrom('api_keys').selectAll();
    if (filter.teamId !== undefined) query = query.where('team_id', '=', filter.teamId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toKey);
  }

  async getKey(id: string): Promise<VirtualKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('public_id', '=', id).executeTakeFirst();
    return row ? toKey(row) : undefined;
  }

  async findKeyByHash(keyHash: string): Promise<VirtualKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
    return row ? toKey(row) : undefined;
  }

  async revokeKey(id: string): Promise<{ key: VirtualKey; keyHash: string } | undefined> {
    // Only the first revocation sets the time; revoking again returns the key as it is.
    await this.db.updateTable('api_keys').set({ revoked_at: this.now().toISOString() }).where('public_id', '=', id).where('revoked_at', 'is', null).execute();
    const row = await this.db.selectFrom('api_keys').selectAll().where('public_id', '=', id).executeTakeFirst();
    return row ? { key: toKey(row), keyHash: row.key_hash } : undefined;
  }

  async spendSince(scope: { teamId: string } | { keyId: string }, since: string): Promise<bigint> {
    let query = this.db.selectFrom('usage_ledger').select(SUM_COST.as('cost')).where('created_at', '>=', since);
    query = 'teamId' in scope ? query.where('team_id', '=', scope.teamId) : query.where('key_id', '=', scope.keyId);
    const row = await query.executeTakeFirst();
    return exactSum(row?.cost);
  }

  /**
   * Spend grouped by team, key, model, provider or UTC day over [from, to), optionally for one team;
   * ordered by the group value. Token sums are numbers, cost sums exact bigints.
   */
  async spend(query: SpendQuery): Promise<SpendRow[]> {
    const group = GROUP_EXPRESSIONS[query.groupBy];
    if (!group) throw new Error(`unknown spend grouping ${String(query.groupBy)}`);
    let select = this.db
      .selectFrom('usage_ledger')
      .select([
        group.as('grp'),
        sql<number | string>`COUNT(*)`.as('requests'),
        sql<number | string>`SUM(input_tokens)`.as('input_tokens'),
        sql<number | string>`SUM(output_tokens)`.as('output_tokens'),
        sql<number | string>`SUM(cache_read_tokens)`.as('cache_read_tokens'),
        sql<number | string>`SUM(cache_write_tokens)`.as('cache_write_tokens'),
        sql<number | string>`SUM(reasoning_tokens)`.as('reasoning_tokens'),
        SUM_COST.as('cost'),
      ]);
    if (query.from !== undefined) select = select.where('created_at', '>=', query.from);
    if (query.to !== undefined) select = select.where('created_at', '<', query.to);
    if (query.teamId !== undefined) select = select.where('team_id', '=', query.teamId);
    const rows = await select.groupBy(group).orderBy(group).execute();
    return rows.map((row) => ({
      group: String(row.grp),
      requests: Number(row.requests),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cacheReadTokens: Number(row.cache_read_tokens),
      cacheWriteTokens: Number(row.cache_write_tokens),
      reasoningTokens: Number(row.reasoning_tokens),
      costNanos: exactSum(row.cost),
    }));
  }

  private async credentialProviders(teamId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('team_credentials').select('provider').where('team_id', '=', teamId).orderBy('provider').execute();
    return rows.map((row) => row.provider);
  }
}

function toTeam(row: TeamRow, credentialProviders: string[]): Team {
  return {
    id: row.id,
    name: row.name,
    policy: policyFromJson(row.policy),
    credentialProviders,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A stored key row as a VirtualKey. The generated master key's row ('master') is an admin key. */
function toKey(row: Omit<KeyRow, 'id'>): VirtualKey {
  const key: VirtualKey = {
    id: row.public_id,
    name: row.name,
    role: row.role === 'team' ? 'team' : 'admin',
    prefix: row.key_prefix,
    policy: keyPolicyFromJson(row.policy),
    createdAt: row.created_at,
  };
  if (row.team_id !== null) key.teamId = row.team_id;
  if (row.expires_at !== null) key.expiresAt = row.expires_at;
  if (row.revoked_at !== null) key.revokedAt = row.revoked_at;
  return key;
}
