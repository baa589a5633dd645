import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ResolvedConfig } from '../../config/resolve-config.js';
import { GatewayError, invalidRequest } from '../../spec/errors.js';
import { registerSecret } from '../../spec/redact-secrets.js';
import {
  DEFAULT_TEAM_POLICY,
  applyTeamFields,
  createKeyInput,
  createTeamInput,
  credentialsFromJson,
  describeIssues,
  keyJson,
  keyPolicyFromJson,
  patchTeamInput,
  spendQueryInput,
  spendRowJson,
  teamJson,
  nanosToUsd,
} from '../../tenancy/admin-json.js';
import { generateKey, hashKey, type Caller } from '../../tenancy/api-keys.js';
import type { CredentialVault } from '../../tenancy/credential-vault.js';
import type { TenancyBus } from '../../tenancy/limits-types.js';
import type { Admission } from '../../tenancy/admission.js';
import type { SpendRow, Team, TeamPolicy, TenancyStore } from '../../tenancy/tenancy-types.js';
import { TenancyConflictError } from '../../storage/tenancy-repository.js';
import { ADMIN_OPENAPI } from './admin-openapi.js';
import { auditNeutrality, type AuditRow } from '../../routing/learned/audit.js';
import type { RequestLog } from '../../tenancy/request-log.js';
import { registerRequestLogRoutes } from './request-logs.js';

export interface TenancyAdminDeps {
  config: ResolvedConfig;
  store: TenancyStore;
  vault: CredentialVault;
  /** Revocations and team changes reach every replica's key cache through it. */
  bus: TenancyBus;
  /** Budget status (spent, reserved, alerting) in GET /admin/teams/{id}. */
  admission?: Admission;
  /** Ledger rows with a decision receipt in a time range (GET /admin/audit/neutrality). */
  receipts?: (range: { from?: string; to?: string }) => Promise<AuditRow[]>;
  /** The prompts of teams that log them: GET /admin/logs and GET /v1/logs (routes/request-logs.ts); the chat pipeline records into it. */
  requestLog?: RequestLog;
}

/** Characters of a new key kept for display (`sk-swy-` and four of the secret). */
const DISPLAY_PREFIX_CHARS = 11;

/**
 * Teams, keys and spend under /admin (the admin key is checked in app.ts's onRequest hook), and the
 * team-scoped spend view at GET /v1/spend for team keys. Input is validated with the schemas of
 * tenancy/admin-json.ts; every error says which field to fix. Names a team may use (routes, models,
 * aliases, providers) must exist in the configuration.
 */
