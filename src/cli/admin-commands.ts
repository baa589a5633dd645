import type { Command } from 'commander';
import { createKeyInput, createTeamInput, describeIssues, patchTeamInput, spendQueryInput } from '../tenancy/admin-json.js';
import {
  formatCreatedKey,
  formatKeyList,
  formatRevokedKey,
  formatSpend,
  formatTeam,
  formatTeamList,
  type KeyJson,
  type SpendReportJson,
  type TeamJson,
} from './admin-format.js';

/**
 * The admin CLI: `switchyard teams …`, `switchyard keys …` and `switchyard spend`, talking to a running
 * gateway's admin API over HTTP (see server/routes/admin-tenancy.ts and the OpenAPI document in
 * server/routes/admin-openapi.ts).
 *
 * Options are checked here before any request and turned into the API's JSON bodies by pure
 * functions (teamBody, keyBody, spendQuery); a bad value is a usage error (exit 2) that names the
 * option and what to give instead. An API error prints `switchyard <command>: <message>` (exit 1); an
 * unreachable gateway one line saying so (exit 1). The admin key is sent only in the Authorization
 * header and never printed.
 */

/** A mistake in the command line: exit 2. */
import type { NeutralityReport } from '../routing/learned/audit.js';

export class UsageError extends Error {}

/** The gateway answered with an error, or could not be reached: exit 1. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const REQUEST_TIMEOUT_MS = 30_000;
const BUDGET_PERIODS = ['day', 'month', 'total'] as const;
const SPEND_GROUPS = ['team', 'key', 'model', 'provider', 'day'] as const;

export interface ConnectionOptions {
  url?: string;
  adminKey?: string;
}

export interface Connection {
  /** Base URL without a trailing slash (a path prefix is kept: a gateway behind a proxy). */
  url: string;
  adminKey: string;
}

/** --url, else $SWITCHYARD_URL, else http://127.0.0.1:8080; --admin-key, else $SWITCHYARD_ADMIN_KEY, else $SWITCHYARD_MASTER_KEY. */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv): Connection {
  const raw = options.url ?? (env.SWITCHYARD_URL || DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`--url must be the gateway's base URL, e.g. ${DEFAULT_URL}; got "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url must be an http:// or https:// URL, got "${raw}"`);
  if (parsed.username || parsed.password) throw new UsageError('--url must not contain credentials: the admin key goes in $SWITCHYARD_ADMIN_KEY or --admin-key');
  if (parsed.search || parsed.hash) throw new UsageError(`--url must be the gateway's base URL without a query or fragment, e.g. ${DEFAULT_URL}`);
  const adminKey = options.adminKey ?? (env.SWITCHYARD_ADMIN_KEY || env.SWITCHYARD_MASTER_KEY);
  if (!adminKey) throw new UsageError('no admin key: set SWITCHYARD_ADMIN_KEY (or SWITCHYARD_MASTER_KEY), or pass --admin-key <key>');
  const url = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
  return { url, adminKey };
}

// ---------------------------------------------------------------- option values

