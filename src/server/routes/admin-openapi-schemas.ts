/**
 * The component schemas of the admin API's OpenAPI document (admin-openapi.ts), and the small helpers
 * both files build JSON Schema with. They mirror tenancy/admin-json.ts field for field;
 * test/unit/admin-openapi.test.ts compares the two.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
export const orNull = (schema: JsonObject): JsonObject => ({ anyOf: [schema, { type: 'null' }] });
export const nullableString = (extra: JsonObject = {}): JsonObject => ({ type: ['string', 'null'], ...extra });
export const names = (description: string): JsonObject => ({ type: 'array', items: { type: 'string', minLength: 1, pattern: '\\S' }, maxItems: 1000, description });
export const isoTime = (description: string): JsonObject => ({ type: 'string', format: 'date-time', description });
export const json = (schema: JsonObject, examples?: Record<string, JsonObject>): JsonObject => ({
  'application/json': { schema, ...(examples ? { examples } : {}) },
});
export const errorResponse = (description: string): JsonObject => ({ description, content: json(ref('Error')) });

export const TEAM_FIELDS: JsonObject = {
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

export const NAME: JsonObject = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', description: 'Trimmed; must not be empty.' };

export const SPEND_ROW_COUNTS: JsonObject = {
  requests: { type: 'integer', minimum: 0 },
  input_tokens: { type: 'integer', minimum: 0 },
  output_tokens: { type: 'integer', minimum: 0 },
  cache_read_tokens: { type: 'integer', minimum: 0 },
  cache_write_tokens: { type: 'integer', minimum: 0 },
  reasoning_tokens: { type: 'integer', minimum: 0 },
  cost_usd: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{9}$', description: 'Exact cost in US dollars, nine decimals (nano-dollars).', examples: ['0.002560000'] },
  cost_nanos: { type: 'string', pattern: '^-?[0-9]+$', description: 'Exact cost in integer nano-dollars (1 USD = 1e9), as a string: sums may exceed 2^53.', examples: ['2560000'] },
};

export const TEAM_REQUIRED: Json[] = [
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

export const ADMIN_SCHEMAS: Record<string, JsonObject> = {
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
