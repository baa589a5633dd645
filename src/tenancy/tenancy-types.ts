/**
 * Teams, virtual keys and their policies: the shapes every tenancy module shares (the store, the
 * admin API, admission, the router's allow-list filters). Money is integer nano-dollars
 * (1 USD = 1e9), as in the ledger; token counts are integers. Stored JSON and the admin API use
 * snake_case; these in-memory shapes are camelCase.
 */

export type BudgetPeriod = 'day' | 'month' | 'total';

export interface BudgetPolicy {
  /** Hard limit for one period, in nano-dollars. */
  limitNanos: number;
  period: BudgetPeriod;
  /** Fraction of the limit (0 < alertAt ≤ 1) at which an alert is raised (metric + log + admin view). */
  alertAt?: number;
}

export interface RateLimitPolicy {
  /** Requests per minute. */
  rpm?: number;
  /** Tokens (input + output) per minute. */
  tpm?: number;
}

export interface DataPolicy {
  /** Whether the request bodies (prompts) of this team's requests are kept in the request log (tenancy/request-log.ts); answers are not. */
  logPrompts: boolean;
  /** Days logged prompts are kept (the retention purge deletes older rows, logging on or off). */
  retentionDays: number;
}

/** A team's policy. Absent lists mean "no restriction". */
export interface TeamPolicy {
  /** Names (routes, model ids, aliases) the team may request; naming a route grants its candidates and fallbacks. */
  allowedModels?: string[];
  /** Provider names (config `providers` keys) the team's requests may reach. */
  allowedProviders?: string[];
  /** Route or model used when a request names `default` (or no model). */
  defaultRoute?: string;
  budget?: BudgetPolicy;
  rateLimits?: RateLimitPolicy;
  /** Per requested name (route or model) limits for this team. */
  modelRateLimits?: Record<string, RateLimitPolicy>;
  dataPolicy: DataPolicy;
  /** Response cache on/off for this team. Stored and shown only: the gateway has no response cache yet. */
  cache: boolean;
}

export interface Team {
  /** `team_<random>`. */
  id: string;
  name: string;
  policy: TeamPolicy;
  /**
   * Provider names for which the team brought its own credentials (bring-your-own-key). The secrets
   * themselves are stored encrypted and only ever read by the credential resolver of this team's calls.
   */
  credentialProviders: string[];
  createdAt: string;
  updatedAt: string;
}

/** A key's own narrowing of its team's policy. It can only narrow: the team's limits still apply. */
export interface KeyPolicy {
  /** Names this key may request (a subset of what the team may). */
  models?: string[];
  budget?: BudgetPolicy;
  rateLimits?: RateLimitPolicy;
}

export type KeyRole = 'admin' | 'team';

export interface VirtualKey {
  /** `key_<random>`: the public id (admin API, ledger), never the secret. */
  id: string;
  /** Undefined for admin keys. */
  teamId?: string;
  name: string;
  role: KeyRole;
  /** First characters of the secret, for display (`sk-swy-AbCd`). */
  prefix: string;
  policy: KeyPolicy;
  /** ISO time after which the key is refused; undefined = never. */
  expiresAt?: string;
  /** ISO time the key was revoked; a revoked key is refused everywhere within seconds. */
  revokedAt?: string;
  createdAt: string;
}

/** Admin-API / CLI row shapes (snake_case) are produced by tenancy/admin-json.ts from these. */

export interface SpendQuery {
  groupBy: 'team' | 'key' | 'model' | 'provider' | 'day';
  /** ISO time, inclusive. */
  from?: string;
  /** ISO time, exclusive. */
  to?: string;
  /** Restrict to one team (team-scoped views). */
  teamId?: string;
}

export interface SpendRow {
  /** The group's value: team id, key id, model id, provider name or UTC day (YYYY-MM-DD). */
  group: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Exact: a decimal string of nano-dollars may exceed 2^53, so sums are bigint. */
  costNanos: bigint;
}

/**
 * Durable tenancy data (SQLite or PostgreSQL through Kysely). Implemented by storage/tenancy-repository.ts.
 * Every method is team-safe by construction: callers pass the team they act for where it matters.
 */
export interface TenancyStore {
  createTeam(input: { name: string; policy: TeamPolicy }): Promise<Team>;
  listTeams(): Promise<Team[]>;
  getTeam(id: string): Promise<Team | undefined>;
  /** Replaces the name and/or policy; returns undefined when there is no such team. */
  updateTeam(id: string, patch: { name?: string; policy?: TeamPolicy }): Promise<Team | undefined>;

  /** Team credentials (BYOK), encrypted at rest by the caller's vault: the store keeps opaque ciphertext per provider. */
  setTeamCredential(teamId: string, provider: string, ciphertext: string | null): Promise<void>;
  getTeamCredentials(teamId: string): Promise<Record<string, string>>;

  /** Stores a new key (only its SHA-256 hash and display prefix). */
  createKey(input: { teamId?: string; name: string; role: KeyRole; keyHash: string; prefix: string; policy: KeyPolicy; expiresAt?: string }): Promise<VirtualKey>;
  listKeys(filter?: { teamId?: string }): Promise<VirtualKey[]>;
  getKey(id: string): Promise<VirtualKey | undefined>;
  /** The key with this hash, revoked or expired ones included (the caller decides). */
  findKeyByHash(keyHash: string): Promise<VirtualKey | undefined>;
  /** Marks the key revoked; returns it (with its hash, for the revocation broadcast) or undefined. */
  revokeKey(id: string): Promise<{ key: VirtualKey; keyHash: string } | undefined>;

  /** Spend (sum of ledger cost) since an ISO time, for a team or a key: seeds budget counters. */
  spendSince(scope: { teamId: string } | { keyId: string }, since: string): Promise<bigint>;
  spend(query: SpendQuery): Promise<SpendRow[]>;
}