function positiveNumber(flag: string, raw: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be ${what}, got "${raw}"`);
  if (value > max) throw new UsageError(`${flag} must be at most ${max}, got "${raw}"`);
  return value;
}

function positiveInteger(flag: string, raw: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = positiveNumber(flag, raw, what, max);
  if (!Number.isInteger(value)) throw new UsageError(`${flag} must be ${what}, got "${raw}"`);
  return value;
}

/** 0.8 or 80%. */
function fraction(flag: string, raw: string): number {
  const percent = raw.trim().endsWith('%');
  const value = Number(percent ? raw.trim().slice(0, -1) : raw);
  const result = percent ? value / 100 : value;
  if (raw.trim() === '' || !Number.isFinite(result) || result <= 0 || result > 1) {
    throw new UsageError(`${flag} must be a fraction of the budget, 0 < x <= 1 (e.g. 0.8 or 80%), got "${raw}"`);
  }
  return result;
}

function nameList(flag: string, raw: string): string[] {
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError(`${flag} needs at least one name, comma-separated (e.g. ${flag} a,b), got "${raw}"`);
  return [...new Set(names)];
}

function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`${flag} must be ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}, got "${raw}"`);
  return raw as T;
}

function nonEmpty(flag: string, raw: string, what: string): string {
  const value = raw.trim();
  if (value === '') throw new UsageError(`${flag} must not be empty: give ${what}`);
  return value;
}

const isoTimeSchema = createKeyInput.shape.expires_at.unwrap();
const timeOrDateSchema = spendQueryInput.shape.from.unwrap();

function isoTime(flag: string, raw: string): string {
  if (!isoTimeSchema.safeParse(raw).success) throw new UsageError(`${flag} must be an ISO 8601 time with a time zone, e.g. 2027-01-01T00:00:00Z, got "${raw}"`);
  return raw;
}

function timeOrDate(flag: string, raw: string): string {
  if (!timeOrDateSchema.safeParse(raw).success) throw new UsageError(`${flag} must be a date (2026-01-31) or an ISO 8601 time with a time zone (2026-01-31T12:00:00Z), got "${raw}"`);
  return raw;
}

function conflict(options: object, a: string, b: string): void {
  const values = options as Record<string, unknown>;
  if (values[camel(a)] !== undefined && values[camel(b)] !== undefined) throw new UsageError(`${a} and ${b} contradict each other: give one of them`);
}

function camel(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

// ---------------------------------------------------------------- request bodies

/** Commander's values for the budget and rate-limit options (strings as typed). */
export interface LimitOptions {
  budgetUsd?: string;
  period?: string;
  alertAt?: string;
  rpm?: string;
  tpm?: string;
}

export interface TeamOptions extends LimitOptions {
  name?: string;
  models?: string;
  providers?: string;
  defaultRoute?: string;
  /** true for --log-prompts, false for --no-log-prompts. */
  logPrompts?: boolean;
  retentionDays?: string;
  /** true for --cache, false for --no-cache. */
  cache?: boolean;
  clearBudget?: boolean;
  clearRateLimits?: boolean;
  clearModels?: boolean;
  clearProviders?: boolean;
  clearDefaultRoute?: boolean;
}

export interface KeyOptions extends LimitOptions {
  team?: string;
  name?: string;
  models?: string;
  expiresAt?: string;
  admin?: boolean;
}

export interface SpendOptions {
  by?: string;
  from?: string;
  to?: string;
  team?: string;
}

function budgetFromOptions(options: LimitOptions): { limit_usd: number; period: string; alert_at?: number } | undefined {
  if (options.budgetUsd === undefined) {
    if (options.period !== undefined) throw new UsageError('--period needs --budget-usd: give both, e.g. --budget-usd 100 --period month');
    if (options.alertAt !== undefined) throw new UsageError('--alert-at needs a budget: give --budget-usd and --period too');
    return undefined;
  }
  const limit = positiveNumber('--budget-usd', options.budgetUsd, 'a positive number of US dollars (e.g. 100 or 12.50)', 1e9);
  if (options.period === undefined) throw new UsageError('--budget-usd needs --period: day, month or total');
  const period = oneOf('--period', options.period, BUDGET_PERIODS);
  return { limit_usd: limit, period, ...(options.alertAt !== undefined ? { alert_at: fraction('--alert-at', options.alertAt) } : {}) };
}

function rateLimitsFromOptions(options: LimitOptions): { rpm?: number; tpm?: number } | undefined {
  const rpm = options.rpm === undefined ? undefined : positiveInteger('--rpm', options.rpm, 'a positive whole number of requests per minute');
  const tpm = options.tpm === undefined ? undefined : positiveInteger('--tpm', options.tpm, 'a positive whole number of tokens per minute');
  if (rpm === undefined && tpm === undefined) return undefined;
  return { ...(rpm !== undefined ? { rpm } : {}), ...(tpm !== undefined ? { tpm } : {}) };
}

/**
 * Does `teams update` need the team's current settings? Only when --rpm or --tpm is given without the
 * other: the API replaces rate_limits whole, so the limit left out is read and sent again.
 */
export function updateNeedsCurrent(options: TeamOptions): boolean {
  return (options.rpm === undefined) !== (options.tpm === undefined);
}

/**
 * The body of POST /admin/teams (`create`) or PATCH /admin/teams/{id} (`update`) from the options.
 * For an update, `current` (the team as the API returns it) supplies the rate limit a partial change
 * keeps (see updateNeedsCurrent). Throws UsageError naming the option to fix.
 */
export function teamBody(options: TeamOptions, mode: 'create' | 'update', current?: TeamJson): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (mode === 'create' && options.name === undefined) throw new UsageError("--name is required: the team's name");
  if (options.name !== undefined) body.name = nonEmpty('--name', options.name, "the team's name");
  if (mode === 'create') {
    for (const flag of ['--clear-budget', '--clear-rate-limits', '--clear-models', '--clear-providers', '--clear-default-route']) {
      if (options[camel(flag) as keyof TeamOptions]) throw new UsageError(`${flag} is for teams update: a new team has nothing to clear`);
    }
  }
  conflict(options, '--budget-usd', '--clear-budget');
  conflict(options, '--rpm', '--clear-rate-limits');
  conflict(options, '--tpm', '--clear-rate-limits');
  conflict(options, '--models', '--clear-models');
  conflict(options, '--providers', '--clear-providers');
  conflict(options, '--default-route', '--clear-default-route');

  const budget = budgetFromOptions(options);
  if (budget) body.budget = budget;
  if (options.clearBudget) body.budget = null;

  const limits = rateLimitsFromOptions(options);
  if (limits) body.rate_limits = mode === 'update' ? { ...(current?.rate_limits ?? {}), ...limits } : limits;
  if (options.clearRateLimits) body.rate_limits = null;

  if (options.models !== undefined) body.allowed_models = nameList('--models', options.models);
  if (options.clearModels) body.allowed_models = null;
  if (options.providers !== undefined) body.allowed_providers = nameList('--providers', options.providers);
  if (options.clearProviders) body.allowed_providers = null;
  if (options.defaultRoute !== undefined) body.default_route = nonEmpty('--default-route', options.defaultRoute, 'a route, model or alias');
  if (options.clearDefaultRoute) body.default_route = null;

  const retention = options.retentionDays === undefined ? undefined : positiveInteger('--retention-days', options.retentionDays, 'a whole number of days from 1 to 3650', 3650);
  if (options.logPrompts !== undefined || retention !== undefined) {
    // only the fields given: the API keeps the other one (a new team: log_prompts false, 30 days)
    body.data_policy = { ...(options.logPrompts !== undefined ? { log_prompts: options.logPrompts } : {}), ...(retention !== undefined ? { retention_days: retention } : {}) };
  }
  if (options.cache !== undefined) body.cache = options.cache;

  if (mode === 'update' && Object.keys(body).length === 0) throw new UsageError('nothing to change: give at least one option (switchyard teams update --help lists them)');
  const parsed = (mode === 'create' ? createTeamInput : patchTeamInput).safeParse(body);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error));
  return body;
}

/** The body of POST /admin/keys from the options. Throws UsageError naming the option to fix. */
export function keyBody(options: KeyOptions): Record<string, unknown> {
  if (options.name === undefined) throw new UsageError('--name is required: a name for the key (e.g. the service that will use it)');
  const body: Record<string, unknown> = {};
  if (options.admin) {
    if (options.team !== undefined) throw new UsageError('--admin keys belong to no team: drop --team (or drop --admin for a team key)');
    body.role = 'admin';
  } else {
    if (options.team === undefined) throw new UsageError('--team is required: the id of the team the key belongs to (switchyard teams list shows them), or --admin for an admin key');
    body.team_id = nonEmpty('--team', options.team, 'a team id (switchyard teams list shows them)');
  }
  body.name = nonEmpty('--name', options.name, 'a name for the key');
  if (options.models !== undefined) body.models = nameList('--models', options.models);
  const budget = budgetFromOptions(options);
  if (budget) body.budget = budget;
  const limits = rateLimitsFromOptions(options);
  if (limits) body.rate_limits = limits;
  if (options.expiresAt !== undefined) body.expires_at = isoTime('--expires-at', options.expiresAt);
  const parsed = createKeyInput.safeParse(body);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error));
  return body;
}

/** The query of GET /admin/spend from the options (--by defaults to team, like the API). */
export function spendQuery(options: SpendOptions): URLSearchParams {
  const query = new URLSearchParams();
  query.set('group_by', oneOf('--by', options.by ?? 'team', SPEND_GROUPS));
  if (options.from !== undefined) query.set('from', timeOrDate('--from', options.from));
  if (options.to !== undefined) query.set('to', timeOrDate('--to', options.to));
  if (options.from !== undefined && options.to !== undefined && Date.parse(options.from) >= Date.parse(options.to)) {
    throw new UsageError(`--from must be before --to (got ${options.from} .. ${options.to})`);
  }
  if (options.team !== undefined) query.set('team_id', nonEmpty('--team', options.team, 'a team id'));
  return query;
}

// ---------------------------------------------------------------- HTTP

export interface AdminIo {
  fetch: typeof fetch;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Sets the exit status of the process (process.exitCode by default: output is flushed first). */
  exit(code: number): void;
  /** Ends the process now: commander's own errors (unknown option…) after it printed them. */
  exitNow(code: number): never;
  now(): number;
}

const DEFAULT_IO: AdminIo = {
  fetch: (...args) => globalThis.fetch(...args),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => {
    process.exitCode = code;
  },
  exitNow: (code) => process.exit(code),
  now: Date.now,
};

/** One admin API call: the parsed JSON of a 2xx answer, else a RequestError with the API's message. */
export async function callAdminApi(io: Pick<AdminIo, 'fetch'>, connection: Connection, method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await io.fetch(`${connection.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${connection.adminKey}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new RequestError(unreachableMessage(connection.url, error));
  }
  const text = await response.text().catch(() => '');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok && json !== undefined) return json;
  const apiMessage = (json as { error?: { message?: unknown } } | undefined)?.error?.message;
  if (typeof apiMessage === 'string') throw new RequestError(scrub(apiMessage, connection.adminKey), response.status);
  const snippet = scrub(text.replace(/\s+/g, ' ').trim().slice(0, 200), connection.adminKey);
  throw new RequestError(`${method} ${connection.url}${path}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${response.ok ? ' without a JSON body' : ''}${snippet ? `: ${snippet}` : ''} (is this a Switchyard gateway?)`, response.status);
}

