/**
 * The admin API as an OpenAPI 3.1 document (served at GET /admin/openapi.json). The schemas mirror
 * tenancy/admin-json.ts field for field: request bodies follow its zod input schemas (required fields,
 * enums, bounds, `null` where a PATCH removes a setting, no unknown fields), responses follow teamJson,
 * keyJson and spendRowJson. test/unit/admin-openapi.test.ts compares the two, so a field added to one
 * and not the other fails the tests. Money goes in as a number of dollars (`limit_usd`) and comes out
 * of spend as exact decimal strings (`cost_usd`) and integer nano-dollar strings (`cost_nanos`).
 * This file holds the paths; the component schemas are in admin-openapi-schemas.ts.
 */
import { ref, names, json, errorResponse, ADMIN_SCHEMAS, type Json, type JsonObject } from './admin-openapi-schemas.js';

export type { Json, JsonObject } from './admin-openapi-schemas.js';

const TEAM_EXAMPLE: JsonObject = {
  id: 'team_3f9c2a7b1d',
  object: 'team',
  name: 'research',
  budget: { limit_usd: 250, period: 'month', alert_at: 0.8 },
  rate_limits: { rpm: 600, tpm: 200000 },
  model_rate_limits: null,
  allowed_models: ['reasoning', 'sim-small'],
  allowed_providers: null,
  default_route: 'reasoning',
  data_policy: { log_prompts: false, retention_days: 30 },
  cache: true,
  credentials: [],
  created_at: '2026-01-05T09:30:00.000Z',
  updated_at: '2026-01-05T09:30:00.000Z',
};

const KEY_EXAMPLE: JsonObject = {
  id: 'key_8b1e44c0a2',
  object: 'key',
  team_id: 'team_3f9c2a7b1d',
  name: 'ci',
  role: 'team',
  prefix: 'sk-swy-Q2xm',
  models: ['sim-small'],
  budget: { limit_usd: 20, period: 'day' },
  rate_limits: { rpm: 60 },
  expires_at: '2027-01-01T00:00:00.000Z',
  revoked_at: null,
  created_at: '2026-01-05T09:31:00.000Z',
};

const SPEND_EXAMPLE: JsonObject = {
  object: 'spend',
  group_by: 'model',
  from: '2026-01-01T00:00:00.000Z',
  to: null,
  data: [
    {
      group: 'sim-small',
      requests: 42,
      input_tokens: 12000,
      output_tokens: 3400,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      cost_usd: '0.002560000',
      cost_nanos: '2560000',
    },
  ],
  total: {
    requests: 42,
    input_tokens: 12000,
    output_tokens: 3400,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: '0.002560000',
    cost_nanos: '2560000',
  },
};

/** The team fields shared by POST and PATCH /admin/teams (admin-json.ts `teamFields`). */
const SPEND_PARAMETERS = (groups: string[], defaultGroup: string): Json[] => [
  {
    name: 'group_by',
    in: 'query',
    required: false,
    description: `What each row sums: ${groups.join(', ')}. \`day\` is the UTC day (YYYY-MM-DD).`,
    schema: { type: 'string', enum: groups, default: defaultGroup },
  },
  { name: 'from', in: 'query', required: false, description: 'Start, inclusive: an ISO 8601 time with offset or a date (YYYY-MM-DD).', schema: ref('TimeOrDate') },
  { name: 'to', in: 'query', required: false, description: 'End, exclusive: an ISO 8601 time with offset or a date (YYYY-MM-DD).', schema: ref('TimeOrDate') },
];

