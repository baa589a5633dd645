import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { keyBody, registerAdminCommands, resolveConnection, spendQuery, teamBody, unreachableMessage, updateNeedsCurrent, UsageError, type AdminIo } from '../../src/cli/admin-commands.js';
import {
  formatBudget,
  formatCreatedKey,
  formatKeyList,
  formatRateLimits,
  formatSpend,
  formatTeam,
  formatTeamList,
  table,
  usd,
  type KeyJson,
  type SpendReportJson,
  type TeamJson,
} from '../../src/cli/admin-format.js';

const TEAM: TeamJson = {
  id: 'team_abc',
  object: 'team',
  name: 'research',
  budget: { limit_usd: 250, period: 'month', alert_at: 0.8 },
  rate_limits: { rpm: 600, tpm: 200000 },
  model_rate_limits: { 'sim-small': { rpm: 5 } },
  allowed_models: ['reasoning', 'sim-small'],
  allowed_providers: null,
  default_route: 'reasoning',
  data_policy: { log_prompts: true, retention_days: 14 },
  cache: true,
  credentials: ['openai'],
  created_at: '2026-01-05T09:30:00.000Z',
  updated_at: '2026-01-06T10:00:00.000Z',
};

const KEY: KeyJson = {
  id: 'key_1',
  object: 'key',
  team_id: 'team_abc',
  name: 'ci',
  role: 'team',
  prefix: 'sk-swy-AbCd',
  models: null,
  budget: { limit_usd: 0.5, period: 'day' },
  rate_limits: { rpm: 60 },
  expires_at: null,
  revoked_at: null,
  created_at: '2026-01-05T09:31:00.000Z',
};

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('option → request body', () => {
  it('teams create: every option in the API shape', () => {
    expect(
      teamBody(
        {
          name: ' research ',
          budgetUsd: '250',
          period: 'month',
          alertAt: '80%',
          rpm: '600',
          tpm: '200000',
          models: 'reasoning, sim-small,,sim-small',
          providers: 'openai',
          defaultRoute: 'reasoning',
          logPrompts: true,
          retentionDays: '14',
          cache: false,
        },
        'create',
      ),
    ).toEqual({
      name: 'research',
      budget: { limit_usd: 250, period: 'month', alert_at: 0.8 },
      rate_limits: { rpm: 600, tpm: 200000 },
      allowed_models: ['reasoning', 'sim-small'],
      allowed_providers: ['openai'],
      default_route: 'reasoning',
      data_policy: { log_prompts: true, retention_days: 14 },
      cache: false,
    });
    // only what was given: the server's defaults apply to the rest
    expect(teamBody({ name: 'x' }, 'create')).toEqual({ name: 'x' });
    expect(teamBody({ name: 'x', alertAt: '0.5', budgetUsd: '0.01', period: 'total' }, 'create')).toEqual({ name: 'x', budget: { limit_usd: 0.01, period: 'total', alert_at: 0.5 } });
    expect(teamBody({ name: 'x', retentionDays: '7' }, 'create')).toEqual({ name: 'x', data_policy: { retention_days: 7 } });
  });

  it('teams create: bad values are usage errors that name the option and what to give', () => {
    expect(usage(() => teamBody({}, 'create'))).toBe("--name is required: the team's name");
    expect(usage(() => teamBody({ name: '  ' }, 'create'))).toBe("--name must not be empty: give the team's name");
    expect(usage(() => teamBody({ name: 'x'.repeat(201) }, 'create'))).toBe('name: at most 200 characters');
    expect(usage(() => teamBody({ name: 'x', budgetUsd: 'ten', period: 'day' }, 'create'))).toBe('--budget-usd must be a positive number of US dollars (e.g. 100 or 12.50), got "ten"');
    expect(usage(() => teamBody({ name: 'x', budgetUsd: '-5', period: 'day' }, 'create'))).toMatch(/^--budget-usd must be a positive number/);
    expect(usage(() => teamBody({ name: 'x', budgetUsd: '', period: 'day' }, 'create'))).toMatch(/^--budget-usd must be a positive number/);
    expect(usage(() => teamBody({ name: 'x', budgetUsd: '2e9', period: 'day' }, 'create'))).toBe('--budget-usd must be at most 1000000000, got "2e9"');
    expect(usage(() => teamBody({ name: 'x', budgetUsd: '10' }, 'create'))).toBe('--budget-usd needs --period: day, month or total');
    expect(usage(() => teamBody({ name: 'x', period: 'day' }, 'create'))).toBe('--period needs --budget-usd: give both, e.g. --budget-usd 100 --period month');
    expect(usage(() => teamBody({ name: 'x', budgetUsd: '10', period: 'weekly' }, 'create'))).toBe('--period must be day, month or total, got "weekly"');
    expect(usage(() => teamBody({ name: 'x', alertAt: '0.8' }, 'create'))).toBe('--alert-at needs a budget: give --budget-usd and --period too');
    for (const alert of ['0', '1.5', '150%', 'high', '']) {
      expect(usage(() => teamBody({ name: 'x', budgetUsd: '1', period: 'day', alertAt: alert }, 'create'))).toMatch(/^--alert-at must be a fraction of the budget, 0 < x <= 1/);
    }
    expect(usage(() => teamBody({ name: 'x', rpm: '1.5' }, 'create'))).toBe('--rpm must be a positive whole number of requests per minute, got "1.5"');
    expect(usage(() => teamBody({ name: 'x', tpm: '0' }, 'create'))).toBe('--tpm must be a positive whole number of tokens per minute, got "0"');
    expect(usage(() => teamBody({ name: 'x', models: ' , ' }, 'create'))).toBe('--models needs at least one name, comma-separated (e.g. --models a,b), got " , "');
    expect(usage(() => teamBody({ name: 'x', retentionDays: '3651' }, 'create'))).toBe('--retention-days must be at most 3650, got "3651"');
    expect(usage(() => teamBody({ name: 'x', defaultRoute: '' }, 'create'))).toBe('--default-route must not be empty: give a route, model or alias');
    expect(usage(() => teamBody({ name: 'x', clearBudget: true }, 'create'))).toBe('--clear-budget is for teams update: a new team has nothing to clear');
  });

  it('teams update: only what changes; --clear-* send null; partial limits and data policy keep the rest', () => {
    expect(teamBody({ budgetUsd: '500', period: 'month' }, 'update')).toEqual({ budget: { limit_usd: 500, period: 'month' } });
    expect(teamBody({ clearBudget: true, clearRateLimits: true, clearModels: true, clearProviders: true, clearDefaultRoute: true }, 'update')).toEqual({
      budget: null,
      rate_limits: null,
      allowed_models: null,
      allowed_providers: null,
      default_route: null,
    });
    expect(teamBody({ name: 'renamed', cache: true }, 'update')).toEqual({ name: 'renamed', cache: true });

    // the API replaces rate_limits whole: --rpm or --tpm alone merges the current other limit
    expect(updateNeedsCurrent({ tpm: '10' })).toBe(true);
    expect(updateNeedsCurrent({ rpm: '10' })).toBe(true);
    expect(updateNeedsCurrent({ rpm: '1', tpm: '10' })).toBe(false);
    expect(updateNeedsCurrent({ budgetUsd: '1', period: 'day', cache: false, logPrompts: false })).toBe(false);
    expect(teamBody({ tpm: '1000' }, 'update', TEAM)).toEqual({ rate_limits: { rpm: 600, tpm: 1000 } });
    expect(teamBody({ tpm: '1000' }, 'update', { ...TEAM, rate_limits: null })).toEqual({ rate_limits: { tpm: 1000 } });
    // data_policy: the API changes only the fields sent
    expect(teamBody({ logPrompts: false }, 'update', TEAM)).toEqual({ data_policy: { log_prompts: false } });
    expect(teamBody({ retentionDays: '3' }, 'update')).toEqual({ data_policy: { retention_days: 3 } });

    expect(usage(() => teamBody({}, 'update'))).toBe('nothing to change: give at least one option (switchyard teams update --help lists them)');
    expect(usage(() => teamBody({ budgetUsd: '5', period: 'day', clearBudget: true }, 'update'))).toBe('--budget-usd and --clear-budget contradict each other: give one of them');
    expect(usage(() => teamBody({ rpm: '5', clearRateLimits: true }, 'update'))).toBe('--rpm and --clear-rate-limits contradict each other: give one of them');
    expect(usage(() => teamBody({ models: 'a', clearModels: true }, 'update'))).toMatch(/^--models and --clear-models contradict/);
    expect(usage(() => teamBody({ budgetUsd: '5' }, 'update'))).toBe('--budget-usd needs --period: day, month or total');
  });

  it('keys create', () => {
    expect(keyBody({ team: 'team_abc', name: 'ci', models: 'sim-small', budgetUsd: '20', period: 'day', alertAt: '0.9', rpm: '60', tpm: '6000', expiresAt: '2027-01-01T00:00:00Z' })).toEqual({
      team_id: 'team_abc',
      name: 'ci',
      models: ['sim-small'],
      budget: { limit_usd: 20, period: 'day', alert_at: 0.9 },
      rate_limits: { rpm: 60, tpm: 6000 },
      expires_at: '2027-01-01T00:00:00Z',
    });
    expect(keyBody({ admin: true, name: 'ops' })).toEqual({ role: 'admin', name: 'ops' });
    expect(keyBody({ team: 'team_abc', name: 'ci', expiresAt: '2027-01-01T00:00:00+02:00' }).expires_at).toBe('2027-01-01T00:00:00+02:00');

    expect(usage(() => keyBody({ team: 'team_abc' }))).toBe('--name is required: a name for the key (e.g. the service that will use it)');
    expect(usage(() => keyBody({ name: 'ci' }))).toBe('--team is required: the id of the team the key belongs to (switchyard teams list shows them), or --admin for an admin key');
    expect(usage(() => keyBody({ name: 'ci', team: 't', admin: true }))).toBe('--admin keys belong to no team: drop --team (or drop --admin for a team key)');
    for (const bad of ['tomorrow', '2027-01-01', '2027-01-01T00:00:00', '1767225600']) {
      expect(usage(() => keyBody({ team: 't', name: 'ci', expiresAt: bad }))).toBe(`--expires-at must be an ISO 8601 time with a time zone, e.g. 2027-01-01T00:00:00Z, got "${bad}"`);
    }
    expect(usage(() => keyBody({ team: 't', name: 'ci', budgetUsd: '5' }))).toBe('--budget-usd needs --period: day, month or total');
    expect(usage(() => keyBody({ team: 't', name: 'ci', rpm: 'many' }))).toMatch(/^--rpm must be a positive whole number/);
  });

  it('spend', () => {
    expect(spendQuery({}).toString()).toBe('group_by=team');
    expect(spendQuery({ by: 'model', from: '2026-01-01', to: '2026-02-01T00:00:00Z', team: 'team_abc' }).toString()).toBe('group_by=model&from=2026-01-01&to=2026-02-01T00%3A00%3A00Z&team_id=team_abc');
    expect(usage(() => spendQuery({ by: 'week' }))).toBe('--by must be team, key, model, provider or day, got "week"');
    expect(usage(() => spendQuery({ from: 'last tuesday' }))).toBe('--from must be a date (2026-01-31) or an ISO 8601 time with a time zone (2026-01-31T12:00:00Z), got "last tuesday"');
    expect(usage(() => spendQuery({ to: '2026-02-30T00:00:00' }))).toMatch(/^--to must be a date/);
    expect(usage(() => spendQuery({ from: '2026-02-01', to: '2026-01-01' }))).toBe('--from must be before --to (got 2026-02-01 .. 2026-01-01)');
  });

  it('connection: --url/--admin-key, else the environment, else the defaults; bad URLs are usage errors', () => {
    expect(resolveConnection({}, { SWITCHYARD_ADMIN_KEY: 'a' })).toEqual({ url: 'http://127.0.0.1:8080', adminKey: 'a' });
    expect(resolveConnection({}, { SWITCHYARD_URL: 'https://gw.example/switchyard/', SWITCHYARD_MASTER_KEY: 'm' })).toEqual({ url: 'https://gw.example/switchyard', adminKey: 'm' });
    expect(resolveConnection({ url: 'http://h:1234', adminKey: 'flag' }, { SWITCHYARD_URL: 'http://env', SWITCHYARD_ADMIN_KEY: 'a', SWITCHYARD_MASTER_KEY: 'm' })).toEqual({ url: 'http://h:1234', adminKey: 'flag' });
    expect(resolveConnection({}, { SWITCHYARD_ADMIN_KEY: 'a', SWITCHYARD_MASTER_KEY: 'm' }).adminKey).toBe('a');
    expect(usage(() => resolveConnection({}, {}))).toBe('no admin key: set SWITCHYARD_ADMIN_KEY (or SWITCHYARD_MASTER_KEY), or pass --admin-key <key>');
    expect(usage(() => resolveConnection({ url: 'localhost:8080' }, { SWITCHYARD_ADMIN_KEY: 'a' }))).toBe('--url must be an http:// or https:// URL, got "localhost:8080"');
    expect(usage(() => resolveConnection({ url: 'not a url' }, { SWITCHYARD_ADMIN_KEY: 'a' }))).toMatch(/^--url must be the gateway's base URL/);
    expect(usage(() => resolveConnection({ url: 'http://admin:secret@h' }, { SWITCHYARD_ADMIN_KEY: 'a' }))).toMatch(/^--url must not contain credentials/);
  });

  it('an unreachable gateway is one line from fetch\'s cause', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' }) });
    expect(unreachableMessage('http://127.0.0.1:8080', refused)).toBe('cannot reach Switchyard at http://127.0.0.1:8080: connect ECONNREFUSED 127.0.0.1:8080');
    const both = new TypeError('fetch failed', { cause: Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:8080'), { code: 'ECONNREFUSED' })], ''), { code: 'ECONNREFUSED' }) });
    expect(unreachableMessage('http://localhost:8080', both)).toBe('cannot reach Switchyard at http://localhost:8080: connect ECONNREFUSED ::1:8080');
    const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND gw.invalid'), { code: 'ENOTFOUND' }) });
    expect(unreachableMessage('http://gw.invalid', dns)).toBe('cannot reach Switchyard at http://gw.invalid: getaddrinfo ENOTFOUND gw.invalid');
    expect(unreachableMessage('http://h', new DOMException('timed out', 'TimeoutError'))).toBe('no answer from Switchyard at http://h within 30 s');
  });
});

describe('tables', () => {
  it('pads columns like route --explain, right-aligns where asked, trims trailing blanks', () => {
    expect(table(['A', 'LONG', 'C'], [['xx', 'y', ''], ['z', 'wwwwww', 'v']])).toBe('A   LONG    C\nxx  y\nz   wwwwww  v\n');
    expect(table(['N', 'COUNT'], [['a', '5'], ['b', '1,000']], ['left', 'right'])).toBe('N  COUNT\na      5\nb  1,000\n');
  });

  it('money is exact: no rounding, trailing zeros dropped, cents kept', () => {
    expect(usd(250)).toBe('$250');
    expect(usd(0.5)).toBe('$0.50');
    expect(usd(12.345)).toBe('$12.345');
    expect(usd(1e9)).toBe('$1,000,000,000');
    expect(usd('0.002560000')).toBe('$0.00256');
    expect(usd('0.000000001')).toBe('$0.000000001');
    expect(usd('0.000000000')).toBe('$0');
    expect(usd('9223372036.854775807')).toBe('$9,223,372,036.854775807');
    expect(usd('-1.500000000')).toBe('-$1.50');
    expect(formatBudget({ limit_usd: 250, period: 'month', alert_at: 0.8 })).toBe('$250/month, alert at 80%');
    expect(formatBudget({ limit_usd: 5, period: 'total' })).toBe('$5 total');
    expect(formatBudget(null)).toBe('-');
    expect(formatRateLimits({ tpm: 200000 })).toBe('200,000 tpm');
    expect(formatRateLimits({})).toBe('-');
  });

  it('teams', () => {
    expect(formatTeamList([TEAM, { ...TEAM, id: 'team_b', name: 'b', budget: null, rate_limits: null, allowed_models: null, cache: false }])).toBe(
      [
        'ID        NAME      BUDGET                    RATE LIMITS           MODELS                CACHE',
        'team_abc  research  $250/month, alert at 80%  600 rpm, 200,000 tpm  reasoning, sim-small  on',
        'team_b    b         -                         -                     any                   off',
        '',
      ].join('\n'),
    );
    expect(formatTeam({ ...TEAM, budget_status: { spent_usd: '12.500000000', reserved_usd: '0.040000000', remaining_usd: '237.460000000', resets_at: '2026-02-01T00:00:00.000Z', alerting: true } })).toMatch(
      /^Budget status: +spent \$12\.50, reserved \$0\.04, remaining \$237\.46; resets 2026-02-01T00:00:00\.000Z; ALERT: past the alert threshold$/m,
    );
    expect(formatTeam({ ...TEAM, budget: { limit_usd: 5, period: 'total' }, budget_status: { spent_usd: '0.000000000', reserved_usd: '0.000000000', remaining_usd: '5.000000000', resets_at: null, alerting: false } })).toMatch(
      /^Budget status: +spent \$0, reserved \$0, remaining \$5; never resets$/m,
    );
    expect(formatTeam({ ...TEAM, budget_status: null })).toMatch(/^Budget status: +unavailable just now/m);
    expect(formatTeamList([])).toBe('No teams yet: switchyard teams create --name <name>\n');
    expect(formatTeam(TEAM)).toBe(
      [
        'Team:            research (team_abc)',
        'Budget:          $250/month, alert at 80%',
        'Rate limits:     600 rpm, 200,000 tpm',
        'Per model:       sim-small: 5 rpm',
        'Models:          reasoning, sim-small',
        'Providers:       any',
        'Default route:   reasoning',
        'Prompts:         logged, kept 14 days',
        'Cache:           on',
        'Own credentials: openai',
        'Created:         2026-01-05T09:30:00.000Z',
        'Updated:         2026-01-06T10:00:00.000Z',
        '',
      ].join('\n'),
    );
  });

  it('keys: status as of now, never a secret; the created key with its warning', () => {
    const now = Date.parse('2026-06-01T00:00:00Z');
    const keys: KeyJson[] = [
      KEY,
      { ...KEY, id: 'key_2', name: 'old', expires_at: '2026-05-01T00:00:00.000Z', budget: null, rate_limits: null, models: ['sim-small'] },
      { ...KEY, id: 'key_3', name: 'gone', revoked_at: '2026-05-02T00:00:00.000Z' },
      { ...KEY, id: 'key_4', name: 'ops', role: 'admin', team_id: null, budget: null, rate_limits: null },
    ];
    expect(formatKeyList(keys, now)).toBe(
      [
        'ID     NAME  TEAM      ROLE   PREFIX        MODELS     BUDGET     RATE LIMITS  EXPIRES                   STATUS',
        "key_1  ci    team_abc  team   sk-swy-AbCd…  team's     $0.50/day  60 rpm       never                     active",
        'key_2  old   team_abc  team   sk-swy-AbCd…  sim-small  -          -            2026-05-01T00:00:00.000Z  expired',
        "key_3  gone  team_abc  team   sk-swy-AbCd…  team's     $0.50/day  60 rpm       never                     revoked",
        'key_4  ops   -         admin  sk-swy-AbCd…  -          -          -            never                     active',
        '',
      ].join('\n'),
    );
    expect(formatKeyList([], now)).toMatch(/^No keys/);
    const created = formatCreatedKey({ ...KEY, key: 'sk-swy-SECRET-0123456789' });
    expect(created).toBe('Created key key_1 "ci" (for team team_abc).\n\n    sk-swy-SECRET-0123456789\n\nThis secret is shown only this once: store it now. Switchyard keeps only its hash (it lists the key as sk-swy-AbCd…).\n');
  });

  it('spend: the window, a row per group and the total, numbers right-aligned', () => {
    const counts = { cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
    const report: SpendReportJson = {
      object: 'spend',
      group_by: 'model',
      from: '2026-01-01T00:00:00.000Z',
      to: null,
      data: [
        { group: 'sim-large', requests: 1200, input_tokens: 1234567, output_tokens: 89, ...counts, reasoning_tokens: 12, cost_usd: '3.700000000', cost_nanos: '3700000000' },
        { group: 'sim-small', requests: 3, input_tokens: 10, output_tokens: 20, ...counts, cost_usd: '0.000009000', cost_nanos: '9000' },
      ],
      total: { requests: 1203, input_tokens: 1234577, output_tokens: 109, ...counts, reasoning_tokens: 12, cost_usd: '3.700009000', cost_nanos: '3700009000' },
    };
    expect(formatSpend(report)).toBe(
      [
        'Spend by model, from 2026-01-01T00:00:00.000Z to now',
        '',
        'MODEL      REQUESTS      INPUT  OUTPUT  CACHE READ  CACHE WRITE  REASONING       COST',
        'sim-large     1,200  1,234,567      89           0            0         12      $3.70',
        'sim-small         3         10      20           0            0          0  $0.000009',
        'TOTAL         1,203  1,234,577     109           0            0         12  $3.700009',
        '',
      ].join('\n'),
    );
    expect(formatSpend({ ...report, from: null, data: [] })).toBe('Spend by model, all time\n\nNo requests in this window.\n');
  });
});

/** The commands in-process, with a recording fetch. */
function harness(responses: Array<{ status: number; body: unknown } | Error>, env: NodeJS.ProcessEnv = { SWITCHYARD_URL: 'http://gw.test:8080', SWITCHYARD_ADMIN_KEY: 'sk-admin-SECRET' }) {
  const calls: Array<{ url: string; method: string; headers: Record<string, string>; body: unknown }> = [];
  const out = { stdout: '', stderr: '', code: 0 };
  const io: Partial<AdminIo> = {
    env,
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body: init.body ? JSON.parse(init.body as string) : undefined });
      const next = responses.shift();
      if (!next) throw new Error('unexpected request');
      if (next instanceof Error) throw next;
      return new Response(JSON.stringify(next.body), { status: next.status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch,
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    exit: (code: number) => {
      out.code = code;
    },
    exitNow: ((code: number) => {
      throw new Error(`exitNow(${code})`);
    }) as AdminIo['exitNow'],
    now: () => Date.parse('2026-06-01T00:00:00Z'),
  };
  const program = new Command().name('switchyard');
  registerAdminCommands(program, io);
  const run = async (...args: string[]) => {
    await program.parseAsync(['node', 'switchyard', ...args]);
    return out;
  };
  return { calls, out, run };
}

describe('commands (in-process, recorded requests)', () => {
  it('teams create: POST /admin/teams with the body and the admin key; --json prints the API JSON', async () => {
    const { calls, run } = harness([{ status: 201, body: TEAM }]);
    const out = await run('teams', 'create', '--name', 'research', '--budget-usd', '250', '--period', 'month', '--no-cache', '--json');
    expect(calls).toEqual([
      {
        url: 'http://gw.test:8080/admin/teams',
        method: 'POST',
        headers: { authorization: 'Bearer sk-admin-SECRET', accept: 'application/json', 'content-type': 'application/json' },
        body: { name: 'research', budget: { limit_usd: 250, period: 'month' }, cache: false },
      },
    ]);
    expect(JSON.parse(out.stdout)).toEqual(TEAM);
    expect(out.code).toBe(0);
  });

  it('teams update with --rpm alone reads the team first and keeps its tpm', async () => {
    const { calls, run } = harness([
      { status: 200, body: TEAM },
      { status: 200, body: { ...TEAM, rate_limits: { rpm: 100, tpm: 200000 } } },
    ]);
    const out = await run('teams', 'update', 'team_abc', '--rpm', '100');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET http://gw.test:8080/admin/teams/team_abc', 'PATCH http://gw.test:8080/admin/teams/team_abc']);
    expect(calls[1].body).toEqual({ rate_limits: { rpm: 100, tpm: 200000 } });
    expect(out.stdout).toMatch(/^Updated team team_abc\.\n\nTeam: +research/);
    expect(out.stdout).toMatch(/^Rate limits: +100 rpm, 200,000 tpm$/m);
  });

  it('keys: create prints the secret once (with --json the warning goes to stderr), list filters by team, revoke deletes by id', async () => {
    const created = { ...KEY, key: 'sk-swy-NEWSECRET' };
    const h = harness([
      { status: 201, body: created },
      { status: 201, body: created },
      { status: 200, body: { object: 'list', data: [KEY] } },
      { status: 200, body: { ...KEY, revoked_at: '2026-06-01T00:00:00.000Z' } },
    ]);
    let out = await h.run('keys', 'create', '--team', 'team_abc', '--name', 'ci');
    expect(h.calls[0].body).toEqual({ team_id: 'team_abc', name: 'ci' });
    expect(out.stdout).toContain('\n    sk-swy-NEWSECRET\n');
    expect(out.stdout).toContain('shown only this once');
    expect(out.stderr).toBe('');
    out.stdout = '';
    out = await h.run('keys', 'create', '--team', 'team_abc', '--name', 'ci', '--json');
    expect(JSON.parse(out.stdout)).toEqual(created);
    expect(out.stderr).toBe('switchyard keys create: the secret "key" is shown only this once: store it now.\n');
    out.stdout = '';
    out = await h.run('keys', 'list', '--team', 'team abc');
    expect(h.calls[2].url).toBe('http://gw.test:8080/admin/keys?team_id=team+abc');
    expect(out.stdout).toMatch(/^key_1 +ci +team_abc +team/m);
    out.stdout = '';
    out = await h.run('keys', 'revoke', 'key_1');
    expect(h.calls[3]).toMatchObject({ method: 'DELETE', url: 'http://gw.test:8080/admin/keys/key_1', body: undefined });
    expect(out.stdout).toBe('Revoked key key_1 "ci" (team team_abc, sk-swy-AbCd…) at 2026-06-01T00:00:00.000Z: it is refused on every replica within seconds.\n');
  });

  it('spend: GET /admin/spend with the query', async () => {
    const report = { object: 'spend', group_by: 'day', from: null, to: null, data: [], total: { requests: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost_usd: '0.000000000', cost_nanos: '0' } };
    const { calls, run } = harness([{ status: 200, body: report }]);
    const out = await run('spend', '--by', 'day', '--team', 'team_abc');
    expect(calls[0].url).toBe('http://gw.test:8080/admin/spend?group_by=day&team_id=team_abc');
    expect(out.stdout).toBe('Spend by day, all time\n\nNo requests in this window.\n');
  });

  it('usage errors: exit 2, one line naming the option, and no request', async () => {
    for (const args of [
      ['teams', 'create', '--name', 'x', '--budget-usd', '-1', '--period', 'day'],
      ['teams', 'update', 'team_abc', '--tpm', 'lots'],
      ['keys', 'create', '--name', 'ci'],
      ['keys', 'revoke', 'sk-swy-oops'],
      ['spend', '--by', 'team', '--to', 'soon'],
    ]) {
      const { calls, run } = harness([]);
      const out = await run(...args);
      expect(calls, args.join(' ')).toEqual([]);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(new RegExp(`^switchyard ${args[0]}${args[0] === 'spend' ? '' : ` ${args[1]}`}: [^\\n]+\\n$`));
    }
    // commander's own errors go through the same exit (2) and prefix
    const { run, out } = harness([]);
    await expect(run('teams', 'list', '--nope')).rejects.toThrow('exitNow(2)');
    expect(out.stderr).toBe("switchyard teams list: unknown option '--nope'\n");
  });

  it('API errors: exit 1 with the API message (the admin key scrubbed); non-JSON answers say what came back', async () => {
    let h = harness([{ status: 404, body: { error: { message: "No team with id 'team_x' (GET /admin/teams lists them).", type: 'invalid_request_error', param: null, code: 'SWY_ERR_TEAM_NOT_FOUND' } } }]);
    let out = await h.run('teams', 'show', 'team_x');
    expect(out).toEqual({ stdout: '', stderr: "switchyard teams show: No team with id 'team_x' (GET /admin/teams lists them).\n", code: 1 });

    h = harness([{ status: 400, body: { error: { message: "No team with id 'sk-admin-SECRET'", type: 'invalid_request_error', param: null, code: null } } }]);
    out = await h.run('teams', 'show', 'sk-admin-SECRET');
    expect(out.stderr).toBe("switchyard teams show: No team with id '[admin key]'\n");

    h = harness([]);
    const fetchHtml = (async () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' })) as typeof fetch;
    const program = new Command();
    const io = { stdout: { write: () => true }, stderr: { write: (t: string) => (out.stderr = t) }, exit: (c: number) => (out.code = c), env: { SWITCHYARD_ADMIN_KEY: 'k' }, fetch: fetchHtml };
    registerAdminCommands(program, io);
    await program.parseAsync(['node', 'switchyard', 'teams', 'list']);
    expect(out.stderr).toBe('switchyard teams list: GET http://127.0.0.1:8080/admin/teams: HTTP 502 Bad Gateway: <html>Bad Gateway</html> (is this a Switchyard gateway?)\n');
    expect(out.code).toBe(1);
  });

  it('an unreachable gateway: one line, exit 1', async () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8080'), { code: 'ECONNREFUSED' }) });
    const { run } = harness([refused], { SWITCHYARD_URL: 'http://10.0.0.1:8080', SWITCHYARD_MASTER_KEY: 'sk-admin-SECRET' });
    const out = await run('teams', 'list');
    expect(out).toEqual({ stdout: '', stderr: 'switchyard teams list: cannot reach Switchyard at http://10.0.0.1:8080: connect ECONNREFUSED 10.0.0.1:8080\n', code: 1 });
  });
});
