/**
 * The admin API as an OpenAPI 3.1 document (served at GET /admin/openapi.json). The schemas mirror
 * tenancy/admin-json.ts field for field: request bodies follow its zod input schemas (required fields,
 * enums, bounds, `null` where a PATCH removes a setting, no unknown fields), responses follow teamJson,
 * keyJson and spendRowJson. test/unit/admin-openapi.test.ts compares the two, so a field added to one
 * and not the other fails the tests. Money goes in as a number of dollars (`limit_usd`) and comes out
 * of spend as exact decimal strings (`cost_usd`) and integer nano-dollar strings (`cost_nanos`).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const orNull = (schema: JsonObject): JsonObject => ({ anyOf: [schema, { type: 'null' }] });
const nullableString = (extra: JsonObject = {}): JsonObject => ({ type: ['string', 'null'], ...extra });
const names = (description: string): JsonObject => ({ type: 'array', items: { type: 'string', minLength: 1, pattern: '\\S' }, maxItems: 1000, description });
const isoTime = (description: string): JsonObject => ({ type: 'string', format: 'date-time', description });
const json = (schema: JsonObject, examples?: Record<string, JsonObject>): JsonObject => ({
  'application/json': { schema, ...(examples ? { examples } : {}) },
});
const errorResponse = (description: string): JsonObject => ({ description, content: json(ref('Error')) });

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
const TEAM_FIELDS: JsonObject = {
  budget: { ...orNull(ref('BudgetInput')), description: 'Hard budget of the team per period; null removes it.' },
  rate_limits: { ...orNull(ref('RateLimitsInput')), description: 'Requests and tokens per minute for the whole team; null removes them.' },
  model_rate_limits: {
    type: ['object', 'null'],
    propertyNames: { minLength: 1 },
    additionalProperties: ref('RateLimitsInput'),
    description: 'Limits per requested name (route, model or alias); null removes them all.',
  },
  allowed_models: { ...names('Routes, models or aliases the team may request (a route grants its candidates and fallbacks); null: no restriction.'), type: ['array', 'null'] },
  allowed_providers: { ...names('Provider names (config `providers` keys) its requests may reach; null: no restriction.'), type: ['array', 'null'] },
  default_route: nullableString({ minLength: 1, description: 'Route or model used when a request names `default`; must be in allowed_models when that is set. null removes it.' }),
  data_policy: ref('DataPolicyInput'),
  cache: { type: 'boolean', description: 'Response cache on or off for this team (entries are keyed by team).' },
  credentials: {
    type: 'object',
    propertyNames: { minLength: 1 },
    additionalProperties: orNull(ref('ProviderCredentialsInput')),
    description: "Bring-your-own-key, by provider name: used only for this team's calls, stored encrypted, never returned. null removes a provider's credentials.",
  },
};

const NAME: JsonObject = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', description: 'Trimmed; must not be empty.' };

const SPEND_ROW_COUNTS: JsonObject = {
  requests: { type: 'integer', minimum: 0 },
  input_tokens: { type: 'integer', minimum: 0 },
  output_tokens: { type: 'integer', minimum: 0 },
  cache_read_tokens: { type: 'integer', minimum: 0 },
  cache_write_tokens: { type: 'integer', minimum: 0 },
  reasoning_tokens: { type: 'integer', minimum: 0 },
  cost_usd: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{9}$', description: 'Exact cost in US dollars, nine decimals (nano-dollars).', examples: ['0.002560000'] },
  cost_nanos: { type: 'string', pattern: '^-?[0-9]+$', description: 'Exact cost in integer nano-dollars (1 USD = 1e9), as a string: sums may exceed 2^53.', examples: ['2560000'] },
};

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

const TEAM_REQUIRED: Json[] = [
  'id',
  'object',
  'name',
  'budget',
  'rate_limits',
  'model_rate_limits',
  'allowed_models',
  'allowed_providers',
  'default_route',
  'data_policy',
  'cache',
  'credentials',
  'created_at',
  'updated_at',
];

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
    schemas: {
      NeutralityReport: {
        type: 'object',
        required: ['from', 'to', 'decisions', 'providers', 'policies', 'dominated', 'unexplained', 'conversations', 'unreadable'],
        properties: {
          from: { type: ['string', 'null'] },
          to: { type: ['string', 'null'] },
          decisions: { type: 'integer', minimum: 0 },
          providers: {
            type: 'array',
            items: { type: 'object', required: ['provider', 'chosen', 'share', 'eligible'], properties: { provider: { type: 'string' }, chosen: { type: 'integer' }, share: { type: 'number' }, eligible: { type: 'integer' } } },
          },
          policies: {
            type: 'array',
            items: { type: 'object', required: ['policy_hash', 'route', 'strategy', 'decisions'], properties: { policy_hash: { type: 'string' }, route: { type: ['string', 'null'] }, strategy: { type: 'string' }, decisions: { type: 'integer' } } },
          },
          dominated: {
            type: 'array',
            items: {
              type: 'object',
              required: ['request_id', 'created_at', 'route', 'chosen', 'dominated_by', 'explained_by'],
              properties: {
                request_id: { type: 'string' },
                created_at: { type: 'string' },
                route: { type: ['string', 'null'] },
                chosen: { type: 'object', required: ['deployment'], properties: { deployment: { type: 'string' }, quality: { type: 'number' }, cost_usd: { type: 'number' } } },
                dominated_by: { type: 'object', required: ['deployment'], properties: { deployment: { type: 'string' }, quality: { type: 'number' }, cost_usd: { type: 'number' } } },
                explained_by: { type: ['string', 'null'] },
              },
            },
          },
          unexplained: { type: 'integer', minimum: 0 },
          conversations: {
            type: 'array',
            description: 'Prompt-cache affinity per conversation: requests, kept on the cache holder, switches and their estimated cost.',
            items: {
              type: 'object',
              required: ['conversation', 'requests', 'kept', 'switches', 'switch_cost_usd'],
              properties: { conversation: { type: 'string' }, requests: { type: 'integer' }, kept: { type: 'integer' }, switches: { type: 'integer' }, switch_cost_usd: { type: 'number' } },
            },
          },
          unreadable: { type: 'integer', minimum: 0 },
        },
      },
      Error: {
        type: 'object',
        description: "OpenAI's error shape; the gateway's SWY_ERR_* code is also in the x-switchyard-error-code header.",
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['message', 'type', 'param', 'code'],
            properties: {
              message: { type: 'string' },
              type: { type: 'string', examples: ['invalid_request_error', 'server_error'] },
              param: { type: ['string', 'null'], description: 'The field to fix, when there is one.' },
              code: { type: ['string', 'null'], examples: ['invalid_api_key', 'SWY_ERR_TEAM_NOT_FOUND'] },
            },
          },
        },
      },
      TimeOrDate: {
        anyOf: [
          { type: 'string', format: 'date-time' },
          { type: 'string', format: 'date' },
        ],
        examples: ['2026-01-01T00:00:00Z', '2026-01-01'],
      },
      BudgetInput: {
        type: 'object',
        additionalProperties: false,
        required: ['limit_usd', 'period'],
        properties: {
          limit_usd: { type: 'number', exclusiveMinimum: 0, maximum: 1e9, description: 'Hard limit per period in US dollars (kept as integer nano-dollars).' },
          period: { type: 'string', enum: ['day', 'month', 'total'], description: 'Calendar periods are UTC; total never resets.' },
          alert_at: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Fraction of the limit at which an alert is raised.' },
        },
      },
      RateLimitsInput: {
        type: 'object',
        additionalProperties: false,
        properties: {
          rpm: { type: 'integer', minimum: 1, description: 'Requests per minute.' },
          tpm: { type: 'integer', minimum: 1, description: 'Tokens (input + output) per minute.' },
        },
      },
      DataPolicyInput: {
        type: 'object',
        additionalProperties: false,
        description: 'Only the fields sent change; a new team starts with log_prompts false and retention_days 30.',
        properties: {
          log_prompts: { type: 'boolean', description: 'Keep the request bodies and final status of the team\'s requests in the request log (GET /admin/logs, GET /v1/logs).' },
          retention_days: { type: 'integer', minimum: 1, maximum: 3650, description: 'How long logged requests are kept.' },
        },
      },
      ProviderCredentialsInput: {
        description: 'An API key (OpenAI, Anthropic, OpenAI-compatible; a Bedrock API key), a bearer token, or AWS keys (Bedrock).',
        oneOf: [
          { type: 'object', additionalProperties: false, required: ['api_key'], properties: { api_key: { type: 'string', minLength: 8 } } },
          { type: 'object', additionalProperties: false, required: ['bearer_token'], properties: { bearer_token: { type: 'string', minLength: 8 } } },
          {
            type: 'object',
            additionalProperties: false,
            required: ['aws_access_key_id', 'aws_secret_access_key'],
            properties: {
              aws_access_key_id: { type: 'string', minLength: 8 },
              aws_secret_access_key: { type: 'string', minLength: 8 },
              aws_session_token: { type: 'string', minLength: 8 },
            },
          },
        ],
      },
      CreateTeamRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { ...NAME, description: 'Unique among teams; trimmed, not empty.' }, ...TEAM_FIELDS },
      },
      PatchTeamRequest: {
        type: 'object',
        additionalProperties: false,
        description: 'Every field is optional; only those sent change.',
        properties: { name: { ...NAME, description: 'A new name, unique among teams.' }, ...TEAM_FIELDS },
      },
      CreateKeyRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          team_id: { type: 'string', minLength: 1, description: 'The team of a team key (required for role team, refused for role admin).' },
          name: NAME,
          role: { type: 'string', enum: ['team', 'admin'], default: 'team' },
          budget: { ...ref('BudgetInput'), description: "The key's own budget, inside its team's." },
          rate_limits: { ...ref('RateLimitsInput'), description: "The key's own limits, inside its team's." },
          models: names("Names this key may request: a subset of its team's allowed_models."),
          expires_at: isoTime('When the key stops working: an ISO 8601 time with offset, in the future.'),
        },
      },
      Budget: {
        type: 'object',
        additionalProperties: false,
        required: ['limit_usd', 'period'],
        properties: {
          limit_usd: { type: 'number', exclusiveMinimum: 0 },
          period: { type: 'string', enum: ['day', 'month', 'total'] },
          alert_at: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Present when set.' },
        },
      },
      RateLimits: {
        type: 'object',
        additionalProperties: false,
        description: 'Only the limits that are set.',
        properties: { rpm: { type: 'integer', minimum: 1 }, tpm: { type: 'integer', minimum: 1 } },
      },
      Team: { type: 'object', additionalProperties: false, required: TEAM_REQUIRED, properties: teamProperties() },
      TeamDetail: {
        type: 'object',
        additionalProperties: false,
        description: "A team as GET /admin/teams/{id} shows it: with its budget's live status when it has a budget.",
        required: TEAM_REQUIRED,
        properties: {
          ...teamProperties(),
          budget_status: {
            description: 'Present when the team has a budget; null when the shared counters could not be read just now.',
            anyOf: [ref('BudgetStatus'), { type: 'null' }],
          },
        },
      },
      BudgetStatus: {
        type: 'object',
        additionalProperties: false,
        required: ['spent_usd', 'reserved_usd', 'remaining_usd', 'resets_at', 'alerting'],
        properties: {
          spent_usd: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{9}$', description: 'Settled spend in the current period, exact (nine decimals).' },
          reserved_usd: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{9}$', description: 'Held by requests in flight (their worst case).' },
          remaining_usd: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{9}$', description: 'limit − spent − reserved, never below 0.' },
          resets_at: { type: ['string', 'null'], format: 'date-time', description: 'When the period ends; null for a total budget.' },
          alerting: { type: 'boolean', description: 'Spend has reached alert_at × limit.' },
        },
      },
      TeamList: {
        type: 'object',
        additionalProperties: false,
        required: ['object', 'data'],
        properties: { object: { const: 'list' }, data: { type: 'array', items: ref('Team') } },
      },
      Key: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'object', 'team_id', 'name', 'role', 'prefix', 'models', 'budget', 'rate_limits', 'expires_at', 'revoked_at', 'created_at'],
        properties: keyProperties(),
      },
      CreatedKey: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'object', 'team_id', 'name', 'role', 'prefix', 'models', 'budget', 'rate_limits', 'expires_at', 'revoked_at', 'created_at', 'key'],
        properties: {
          ...keyProperties(),
          key: { type: 'string', pattern: '^sk-swy-', description: 'The secret. Returned only in this response: store it now.' },
        },
      },
      KeyList: {
        type: 'object',
        additionalProperties: false,
        required: ['object', 'data'],
        properties: { object: { const: 'list' }, data: { type: 'array', items: ref('Key') } },
      },
      SpendRow: {
        type: 'object',
        additionalProperties: false,
        required: ['group', ...Object.keys(SPEND_ROW_COUNTS)],
        properties: {
          group: { type: 'string', description: 'Team id, key id, model id, provider name or UTC day (YYYY-MM-DD), by group_by.' },
          ...SPEND_ROW_COUNTS,
        },
      },
      SpendTotal: {
        type: 'object',
        additionalProperties: false,
        description: 'The sums over every row.',
        required: Object.keys(SPEND_ROW_COUNTS),
        properties: SPEND_ROW_COUNTS,
      },
      SpendReport: {
        type: 'object',
        additionalProperties: false,
        required: ['object', 'group_by', 'from', 'to', 'data', 'total'],
        properties: {
          object: { const: 'spend' },
          group_by: { type: 'string', enum: ['team', 'key', 'model', 'provider', 'day'] },
          from: nullableString({ format: 'date-time', description: 'The window start as an ISO time; null: from the beginning.' }),
          to: nullableString({ format: 'date-time', description: 'The window end (exclusive); null: until now.' }),
          data: { type: 'array', items: ref('SpendRow') },
          total: ref('SpendTotal'),
        },
      },
      RequestLog: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'object', 'request_id', 'created_at', 'team_id', 'key_id', 'model', 'status', 'request', 'truncated'],
        properties: {
          id: { type: 'integer' },
          object: { const: 'request_log' },
          request_id: { type: 'string', description: 'The x-switchyard-request-id the client got.' },
          created_at: { type: 'string', format: 'date-time', description: 'When the request ended.' },
          team_id: { type: 'string' },
          key_id: { type: 'string' },
          model: { type: 'string', description: 'The model or route the request named.' },
          status: { type: 'integer', description: 'The HTTP status the client got.' },
          request: { description: 'The body as the client sent it (credentials the gateway holds replaced by [redacted]): a JSON value, or when truncated the first 64 KiB of its JSON text.' },
          truncated: { type: 'boolean' },
        },
      },
      RequestLogList: {
        type: 'object',
        additionalProperties: false,
        required: ['object', 'data', 'has_more'],
        properties: { object: { const: 'list' }, data: { type: 'array', items: ref('RequestLog') }, has_more: { type: 'boolean', description: 'Older rows remain.' } },
      },
      ExplainRequest: {
        type: 'object',
        description: 'Either `{model, prompt}` or a chat body in `dialect` (`{model, messages, …}`); not both prompt and messages.',
        required: ['model'],
        properties: {
          model: { type: 'string', minLength: 1, description: 'Route, model id or alias.' },
          dialect: { type: 'string', enum: ['openai-chat', 'anthropic-messages'], default: 'openai-chat' },
          prompt: { type: 'string', description: 'Becomes one user message.' },
          messages: { type: 'array', description: 'A chat body\'s messages, in `dialect`.' },
          request_id: { type: 'string', description: 'The weighted strategy is deterministic per request id.' },
        },
        additionalProperties: true,
      },
      DeploymentHealth: {
        type: 'object',
        required: [
          'breaker',
          'cooldown_until',
          'cooldown_remaining_ms',
          'latency_ewma_ms',
          'ttft_ewma_ms',
          'ttft_p95_ms',
          'in_flight',
          'consecutive_failures',
          'error_rate',
          'remaining_requests',
          'remaining_tokens',
          'remaining_read_at',
        ],
        properties: {
          breaker: { type: 'string', enum: ['closed', 'open', 'half-open'] },
          cooldown_until: { type: ['number', 'null'], description: 'ms timestamp until which it cools down.' },
          cooldown_remaining_ms: { type: ['number', 'null'] },
          latency_ewma_ms: { type: ['number', 'null'] },
          ttft_ewma_ms: { type: ['number', 'null'] },
          ttft_p95_ms: { type: ['number', 'null'] },
          in_flight: { type: 'integer', minimum: 0 },
          consecutive_failures: { type: 'integer', minimum: 0 },
          error_rate: { type: 'number', minimum: 0, maximum: 1 },
          remaining_requests: { type: ['number', 'null'], description: "The upstream's last reported remaining requests." },
          remaining_tokens: { type: ['number', 'null'] },
          remaining_read_at: { type: ['number', 'null'] },
        },
      },
      RouteExplanation: {
        type: 'object',
        required: ['requested', 'dialect', 'route', 'model', 'features', 'input_tokens', 'output_tokens', 'reason', 'error', 'candidates'],
        properties: {
          requested: { type: 'string' },
          dialect: { type: 'string', enum: ['openai-chat', 'anthropic-messages'] },
          route: {
            type: ['object', 'null'],
            description: 'The route the name resolved to; null for a model id or alias.',
            properties: {
              name: { type: 'string' },
              strategy: { type: 'string' },
              candidates: { type: 'array', items: { type: 'string' } },
              retries: ref('RetryPolicy'),
              hedge: orNull(ref('HedgePolicy')),
              fallbacks: { type: 'array', items: { type: 'string' } },
              description: { type: ['string', 'null'] },
            },
          },
          model: {
            type: ['object', 'null'],
            properties: { id: { type: 'string' }, fallbacks: { type: 'array', items: { type: 'string' } } },
          },
          features: {
            type: 'object',
            properties: {
              stream: { type: 'boolean' },
              tools: { type: 'boolean' },
              images: { type: 'integer' },
              remote_images: { type: 'integer' },
              json: { type: 'boolean' },
              reasoning: { type: 'boolean' },
              text_chars: { type: 'integer' },
              max_output_tokens: { type: ['integer', 'null'] },
            },
          },
          input_tokens: { type: 'object', properties: { estimated: { type: 'integer' }, rough: { type: 'integer' } } },
          output_tokens: { type: 'integer' },
          reason: { type: ['string', 'null'] },
          error: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
          candidates: { type: 'array', items: ref('ExplainedCandidate') },
        },
      },
      RetryPolicy: {
        type: 'object',
        properties: { attempts: { type: 'integer' }, backoff_ms: { type: 'number' }, max_backoff_ms: { type: 'number' } },
      },
      HedgePolicy: {
        type: 'object',
        properties: { delay_ms: { type: 'number' }, adaptive: { type: 'boolean' } },
      },
      ExplainedCandidate: {
        type: 'object',
        required: ['rank', 'status', 'deployment', 'model', 'provider', 'provider_type', 'via', 'verdict', 'score', 'retries', 'hedge', 'available', 'health'],
        properties: {
          rank: { type: ['integer', 'null'], description: '1..n in attempt order; null when filtered.' },
          status: { type: 'string', enum: ['planned', 'filtered'] },
          deployment: { type: 'string' },
          model: { type: 'string' },
          provider: { type: 'string' },
          provider_type: { type: 'string' },
          via: { type: ['string', 'null'] },
          verdict: {
            type: ['object', 'null'],
            properties: { code: { type: 'string' }, param: { type: 'string' }, message: { type: 'string' } },
          },
          score: { type: ['string', 'null'] },
          retries: orNull(ref('RetryPolicy')),
          hedge: orNull(ref('HedgePolicy')),
          available: { type: 'boolean' },
          health: ref('DeploymentHealth'),
        },
      },
      HealthReport: {
        type: 'object',
        required: ['deployments', 'retry_budget'],
        properties: {
          deployments: {
            type: 'array',
            items: {
              allOf: [
                {
                  type: 'object',
                  required: ['key', 'model', 'provider', 'available'],
                  properties: {
                    key: { type: 'string', description: 'provider/model deployment key.' },
                    model: { type: ['string', 'null'] },
                    provider: { type: ['string', 'null'] },
                    available: { type: 'boolean' },
                  },
                },
                ref('DeploymentHealth'),
              ],
            },
          },
          retry_budget: {
            type: 'object',
            required: ['requests', 'retries', 'limit', 'window_ms'],
            properties: { requests: { type: 'integer' }, retries: { type: 'integer' }, limit: { type: 'number' }, window_ms: { type: 'integer' } },
          },
        },
      },
    },
  },
};


function teamProperties(): JsonObject {
  return {
    id: { type: 'string', examples: ['team_3f9c2a7b1d'] },
    object: { const: 'team' },
    name: { type: 'string' },
    budget: orNull(ref('Budget')),
    rate_limits: orNull(ref('RateLimits')),
    model_rate_limits: { type: ['object', 'null'], additionalProperties: ref('RateLimits') },
    allowed_models: { type: ['array', 'null'], items: { type: 'string' }, description: 'null: every name allowed.' },
    allowed_providers: { type: ['array', 'null'], items: { type: 'string' }, description: 'null: every provider allowed.' },
    default_route: { type: ['string', 'null'] },
    data_policy: {
      type: 'object',
      additionalProperties: false,
      required: ['log_prompts', 'retention_days'],
      properties: { log_prompts: { type: 'boolean' }, retention_days: { type: 'integer', minimum: 1 } },
    },
    cache: { type: 'boolean' },
    credentials: { type: 'array', items: { type: 'string' }, description: 'Providers the team brought credentials for (sorted); the secrets are never returned.' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  };
}

function keyProperties(): JsonObject {
  return {
    id: { type: 'string', examples: ['key_8b1e44c0a2'] },
    object: { const: 'key' },
    team_id: { type: ['string', 'null'], description: 'null for admin keys.' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['team', 'admin'] },
    prefix: { type: 'string', description: 'The first characters of the secret, for recognising it.', examples: ['sk-swy-Q2xm'] },
    models: { type: ['array', 'null'], items: { type: 'string' }, description: "null: the team's models." },
    budget: orNull(ref('Budget')),
    rate_limits: orNull(ref('RateLimits')),
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
  };
}
