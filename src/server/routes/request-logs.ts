import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayError, invalidRequest } from '../../spec/errors.js';
import { describeIssues } from '../../tenancy/admin-json.js';
import type { Caller } from '../../tenancy/api-keys.js';
import type { RequestLog } from '../../tenancy/request-log.js';
import type { RequestLogRow } from '../../storage/request-log-repository.js';

/** Rows per page by default, and at most. */
export const REQUEST_LOG_DEFAULT_LIMIT = 50;
export const REQUEST_LOG_MAX_LIMIT = 500;

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).or(z.iso.date());

export const logsQueryInput = z
  .object({
    team_id: z.string().min(1).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce
      .number({ message: `must be an integer from 1 to ${REQUEST_LOG_MAX_LIMIT}` })
      .int(`must be an integer from 1 to ${REQUEST_LOG_MAX_LIMIT}`)
      .min(1, `must be an integer from 1 to ${REQUEST_LOG_MAX_LIMIT}`)
      .max(REQUEST_LOG_MAX_LIMIT, `at most ${REQUEST_LOG_MAX_LIMIT} rows per call (page back with to=<created_at of the last row>)`)
      .default(REQUEST_LOG_DEFAULT_LIMIT),
  })
  .strict();

/**
 * One logged request. `request` is the body as the client sent it (credentials the gateway holds
 * replaced by `[redacted]`): a JSON value, or when `truncated` the first 64 KiB of its JSON text.
 */
export function requestLogJson(row: RequestLogRow) {
  let request: unknown = row.request;
  if (!row.truncated) {
    try {
      request = JSON.parse(row.request);
    } catch {
      request = row.request;
    }
  }
  return {
    id: row.id,
    object: 'request_log',
    request_id: row.request_id,
    created_at: row.created_at,
    team_id: row.team_id,
    key_id: row.key_id,
    model: row.model,
    status: row.status,
    request,
    truncated: row.truncated === 1,
  };
}

/**
 * The request log (prompts of teams whose data policy logs them):
 * - GET /admin/logs?team_id=&from=&to=&limit= — admin keys (checked by app.ts's onRequest hook), any team;
 * - GET /v1/logs?from=&to=&limit= — a team key, its own team's rows only; a team_id naming another team is a 403.
 * Newest first; limit 50 by default, 500 at most; from inclusive, to exclusive.
 */
export function registerRequestLogRoutes(app: FastifyInstance, log: RequestLog): void {
  const route = { config: { dialect: 'openai-chat' as const } };

  app.get('/admin/logs', route, async (request) => list(log, request.query, undefined));

  app.get('/v1/logs', route, async (request) => {
    const caller = request.caller as Caller;
    if (!caller.teamId) {
      throw new GatewayError({ code: 'SWY_ERR_TEAM_KEY_REQUIRED', kind: 'permission', origin: 'client', message: "GET /v1/logs shows a team its own request log: call it with a team key (admins use GET /admin/logs)." });
    }
    const query = { ...(request.query as Record<string, unknown>) };
    if (query.team_id !== undefined && query.team_id !== caller.teamId) {
      throw new GatewayError({ code: 'SWY_ERR_OTHER_TEAM', kind: 'permission', origin: 'client', param: 'team_id', message: 'team_id: a team key can only read its own team.' });
    }
    delete query.team_id;
    return list(log, query, caller.teamId);
  });
}

async function list(log: RequestLog, rawQuery: unknown, teamId: string | undefined) {
  const parsed = logsQueryInput.safeParse(rawQuery ?? {});
  if (!parsed.success) throw invalidRequest(describeIssues(parsed.error), parsed.error.issues[0]?.path.map(String).join('.') || undefined);
  const query = parsed.data;
  const from = query.from ? new Date(query.from).toISOString() : undefined;
  const to = query.to ? new Date(query.to).toISOString() : undefined;
  const team = teamId ?? query.team_id;
  // One row more than asked tells whether there are more (older) rows.
  const rows = await log.store.list({ limit: query.limit + 1, ...(team ? { teamId: team } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) });
  return { object: 'list', data: rows.slice(0, query.limit).map(requestLogJson), has_more: rows.length > query.limit };
}
