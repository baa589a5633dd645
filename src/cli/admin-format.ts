/**
 * Readable output of the admin CLI (`switchyard teams|keys|spend` without --json): pure functions
 * from the admin API's JSON (tenancy/admin-json.ts shapes) to text. Tables are laid out like
 * `switchyard route --explain`: columns two spaces apart, padded to the widest cell, no trailing blanks.
 */

export interface BudgetJson {
  limit_usd: number;
  period: 'day' | 'month' | 'total';
  alert_at?: number;
}

export interface RateLimitsJson {
  rpm?: number;
  tpm?: number;
}

export interface TeamJson {
  id: string;
  object: 'team';
  name: string;
  budget: BudgetJson | null;
  rate_limits: RateLimitsJson | null;
  model_rate_limits: Record<string, RateLimitsJson> | null;
  allowed_models: string[] | null;
  allowed_providers: string[] | null;
  default_route: string | null;
  data_policy: { log_prompts: boolean; retention_days: number };
  cache: boolean;
  credentials: string[];
  created_at: string;
  updated_at: string;
  /** GET /admin/teams/{id} only, for a team with a budget; null when the counters could not be read. */
  budget_status?: BudgetStatusJson | null;
}

export interface BudgetStatusJson {
  spent_usd: string;
  reserved_usd: string;
  remaining_usd: string;
  resets_at: string | null;
  alerting: boolean;
}