const LOG_PARAMETERS: Json[] = [
  { name: 'from', in: 'query', required: false, description: 'Start, inclusive: an ISO 8601 time with offset or a date (YYYY-MM-DD).', schema: ref('TimeOrDate') },
  { name: 'to', in: 'query', required: false, description: 'End, exclusive: an ISO 8601 time with offset or a date (YYYY-MM-DD).', schema: ref('TimeOrDate') },
  { name: 'limit', in: 'query', required: false, description: 'Rows per page.', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
];

const LOG_PAGE_EXAMPLE: JsonObject = {
  object: 'list',
  data: [
    {
      id: 1042,
      object: 'request_log',
      request_id: 'req_5c1e9a0b7f2d00001a',
      created_at: '2026-01-05T09:40:12.345Z',
      team_id: 'team_3f9c2a7b1d',
      key_id: 'key_8b1e44c0a2',
      model: 'reasoning',
      status: 200,
      request: { model: 'reasoning', messages: [{ role: 'user', content: 'Summarise this ticket' }] },
      truncated: false,
    },
  ],
  has_more: false,
};

const TEAM_ID_PARAMETER: JsonObject = { name: 'id', in: 'path', required: true, description: 'The team id (`team_…`).', schema: { type: 'string', minLength: 1 } };
const KEY_ID_PARAMETER: JsonObject = { name: 'id', in: 'path', required: true, description: 'The key id (`key_…`), never the secret.', schema: { type: 'string', minLength: 1 } };

const COMMON_ERRORS: JsonObject = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
};