/** Whatever the gateway echoes, the admin key is never printed. */
function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('[admin key]') : text;
}

/** `cannot reach Switchyard at http://…: connect ECONNREFUSED 127.0.0.1:8080` — one line, from fetch's cause. */
export function unreachableMessage(displayUrl: string, error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer from Switchyard at ${displayUrl} within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  let cause: unknown = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof AggregateError && cause.errors.length > 0 && !cause.message) cause = cause.errors[0];
  const code = (cause as { code?: unknown })?.code;
  const detail = cause instanceof Error && cause.message ? cause.message : typeof code === 'string' ? code : String(cause);
  return `cannot reach Switchyard at ${displayUrl}: ${detail.split('\n')[0]}`;
}

// ---------------------------------------------------------------- commands

interface CommonOptions extends ConnectionOptions {
  json?: boolean;
}

/**
 * Registers `teams`, `keys` and `spend` on the program. `io` replaces fetch, the environment, the
 * output streams and the exit status (tests).
 */
export function registerAdminCommands(program: Command, overrides: Partial<AdminIo> = {}): void {
  const io: AdminIo = { ...DEFAULT_IO, ...overrides };

  /** Runs a command body: usage errors exit 2, API and network errors exit 1, both as one line on stderr. */
  const run =
    <A extends unknown[]>(name: string, body: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await body(...args);
      } catch (error) {
        if (error instanceof UsageError || error instanceof RequestError) {
          io.stderr.write(`switchyard ${name}: ${error.message}\n`);
          io.exit(error instanceof UsageError ? 2 : 1);
          return;
        }
        throw error;
      }
    };

  const print = (options: CommonOptions, value: unknown, text: () => string) => {
    io.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  };

  /** --url, --admin-key and --json on a leaf command; commander's own errors (unknown option, missing value) exit 2 too. */
  const leaf = (command: Command, name: string): Command =>
    command
      .option('--url <url>', `gateway base URL (default: $SWITCHYARD_URL, else ${DEFAULT_URL})`)
      .option('--admin-key <key>', 'admin key (default: $SWITCHYARD_ADMIN_KEY, else $SWITCHYARD_MASTER_KEY; prefer the environment: arguments show in ps)')
      .option('--json', 'print the raw API JSON')
      .configureOutput({ outputError: (text) => io.stderr.write(`switchyard ${name}: ${text.replace(/^error: /, '')}`) })
      .exitOverride((error) => io.exitNow(error.exitCode === 0 ? 0 : 2));

  const teamOptions = (command: Command, mode: 'create' | 'update'): Command => {
    command
      .option('--name <name>', mode === 'create' ? "the team's name (required, unique)" : 'a new name')
      .option('--budget-usd <usd>', 'hard budget per period in US dollars (needs --period)')
      .option('--period <period>', 'budget period: day, month or total')
      .option('--alert-at <fraction>', 'alert when this fraction of the budget is spent (0.8 or 80%)')
      .option('--rpm <n>', 'requests per minute for the whole team')
      .option('--tpm <n>', 'tokens per minute for the whole team')
      .option('--models <names>', 'routes, models or aliases the team may use, comma-separated (default: all)')
      .option('--providers <names>', 'providers its requests may reach, comma-separated (default: all)')
      .option('--default-route <name>', 'route or model used for model "default"')
      .option('--log-prompts', 'keep prompts and answers in the request log')
      .option('--no-log-prompts', 'do not log prompts (the default for a new team)')
      .option('--retention-days <n>', 'days logged prompts are kept (1-3650, default 30)')
      .option('--cache', 'response cache on (the default for a new team)')
      .option('--no-cache', 'response cache off');
    if (mode === 'update') {
      command
        .option('--clear-budget', 'remove the budget')
        .option('--clear-rate-limits', 'remove the rate limits')
        .option('--clear-models', 'remove the model allow-list (all models)')
        .option('--clear-providers', 'remove the provider allow-list (all providers)')
        .option('--clear-default-route', 'remove the default route');
    }
    return command;
  };

  const withConnection = (options: CommonOptions) => resolveConnection(options, io.env);
  const teamPath = (id: string) => `/admin/teams/${encodeURIComponent(id)}`;

  const teams = program.command('teams').description('Create, list, show and change teams (admin API).');

  leaf(teamOptions(teams.command('create').description('Create a team.'), 'create'), 'teams create').action(
    run('teams create', async (options: TeamOptions & CommonOptions) => {
      const body = teamBody(options, 'create');
      const team = (await callAdminApi(io, withConnection(options), 'POST', '/admin/teams', body)) as TeamJson;
      print(options, team, () => `Created team ${team.id}.\n\n${formatTeam(team)}`);
    }),
  );

  leaf(teams.command('list').description('List the teams.'), 'teams list').action(
    run('teams list', async (options: CommonOptions) => {
      const connection = withConnection(options);
      const list = (await callAdminApi(io, connection, 'GET', '/admin/teams')) as { data: TeamJson[] };
      print(options, list, () => formatTeamList(list.data));
    }),
  );

  leaf(teams.command('show').description("Show a team's settings.").argument('<id>', 'team id'), 'teams show').action(
    run('teams show', async (id: string, options: CommonOptions) => {
      const team = (await callAdminApi(io, withConnection(options), 'GET', teamPath(id))) as TeamJson;
      print(options, team, () => formatTeam(team));
    }),
  );

  leaf(teamOptions(teams.command('update').description("Change a team's settings; options not given stay as they are.").argument('<id>', 'team id'), 'update'), 'teams update').action(
    run('teams update', async (id: string, options: TeamOptions & CommonOptions) => {
      teamBody(options, 'update', undefined); // usage errors before any request
      const connection = withConnection(options);
      const current = updateNeedsCurrent(options) ? ((await callAdminApi(io, connection, 'GET', teamPath(id))) as TeamJson) : undefined;
      const team = (await callAdminApi(io, connection, 'PATCH', teamPath(id), teamBody(options, 'update', current))) as TeamJson;
      print(options, team, () => `Updated team ${team.id}.\n\n${formatTeam(team)}`);
    }),
  );

  const keys = program.command('keys').description('Create, list and revoke virtual keys (admin API).');

  leaf(
    keys
      .command('create')
      .description('Create a key; its secret is printed once.')
      .option('--team <id>', 'the team the key belongs to (required unless --admin)')
      .option('--name <name>', 'a name for the key (required)')
      .option('--models <names>', "names the key may use, comma-separated (a subset of the team's)")
      .option('--budget-usd <usd>', "the key's own budget in US dollars (needs --period)")
      .option('--period <period>', 'budget period: day, month or total')
      .option('--alert-at <fraction>', 'alert when this fraction of the budget is spent (0.8 or 80%)')
      .option('--rpm <n>', 'requests per minute for this key')
      .option('--tpm <n>', 'tokens per minute for this key')
      .option('--expires-at <time>', 'ISO 8601 time after which the key is refused, e.g. 2027-01-01T00:00:00Z')
      .option('--admin', 'an admin key (no team) instead of a team key'),
    'keys create',
  ).action(
    run('keys create', async (options: KeyOptions & CommonOptions) => {
      const body = keyBody(options);
      const created = (await callAdminApi(io, withConnection(options), 'POST', '/admin/keys', body)) as KeyJson & { key: string };
      if (options.json) io.stderr.write('switchyard keys create: the secret "key" is shown only this once: store it now.\n');
      print(options, created, () => formatCreatedKey(created));
    }),
  );

  leaf(keys.command('list').description('List keys (never their secrets).').option('--team <id>', "only this team's keys"), 'keys list').action(
    run('keys list', async (options: { team?: string } & CommonOptions) => {
      const query = options.team !== undefined ? `?${new URLSearchParams({ team_id: nonEmpty('--team', options.team, 'a team id') })}` : '';
      const list = (await callAdminApi(io, withConnection(options), 'GET', `/admin/keys${query}`)) as { data: KeyJson[] };
      print(options, list, () => formatKeyList(list.data, io.now()));
    }),
  );

  leaf(keys.command('revoke').description('Revoke a key: refused everywhere within seconds.').argument('<id>', 'key id (key_…), not the secret'), 'keys revoke').action(
    run('keys revoke', async (id: string, options: CommonOptions) => {
      if (id.startsWith('sk-')) throw new UsageError('give the key id (key_…, from switchyard keys list), not the secret');
      const key = (await callAdminApi(io, withConnection(options), 'DELETE', `/admin/keys/${encodeURIComponent(id)}`)) as KeyJson;
      print(options, key, () => formatRevokedKey(key));
    }),
  );

  leaf(
    program
      .command('spend')
      .description('Requests, tokens and exact cost from the usage ledger, grouped (admin API).')
      .option('--by <group>', 'team, key, model, provider or day', 'team')
      .option('--from <time>', 'start (inclusive): a date (2026-01-31) or an ISO 8601 time')
      .option('--to <time>', 'end (exclusive): a date or an ISO 8601 time')
      .option('--team <id>', 'only this team'),
    'spend',
  ).action(
    run('spend', async (options: SpendOptions & CommonOptions) => {
      const query = spendQuery(options);
      const report = (await callAdminApi(io, withConnection(options), 'GET', `/admin/spend?${query}`)) as SpendReportJson;
      print(options, report, () => formatSpend(report));
    }),
  );

  const audit = program.command('audit').description('Audit routing decisions from the receipts in the ledger (admin API).');
  leaf(
    audit
      .command('neutrality')
      .description("Each provider's share of routed decisions and every dominated choice (a candidate chosen although an available one was predicted at least as good and cheaper), with the declared policy that explains it.")
      .option('--from <time>', 'start (inclusive): a date (2026-01-31) or an ISO 8601 time')
      .option('--to <time>', 'end (exclusive): a date or an ISO 8601 time'),
    'audit neutrality',
  ).action(
    run('audit neutrality', async (options: { from?: string; to?: string } & CommonOptions) => {
      const query = new URLSearchParams();
      if (options.from !== undefined) query.set('from', timeOrDate('--from', options.from));
      if (options.to !== undefined) query.set('to', timeOrDate('--to', options.to));
      const report = (await callAdminApi(io, withConnection(options), 'GET', `/admin/audit/neutrality${query.size ? `?${query}` : ''}`)) as NeutralityReport;
      print(options, report, () => formatNeutrality(report));
      if (report.unexplained > 0) io.exit(1);
    }),
  );
}