export interface KeyJson {
  id: string;
  object: 'key';
  team_id: string | null;
  name: string;
  role: 'team' | 'admin';
  prefix: string;
  models: string[] | null;
  budget: BudgetJson | null;
  rate_limits: RateLimitsJson | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface SpendCounts {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: string;
  cost_nanos: string;
}

export interface SpendReportJson {
  object: 'spend';
  group_by: 'team' | 'key' | 'model' | 'provider' | 'day';
  from: string | null;
  to: string | null;
  data: Array<SpendCounts & { group: string }>;
  total: SpendCounts;
}

export type Align = 'left' | 'right';

/** Rows under a header, columns padded to the widest cell (right-aligned where asked), two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const last = header.length - 1;
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]) : i < last ? cell.padEnd(widths[i]) : cell))
      .join('  ')
      .trimEnd();
  return [header, ...rows].map(line).join('\n') + '\n';
}

/** A dollar amount without rounding: `$250`, `$0.50`, `$0.00256` (a decimal string or a number). */
export function usd(amount: number | string): string {
  const text = typeof amount === 'number' ? numberToPlainString(amount) : amount;
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  let digits = fraction.replace(/0+$/, '');
  if (digits.length > 0 && digits.length < 2) digits = digits.padEnd(2, '0');
  return `${negative ? '-' : ''}$${groupDigits(whole)}${digits ? `.${digits}` : ''}`;
}

function numberToPlainString(value: number): string {
  // limit_usd is at most 1e9 with at most nine decimals (nano-dollars): toFixed(9) is exact enough and never exponential.
  return Number.isInteger(value) ? String(value) : value.toFixed(9);
}

/** 1234567 → "1,234,567". */
export function groupDigits(value: number | string): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatBudget(budget: BudgetJson | null): string {
  if (!budget) return '-';
  const per = budget.period === 'total' ? ' total' : `/${budget.period}`;
  const alert = budget.alert_at !== undefined ? `, alert at ${Math.round(budget.alert_at * 1000) / 10}%` : '';
  return `${usd(budget.limit_usd)}${per}${alert}`;
}

export function formatBudgetStatus(status: BudgetStatusJson | null): string {
  if (status === null) return 'unavailable just now (the shared counters could not be read)';
  const resets = status.resets_at ? `; resets ${status.resets_at}` : '; never resets';
  return `spent ${usd(status.spent_usd)}, reserved ${usd(status.reserved_usd)}, remaining ${usd(status.remaining_usd)}${resets}${status.alerting ? '; ALERT: past the alert threshold' : ''}`;
}

export function formatRateLimits(limits: RateLimitsJson | null): string {
  if (!limits) return '-';
  const parts = [limits.rpm !== undefined ? `${groupDigits(limits.rpm)} rpm` : '', limits.tpm !== undefined ? `${groupDigits(limits.tpm)} tpm` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : '-';
}

function list(names: readonly string[] | null, whenNull: string): string {
  return names === null ? whenNull : names.length === 0 ? '(none)' : names.join(', ');
}

export function formatTeamList(teams: readonly TeamJson[]): string {
  if (teams.length === 0) return 'No teams yet: switchyard teams create --name <name>\n';
  return table(
    ['ID', 'NAME', 'BUDGET', 'RATE LIMITS', 'MODELS', 'CACHE'],
    teams.map((t) => [t.id, t.name, formatBudget(t.budget), formatRateLimits(t.rate_limits), list(t.allowed_models, 'any'), t.cache ? 'on' : 'off']),
  );
}

/** One team as labelled lines. */
export function formatTeam(team: TeamJson): string {
  const modelLimits = team.model_rate_limits
    ? Object.entries(team.model_rate_limits)
        .map(([name, limits]) => `${name}: ${formatRateLimits(limits)}`)
        .join('; ')
    : '-';
  const rows: Array<[string, string]> = [
    ['Team', `${team.name} (${team.id})`],
    ['Budget', formatBudget(team.budget)],
    ...(team.budget_status !== undefined ? [['Budget status', formatBudgetStatus(team.budget_status)] as [string, string]] : []),
    ['Rate limits', formatRateLimits(team.rate_limits)],
    ['Per model', modelLimits],
    ['Models', list(team.allowed_models, 'any')],
    ['Providers', list(team.allowed_providers, 'any')],
    ['Default route', team.default_route ?? '-'],
    ['Prompts', team.data_policy.log_prompts ? `logged, kept ${team.data_policy.retention_days} days` : `not logged (retention ${team.data_policy.retention_days} days)`],
    ['Cache', team.cache ? 'on' : 'off'],
    ['Own credentials', team.credentials.length ? team.credentials.join(', ') : 'none'],
    ['Created', team.created_at],
    ['Updated', team.updated_at],
  ];
  return labelled(rows);
}

function labelled(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`).join('\n') + '\n';
}

/** active, revoked or expired, as of `now`. */
export function keyStatus(key: KeyJson, now: number): string {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at && Date.parse(key.expires_at) <= now) return 'expired';
  return 'active';
}

export function formatKeyList(keys: readonly KeyJson[], now: number): string {
  if (keys.length === 0) return 'No keys: switchyard keys create --team <team id> --name <name>\n';
  return table(
    ['ID', 'NAME', 'TEAM', 'ROLE', 'PREFIX', 'MODELS', 'BUDGET', 'RATE LIMITS', 'EXPIRES', 'STATUS'],
    keys.map((k) => [
      k.id,
      k.name,
      k.team_id ?? '-',
      k.role,
      `${k.prefix}…`,
      list(k.models, k.role === 'admin' ? '-' : "team's"),
      formatBudget(k.budget),
      formatRateLimits(k.rate_limits),
      k.expires_at ?? 'never',
      keyStatus(k, now),
    ]),
  );
}

/** The new key's secret, shown once, with the warning. */
export function formatCreatedKey(key: KeyJson & { key: string }): string {
  const owner = key.role === 'admin' ? 'an admin key' : `for team ${key.team_id}`;
  return (
    `Created key ${key.id} "${key.name}" (${owner}).\n\n` +
    `    ${key.key}\n\n` +
    `This secret is shown only this once: store it now. Switchyard keeps only its hash (it lists the key as ${key.prefix}…).\n`
  );
}

export function formatRevokedKey(key: KeyJson): string {
  const owner = key.team_id ? `team ${key.team_id}` : 'admin key';
  return `Revoked key ${key.id} "${key.name}" (${owner}, ${key.prefix}…) at ${key.revoked_at}: it is refused on every replica within seconds.\n`;
}

const GROUP_HEADER: Record<SpendReportJson['group_by'], string> = { team: 'TEAM', key: 'KEY', model: 'MODEL', provider: 'PROVIDER', day: 'DAY (UTC)' };

/** The spend report: the window, then one row per group and the total, numbers right-aligned, cost exact. */
export function formatSpend(report: SpendReportJson): string {
  const window = report.from || report.to ? `from ${report.from ?? 'the beginning'} to ${report.to ?? 'now'}` : 'all time';
  const head = `Spend by ${report.group_by}, ${window}\n\n`;
  if (report.data.length === 0) return `${head}No requests in this window.\n`;
  const cells = (group: string, c: SpendCounts) => [
    group,
    groupDigits(c.requests),
    groupDigits(c.input_tokens),
    groupDigits(c.output_tokens),
    groupDigits(c.cache_read_tokens),
    groupDigits(c.cache_write_tokens),
    groupDigits(c.reasoning_tokens),
    usd(c.cost_usd),
  ];
  return (
    head +
    table(
      [GROUP_HEADER[report.group_by], 'REQUESTS', 'INPUT', 'OUTPUT', 'CACHE READ', 'CACHE WRITE', 'REASONING', 'COST'],
      [...report.data.map((row) => cells(row.group, row)), cells('TOTAL', report.total)],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    )
  );
}