export const ADMIN_OPENAPI: JsonObject = {
  openapi: '3.1.0',
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  info: {
    title: 'Switchyard admin API',
    version: '0.1.0',
    description:
      'Teams, virtual keys, spend, request logs and routing diagnostics of a Switchyard gateway. JSON, snake_case. Every /admin endpoint needs an admin key ' +
      '(the master key or a key created with role admin) as `Authorization: Bearer <key>` (or `x-api-key`); other keys get a 403. ' +
      "GET /v1/spend and GET /v1/logs are the team-scoped views for team keys. Errors use OpenAI's error shape and say which field to fix.",
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  servers: [{ url: 'http://127.0.0.1:8080', description: 'The default listen address of `switchyard serve`.' }],
  security: [{ adminKey: [] }],
  tags: [
    { name: 'teams', description: 'Teams and their policy: allow-lists, default route, budget, rate limits, data policy, cache, bring-your-own-key credentials.' },
    { name: 'keys', description: 'Virtual keys (`sk-swy-…`): stored as a hash with a display prefix; the secret is returned once.' },
    { name: 'spend', description: 'Requests, tokens and exact cost from the usage ledger, grouped.' },
    { name: 'logs', description: "The request log of teams whose data policy logs prompts (log_prompts), kept retention_days." },
    { name: 'routing', description: 'Routing diagnostics: explain a decision, deployment health.' },
  ],
  paths: {
    '/admin/teams': {
      post: {
        operationId: 'createTeam',
        tags: ['teams'],
        summary: 'Create a team',
        description: 'Names in allowed_models, model_rate_limits and default_route must be routes, models or aliases of the gateway; allowed_providers and credentials name configured providers.',
        requestBody: {
          required: true,
          content: json(ref('CreateTeamRequest'), {
            minimal: { summary: 'A name only: no budget, no limits, every model allowed', value: { name: 'research' } },
            full: {
              summary: 'Budget, limits and an allow-list',
              value: {
                name: 'research',
                budget: { limit_usd: 250, period: 'month', alert_at: 0.8 },
                rate_limits: { rpm: 600, tpm: 200000 },
                allowed_models: ['reasoning', 'sim-small'],
                default_route: 'reasoning',
                data_policy: { log_prompts: false, retention_days: 30 },
                cache: true,
              },
            },
          }),
        },
        responses: {
          '201': { description: 'The team.', content: json(ref('Team'), { team: { value: TEAM_EXAMPLE } }) },
          '400': { $ref: '#/components/responses/BadRequest' },
          ...COMMON_ERRORS,
          '409': errorResponse('A team with this name already exists (code SWY_ERR_CONFLICT, param name).'),
        },
      },
      get: {
        operationId: 'listTeams',
        tags: ['teams'],
        summary: 'List teams',
        responses: {
          '200': { description: 'Every team.', content: json(ref('TeamList'), { teams: { value: { object: 'list', data: [TEAM_EXAMPLE] } } }) },
          ...COMMON_ERRORS,
        },
      },
    },
    '/admin/teams/{id}': {
      parameters: [TEAM_ID_PARAMETER],
      get: {
        operationId: 'getTeam',
        tags: ['teams'],
        summary: 'Show a team',
        responses: {
          '200': {
            description: 'The team, with its live budget status.',
            content: json(ref('TeamDetail'), {
              team: {
                value: {
                  ...TEAM_EXAMPLE,
                  budget_status: { spent_usd: '12.500000000', reserved_usd: '0.040000000', remaining_usd: '237.460000000', resets_at: '2026-02-01T00:00:00.000Z', alerting: false },
                },
              },
            }),
          },
          ...COMMON_ERRORS,
          '404': { $ref: '#/components/responses/NotFound' },
        },
      },
      patch: {
        operationId: 'updateTeam',
        tags: ['teams'],
        summary: 'Change a team',
        description:
          'Only the fields sent change; `null` removes a setting (budget, rate_limits, model_rate_limits, allowed_models, allowed_providers, default_route) or a provider\'s credentials. ' +
          'An object replaces the whole setting (sending rate_limits {rpm} drops a tpm set before), except data_policy, where only the fields sent change. Key caches on every replica are refreshed.',
        requestBody: {
          required: true,
          content: json(ref('PatchTeamRequest'), {
            raiseBudget: { summary: 'A new budget', value: { budget: { limit_usd: 500, period: 'month' } } },
            removeLimits: { summary: 'Remove the rate limits and the allow-list', value: { rate_limits: null, allowed_models: null } },
          }),
        },
        responses: {
          '200': { description: 'The team after the change.', content: json(ref('Team'), { team: { value: TEAM_EXAMPLE } }) },
          '400': { $ref: '#/components/responses/BadRequest' },
          ...COMMON_ERRORS,
          '404': { $ref: '#/components/responses/NotFound' },
          '409': errorResponse('Another team already has this name (code SWY_ERR_CONFLICT, param name).'),
        },
      },
    },
    '/admin/keys': {
      post: {
        operationId: 'createKey',
        tags: ['keys'],
        summary: 'Create a virtual key',
        description:
          "A team key (role team, the default) needs team_id and can only narrow its team's policy: its models must be allowed to the team; the team's budget and limits still apply. " +
          'An admin key (role admin) belongs to no team. The secret `key` is in this response only; Switchyard keeps its SHA-256 hash and display prefix.',
        requestBody: {
          required: true,
          content: json(ref('CreateKeyRequest'), {
            teamKey: {
              summary: 'A team key with its own daily budget',
              value: { team_id: 'team_3f9c2a7b1d', name: 'ci', models: ['sim-small'], budget: { limit_usd: 20, period: 'day' }, rate_limits: { rpm: 60 }, expires_at: '2027-01-01T00:00:00Z' },
            },
            adminKey: { summary: 'An admin key', value: { name: 'ops', role: 'admin' } },
          }),
        },
        responses: {
          '201': {
            description: 'The key, with its secret (shown only this once).',
            content: json(ref('CreatedKey'), { key: { value: { ...KEY_EXAMPLE, key: 'sk-swy-Q2xmJ8vR0aYqk3LzW6pTn1HcE5uB7dFg9sKeM4oXw' } } }),
          },
          '400': { $ref: '#/components/responses/BadRequest' },
          ...COMMON_ERRORS,
          '404': { $ref: '#/components/responses/NotFound' },
        },
      },
      get: {
        operationId: 'listKeys',
        tags: ['keys'],
        summary: 'List keys',
        description: 'Revoked and expired keys included (see revoked_at, expires_at). Never the secrets.',
        parameters: [{ name: 'team_id', in: 'query', required: false, description: "Only this team's keys.", schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The keys.', content: json(ref('KeyList'), { keys: { value: { object: 'list', data: [KEY_EXAMPLE] } } }) },
          '400': { $ref: '#/components/responses/BadRequest' },
          ...COMMON_ERRORS,
        },
      },
    },
    '/admin/keys/{id}': {
      parameters: [KEY_ID_PARAMETER],
      delete: {
        operationId: 'revokeKey',
        tags: ['keys'],
        summary: 'Revoke a key',
        description: 'The key is refused on every replica within seconds (verified-key caches included). The row stays, with revoked_at set.',
        responses: {
          '200': { description: 'The revoked key.', content: json(ref('Key'), { key: { value: { ...KEY_EXAMPLE, revoked_at: '2026-02-01T12:00:00.000Z' } } }) },
          ...COMMON_ERRORS,
          '404': { $ref: '#/components/responses/NotFound' },
        },
      },
    },
    '/admin/spend': {
      get: {
        operationId: 'getSpend',
        tags: ['spend'],
        summary: 'Spend, grouped',
        parameters: [
          ...SPEND_PARAMETERS(['team', 'key', 'model', 'provider', 'day'], 'team'),
          { name: 'team_id', in: 'query', required: false, description: 'Only this team.', schema: { type: 'string', minLength: 1 } },
        ],
        responses: {
          '200': { description: 'One row per group and the total.', content: json(ref('SpendReport'), { byModel: { value: SPEND_EXAMPLE } }) },
          '400': { $ref: '#/components/responses/BadRequest' },
          ...COMMON_ERRORS,
        },
      },
    },
    '/v1/spend': {
      get: {
        operationId: 'getTeamSpend',
        tags: ['spend'],
        summary: "The caller's team's spend (team keys)",
        description:
          "For team keys: the same report as GET /admin/spend restricted to the caller's team. A team_id other than the caller's team is a 403; group_by team is refused (one team). Admin keys use GET /admin/spend.",
        security: [{ teamKey: [] }],
        parameters: SPEND_PARAMETERS(['key', 'model', 'provider', 'day'], 'key'),
        responses: {
          '200': { description: 'One row per group and the total.', content: json(ref('SpendReport'), { byModel: { value: SPEND_EXAMPLE } }) },
          '400': { $ref: '#/components/responses/BadRequest' },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '403': errorResponse('Not a team key (SWY_ERR_TEAM_KEY_REQUIRED), or team_id names another team (SWY_ERR_OTHER_TEAM).'),
        },
      },
    },
    '/admin/logs': {
      get: {
        operationId: 'listRequestLogs',
        tags: ['logs'],
        summary: 'The request log',
        description: 'Logged requests of teams with log_prompts, newest first. Page back with to=<created_at of the last row> while has_more.',
        parameters: [{ name: 'team_id', in: 'query', required: false, description: 'Only this team.', schema: { type: 'string', minLength: 1 } }, ...LOG_PARAMETERS],
        responses: {
          '200': { description: 'A page of logged requests.', content: json(ref('RequestLogList'), { page: { value: LOG_PAGE_EXAMPLE } }) },
          '400': { $ref: '#/components/responses/BadRequest' },
          ...COMMON_ERRORS,
        },
      },
    },
    '/v1/logs': {
      get: {
        operationId: 'listTeamRequestLogs',
        tags: ['logs'],
        summary: "The caller's team's request log (team keys)",
        description: "For team keys: GET /admin/logs restricted to the caller's team. A team_id other than the caller's team is a 403. Admin keys use GET /admin/logs.",
        security: [{ teamKey: [] }],
        parameters: LOG_PARAMETERS,
        responses: {
          '200': { description: 'A page of logged requests.', content: json(ref('RequestLogList'), { page: { value: LOG_PAGE_EXAMPLE } }) },
          '400': { $ref: '#/components/responses/BadRequest' },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '403': errorResponse('Not a team key (SWY_ERR_TEAM_KEY_REQUIRED), or team_id names another team (SWY_ERR_OTHER_TEAM).'),
        },
      },
    },
    '/admin/route/explain': {
      post: {
        operationId: 'explainRoute',
        tags: ['routing'],
        summary: 'Explain how a request would be routed now',
        description: "Every candidate of the route and its fallbacks: planned (ranked by the route's strategy, with its score note) or filtered (the verdict), with live health.",
        requestBody: {
          required: true,
          content: json(ref('ExplainRequest'), {
            prompt: { summary: 'A prompt', value: { model: 'reasoning', prompt: 'Plan a three-day trip' } },
            chat: { summary: 'A chat body', value: { model: 'reasoning', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 256 } },
          }),
        },
        responses: {
          '200': { description: 'The explanation.', content: json(ref('RouteExplanation')) },
          '400': { $ref: '#/components/responses/BadRequest' },
          ...COMMON_ERRORS,
          '404': errorResponse('The model name is not a route, model or alias.'),
        },
      },
    },
    '/admin/health': {
      get: {
        operationId: 'getHealth',
        tags: ['routing'],
        summary: 'Deployment health and the retry budget',
        responses: {
          '200': { description: 'Every deployment (configured first) and the retry budget window.', content: json(ref('HealthReport')) },
          ...COMMON_ERRORS,
        },
      },
    },
    '/admin/audit/neutrality': {
      get: {
        operationId: 'auditNeutrality',
        tags: ['routing'],
        summary: 'Neutrality audit of routing decisions',
        description:
          "Reads the decision receipts in the ledger (requests routed by a strategy that scores declared criteria) and reports each provider's share and every dominated choice: a candidate chosen although an available one was predicted at least as good and at most as dear. A dominated choice must be explained by a declared policy preference (named in explained_by); `unexplained` counts the rest and should be 0.",
        parameters: [
          { name: 'from', in: 'query', required: false, description: 'Start (inclusive), ISO 8601 time or date.', schema: { type: 'string', minLength: 1 } },
          { name: 'to', in: 'query', required: false, description: 'End (exclusive), ISO 8601 time or date.', schema: { type: 'string', minLength: 1 } },
        ],
        responses: {
          '200': { description: 'The report.', content: json(ref('NeutralityReport')) },
          '400': { $ref: '#/components/responses/BadRequest' },
          ...COMMON_ERRORS,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      adminKey: { type: 'http', scheme: 'bearer', description: 'An admin key: the master key or a key created with role admin. `x-api-key: <key>` is accepted too.' },
      teamKey: { type: 'http', scheme: 'bearer', description: 'A team key (`sk-swy-…`, created by POST /admin/keys). `x-api-key: <key>` is accepted too.' },
    },
    responses: {
      BadRequest: { description: 'The input is invalid; the message names each field and what to fix, param the first field.', content: json(ref('Error'), { invalid: { value: { error: { message: 'budget.period: must be day, month or total', type: 'invalid_request_error', param: 'budget.period', code: 'SWY_ERR_INVALID_REQUEST' } } } }) },
      Unauthorized: { description: 'No key or an unknown key.', content: json(ref('Error'), { missing: { value: { error: { message: 'Invalid API key.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } } }) },
      Forbidden: { description: 'The key is not an admin key (SWY_ERR_ADMIN_REQUIRED).', content: json(ref('Error')) },
      NotFound: { description: 'No such team or key (SWY_ERR_TEAM_NOT_FOUND, SWY_ERR_KEY_NOT_FOUND).', content: json(ref('Error'), { team: { value: { error: { message: "No team with id 'team_x' (GET /admin/teams lists them).", type: 'invalid_request_error', param: null, code: 'SWY_ERR_TEAM_NOT_FOUND' } } } }) },
    },
    schemas: ADMIN_SCHEMAS,
  },
};