/** The audit as text: shares, then dominated choices (unexplained first). */
export function formatNeutrality(report: NeutralityReport): string {
  const lines = [`Decisions with a receipt: ${report.decisions}${report.from || report.to ? ` (${report.from ?? '…'} to ${report.to ?? '…'})` : ''}`, ''];
  lines.push('PROVIDER  CHOSEN  SHARE  ELIGIBLE');
  const width = Math.max(8, ...report.providers.map((p) => p.provider.length));
  lines[lines.length - 1] = `${'PROVIDER'.padEnd(width)}  CHOSEN  SHARE   ELIGIBLE`;
  for (const p of report.providers) lines.push(`${p.provider.padEnd(width)}  ${String(p.chosen).padStart(6)}  ${(p.share * 100).toFixed(1).padStart(5)}%  ${String(p.eligible).padStart(8)}`);
  lines.push('');
  const sorted = [...report.dominated].sort((a, b) => Number(a.explained_by !== null) - Number(b.explained_by !== null));
  lines.push(`Dominated choices: ${report.dominated.length} (${report.unexplained} unexplained)`);
  for (const d of sorted) {
    const show = (c: { deployment: string; quality?: number; cost_usd?: number }) => `${c.deployment} (q=${c.quality ?? '?'}, $${c.cost_usd ?? '?'})`;
    lines.push(`  ${d.explained_by ? 'explained  ' : 'UNEXPLAINED'} ${d.request_id}: chose ${show(d.chosen)} over ${show(d.dominated_by)}${d.explained_by ? ` — ${d.explained_by}` : ''}`);
  }
  if (report.unreadable) lines.push(`Unreadable receipts: ${report.unreadable}`);
  return `${lines.join('\n')}\n`;
}