export function registerTenancyAdminRoutes(app: FastifyInstance, deps: TenancyAdminDeps): void {
  const { store, vault, bus, config } = deps;
  const route = { config: { dialect: 'openai-chat' as const } };

  app.post('/admin/teams', route, async (request, reply) => {
    const input = parse(createTeamInput, request.body);
    const policy = applyTeamFields({ ...DEFAULT_TEAM_POLICY, dataPolicy: { ...DEFAULT_TEAM_POLICY.dataPolicy } }, input);
    checkPolicyNames(config, policy);
    checkCredentialProviders(config, input.credentials);
    let team: Team;
    try {
      team = await store.createTeam({ name: input.name, policy });
    } catch (error) {
      throw conflictOr(error, `name: a team named '${input.name}' already exists.`);
    }
    if (input.credentials) team = (await saveCredentials(team, input.credentials)) ?? team;
    return reply.code(201).type('application/json').send(teamJson(team));
  });

  // The admin API's OpenAPI 3.1 document (admin key required, like everything under /admin).
  app.get('/admin/openapi.json', route, async (_request, reply) => reply.type('application/json').send(ADMIN_OPENAPI));

  app.get('/admin/teams', route, async () => ({ object: 'list', data: (await store.listTeams()).map(teamJson) }));

  app.get('/admin/teams/:id', route, async (request) => {
    const team = await requireTeam(store, idParam(request));
    const budget = team.policy.budget;
    if (!budget || !deps.admission) return teamJson(team);
    let status: Record<string, unknown> | null = null;
    try {
      const now = await deps.admission.budgetStatus('team', team.id, budget);
      status = {
        spent_usd: nanosToUsd(now.spentNanos),
        reserved_usd: nanosToUsd(now.reservedNanos),
        remaining_usd: nanosToUsd(Math.max(0, now.limitNanos - now.spentNanos - now.reservedNanos)),
        resets_at: Number.isFinite(now.resetsAtMs) ? new Date(now.resetsAtMs).toISOString() : null,
        alerting: now.alerting,
      };
    } catch {
      // The shared counters are unreachable: the team is shown without its live budget status.
    }
    return { ...teamJson(team), budget_status: status };
  });

  app.patch('/admin/teams/:id', route, async (request) => {
    const id = idParam(request);
    const input = parse(patchTeamInput, request.body);
    const current = await requireTeam(store, id);
    const policy = applyTeamFields(current.policy, input);
    checkPolicyNames(config, policy);
    checkCredentialProviders(config, input.credentials);
    let team: Team | undefined;
    try {
      team = await store.updateTeam(id, { ...(input.name !== undefined ? { name: input.name } : {}), policy });
    } catch (error) {
      throw conflictOr(error, `name: a team named '${input.name}' already exists.`);
    }
    if (!team) throw notFound('team', id);
    if (input.credentials) team = (await saveCredentials(team, input.credentials)) ?? team;
    await bus.publish({ type: 'team-changed', teamId: id });
    return teamJson(team);
  });

  app.post('/admin/keys', route, async (request, reply) => {
    const input = parse(createKeyInput, request.body);
    if (input.role === 'admin' && input.team_id) throw invalidRequest('team_id: admin keys belong to no team; leave team_id out or use role "team".', 'team_id');
    if (input.role === 'team' && !input.team_id) throw invalidRequest('team_id: required for a team key (GET /admin/teams lists the teams).', 'team_id');
    if (input.expires_at && Date.parse(input.expires_at) <= Date.now()) throw invalidRequest('expires_at: must be in the future.', 'expires_at');
    if (input.team_id) {
      const team = await requireTeam(store, input.team_id);
      const allowed = team.policy.allowedModels;
      const outside = allowed && input.models ? input.models.filter((name) => !allowed.includes(name)) : [];
      if (outside.length > 0) {
        throw invalidRequest(`models: a key can only narrow its team's models; the team may not use ${outside.map((n) => `'${n}'`).join(', ')} (allowed: ${allowed!.join(', ')}).`, 'models');
      }
    }
    if (input.models) checkNames(config, input.models, 'models');
    const secret = generateKey();
    registerSecret(secret);
    const key = await store.createKey({
      ...(input.team_id ? { teamId: input.team_id } : {}),
      name: input.name,
      role: input.role,
      keyHash: hashKey(secret),
      prefix: secret.slice(0, DISPLAY_PREFIX_CHARS),
      policy: keyPolicyFromJson(input),
      ...(input.expires_at ? { expiresAt: new Date(input.expires_at).toISOString() } : {}),
    });
    // A negative cache entry for this digest (someone tried it before it existed) must not outlive its creation.
    await bus.publish({ type: 'key-changed', keyHash: hashKey(secret) });
    return reply.code(201).type('application/json').send({ ...keyJson(key), key: secret });
  });

  app.get('/admin/keys', route, async (request) => {
    const query = request.query as Record<string, unknown>;
    const teamId = typeof query.team_id === 'string' && query.team_id !== '' ? query.team_id : undefined;
    for (const name of Object.keys(query)) if (name !== 'team_id') throw invalidRequest(`${name}: unknown query parameter; the only filter is team_id.`, name);
    return { object: 'list', data: (await store.listKeys(teamId ? { teamId } : {})).map(keyJson) };
  });

  app.delete('/admin/keys/:id', route, async (request) => {
    const id = idParam(request);
    const revoked = await store.revokeKey(id);
    if (!revoked) throw notFound('key', id);
    await bus.publish({ type: 'key-revoked', keyHash: revoked.keyHash });
    return keyJson(revoked.key);
  });

  if (deps.requestLog) registerRequestLogRoutes(app, deps.requestLog);

  app.get('/admin/audit/neutrality', route, async (request) => {
    if (!deps.receipts) throw new GatewayError({ code: 'SWY_ERR_NOT_AVAILABLE', kind: 'not_found', origin: 'gateway', message: 'The neutrality audit needs the ledger store.' });
    const query = request.query as Record<string, unknown>;
    const range: { from?: string; to?: string } = {};
    for (const name of Object.keys(query)) {
      if (name !== 'from' && name !== 'to') throw invalidRequest(`${name}: unknown query parameter; use from and to (ISO times).`, name);
      const value = query[name];
      const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (!Number.isFinite(time)) throw invalidRequest(`${name}: must be an ISO 8601 time or date, e.g. 2026-12-01.`, name);
      range[name] = new Date(time).toISOString();
    }
    return auditNeutrality(await deps.receipts(range), range);
  });

  app.get('/admin/spend', route, async (request) => spendReport(store, request.query, undefined));

  // Team keys see their own team's spend, and only theirs.
  app.get('/v1/spend', route, async (request) => {
    const caller = request.caller as Caller;
    if (!caller.teamId) {
      throw new GatewayError({ code: 'SWY_ERR_TEAM_KEY_REQUIRED', kind: 'permission', origin: 'client', message: 'GET /v1/spend shows a team its own spend: call it with a team key (admins use GET /admin/spend).' });
    }
    const query = { ...(request.query as Record<string, unknown>) };
    if (query.team_id !== undefined && query.team_id !== caller.teamId) {
      throw new GatewayError({ code: 'SWY_ERR_OTHER_TEAM', kind: 'permission', origin: 'client', param: 'team_id', message: 'team_id: a team key can only read its own team.' });
    }
    delete query.team_id;
    if (query.group_by === 'team') throw invalidRequest('group_by: a team key sees one team; group by key, model, provider or day.', 'group_by');
    return spendReport(store, { group_by: 'key', ...query }, caller.teamId);
  });

  async function saveCredentials(team: Team, credentials: NonNullable<z.output<typeof patchTeamInput>['credentials']>): Promise<Team | undefined> {
    for (const [provider, value] of Object.entries(credentials)) {
      await store.setTeamCredential(team.id, provider, value === null ? null : vault.seal(team.id, provider, credentialsFromJson(value)));
    }
    await bus.publish({ type: 'team-changed', teamId: team.id });
    return store.getTeam(team.id);
  }
}

async function spendReport(store: TenancyStore, rawQuery: unknown, teamId: string | undefined) {
  const query = parse(spendQueryInput, rawQuery);
  const from = query.from ? new Date(query.from).toISOString() : undefined;
  const to = query.to ? new Date(query.to).toISOString() : undefined;
  const rows = await store.spend({ groupBy: query.group_by, ...(from ? { from } : {}), ...(to ? { to } : {}), ...((teamId ?? query.team_id) ? { teamId: teamId ?? query.team_id } : {}) });
  const total: SpendRow = { group: 'total', requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costNanos: 0n };
  for (const row of rows) {
    total.requests += row.requests;
    total.inputTokens += row.inputTokens;
    total.outputTokens += row.outputTokens;
    total.cacheReadTokens += row.cacheReadTokens;
    total.cacheWriteTokens += row.cacheWriteTokens;
    total.reasoningTokens += row.reasoningTokens;
    total.costNanos += row.costNanos;
  }
  const { group: _group, ...totalJson } = spendRowJson(total);
  return { object: 'spend', group_by: query.group_by, from: from ?? null, to: to ?? null, data: rows.map(spendRowJson), total: totalJson };
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', undefined, 'SWY_ERR_INVALID_BODY');
  }
  const result = schema.safeParse(body);
  if (!result.success) throw invalidRequest(describeIssues(result.error), result.error.issues[0]?.path.map(String).join('.') || undefined);
  return result.data;
}

function idParam(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

async function requireTeam(store: TenancyStore, id: string): Promise<Team> {
  const team = await store.getTeam(id);
  if (!team) throw notFound('team', id);
  return team;
}

function notFound(what: 'team' | 'key', id: string): GatewayError {
  return new GatewayError({
    code: what === 'team' ? 'SWY_ERR_TEAM_NOT_FOUND' : 'SWY_ERR_KEY_NOT_FOUND',
    kind: 'not_found',
    origin: 'client',
    message: `No ${what} with id '${id}' (GET /admin/${what}s lists them).`,
  });
}

/** A unique-constraint violation becomes a 409 naming the field; anything else is rethrown. */
function conflictOr(error: unknown, message: string): unknown {
  if (error instanceof TenancyConflictError) return new GatewayError({ code: 'SWY_ERR_CONFLICT', kind: 'invalid_request', origin: 'client', status: 409, param: 'name', message });
  return error;
}

function isKnownName(config: ResolvedConfig, name: string): boolean {
  return config.findRoute(name) !== undefined || config.findModel(name) !== undefined;
}

function checkNames(config: ResolvedConfig, names: readonly string[], field: string): void {
  const unknown = names.filter((name) => !isKnownName(config, name));
  if (unknown.length > 0) throw invalidRequest(`${field}: ${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a route, model or alias of this gateway (GET /v1/models lists them).`, field);
}

function checkPolicyNames(config: ResolvedConfig, policy: TeamPolicy): void {
  if (policy.allowedModels) checkNames(config, policy.allowedModels, 'allowed_models');
  if (policy.modelRateLimits) checkNames(config, Object.keys(policy.modelRateLimits), 'model_rate_limits');
  if (policy.defaultRoute) {
    checkNames(config, [policy.defaultRoute], 'default_route');
    if (policy.allowedModels && !policy.allowedModels.includes(policy.defaultRoute)) {
      throw invalidRequest(`default_route: '${policy.defaultRoute}' is not in the team's allowed_models.`, 'default_route');
    }
  }
  if (policy.allowedProviders) {
    const unknown = policy.allowedProviders.filter((name) => config.providers[name] === undefined);
    if (unknown.length > 0) throw invalidRequest(`allowed_providers: ${unknown.join(', ')}: no such provider (configured: ${Object.keys(config.providers).join(', ')}).`, 'allowed_providers');
  }
}

function checkCredentialProviders(config: ResolvedConfig, credentials: Record<string, unknown> | undefined): void {
  if (!credentials) return;
  for (const [provider, value] of Object.entries(credentials)) {
    const configured = config.providers[provider];
    if (!configured) throw invalidRequest(`credentials.${provider}: no such provider (configured: ${Object.keys(config.providers).join(', ')}).`, `credentials.${provider}`);
    if (value === null) continue;
    const aws = typeof value === 'object' && value !== null && 'aws_access_key_id' in value;
    if (aws && configured.type !== 'bedrock') throw invalidRequest(`credentials.${provider}: AWS keys are for Bedrock providers; '${provider}' is ${configured.type}: send api_key.`, `credentials.${provider}`);
    if (configured.type === 'simulated') throw invalidRequest(`credentials.${provider}: simulated providers take no credentials.`, `credentials.${provider}`);
  }
}
