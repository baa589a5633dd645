import { z } from 'zod';

/**
 * The shape of switchyard.yaml (after `${ENV}` substitution). Validated once at start;
 * resolve-config.ts turns it into the frozen ResolvedConfig the rest of the gateway reads.
 */

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

/**
 * US dollars per million tokens. A model without `pricing` takes the built-in catalog's
 * (metering/price-catalog.ts); one with `pricing` uses exactly this, nothing from the catalog.
 */
export const pricingSchema = z
  .object({
    /** Input tokens that were neither read from nor written to a prompt cache. */
    inputPerMTok: nonNegative,
    /** Output tokens (reasoning included unless reasoningPerMTok is set). */
    outputPerMTok: nonNegative,
    /** Prompt-cache reads; default: the input price. */
    cacheReadPerMTok: nonNegative.optional(),
    /** Prompt-cache writes (Anthropic's 5-minute TTL); default: the input price. */
    cacheWritePerMTok: nonNegative.optional(),
    /** One-hour cache writes (Anthropic, Bedrock); default: cacheWritePerMTok. */
    cacheWrite1hPerMTok: nonNegative.optional(),
    /** Reasoning (thinking) tokens; default: the output price. */
    reasoningPerMTok: nonNegative.optional(),
  })
  .strict();

const unitInterval = z.number().min(0).max(1);
const TASK_FAMILY_NAMES = ['reasoning', 'planning', 'code-completion', 'code-generation', 'chat'] as const;

export const qualityProfileSchema = z
  .object({
    overall: unitInterval,
    byTask: z.partialRecord(z.enum(TASK_FAMILY_NAMES), unitInterval).default({}),
    difficultySlope: z.number().min(0).max(20).optional(),
  })
  .strict();

export const capabilitiesSchema = z
  .object({
    tools: z.boolean().default(true),
    images: z.boolean().default(false),
    json: z.boolean().default(true),
    reasoning: z.boolean().default(false),
    /** The upstream fetches http(s) image URLs itself (OpenAI, Anthropic do; Bedrock does not). */
    remoteImages: z.boolean().optional(),
  })
  .strict();

export const modelSchema = z
  .object({
    id: z.string().min(1),
    provider: z.string().min(1),
    /** Upstream model id; defaults to `id`. Bedrock: model id, inference profile or ARN. Azure: deployment. */
    upstreamModel: z.string().min(1).optional(),
    pricing: pricingSchema.optional(),
    contextWindow: positiveInt.optional(),
    maxOutputTokens: positiveInt.optional(),
    capabilities: capabilitiesSchema.default({ tools: true, images: false, json: true, reasoning: false }),
    /** Free-form tier label used by the router and the dashboard (large, medium, small, house …). */
    tier: z.string().optional(),
    description: z.string().optional(),
    /** Routes or models tried, in order, when this model fails with a failure another could absorb. */
    fallbacks: z.array(z.string().min(1)).optional(),
    /**
     * Declared quality profile for the learned strategies (task-tier, quality-cost): expected score
     * (0–1) per task family at average difficulty. Overrides the shipped profile of a well-known model.
     */
    quality: qualityProfileSchema.optional(),
  })
  .strict();

/** Retries of one candidate on retryable failures (429, 5xx, timeouts, resets), with exponential backoff and full jitter. */
export const retriesSchema = z
  .object({
    /** Retries per candidate after its first attempt (0 = go straight to the next candidate). */
    attempts: z.number().int().min(0).max(10).default(1),
    backoffMs: positiveInt.default(100),
    maxBackoffMs: positiveInt.default(2_000),
  })
  .strict();

export const routeSchema = z
  .object({
    /** Catalog model ids, in declared order; `{model, weight}` for the weighted strategy. */
    candidates: z
      .array(z.union([z.string().min(1), z.object({ model: z.string().min(1), weight: z.number().positive().default(1) }).strict()]))
      .min(1, 'a route needs at least one candidate'),
    strategy: z.enum(['priority', 'weighted', 'cheapest', 'fastest', 'least-busy', 'headroom', 'task-tier', 'quality-cost']).default('priority'),
    /**
     * `quality-cost`: the quality knob (0 = cheapest … 1 = best predicted) and the range a request may
     * narrow it to with `x-switchyard-quality`. The choice is the cheapest candidate predicted within
     * (1 − quality) of the best one.
     */
    qualityCost: z
      .object({ quality: unitInterval.default(0.5), min: unitInterval.default(0), max: unitInterval.default(1) })
      .strict()
      .optional(),
    /**
     * `task-tier`: candidate tiers (model `tier` labels) per task family, preferred first; prompts
     * harder than `hard.above` (0–1) go to `hard.tier` first.
     */
    /**
     * Prompt-cache affinity: keep a conversation on the deployment holding its prompt cache while the
     * cache lives (`ttl`), unless switching saves more than `minSavings` of its cost or the route's
     * criteria no longer accept it.
     */
    cacheAffinity: z.object({ ttl: z.enum(['5m', '1h']).default('5m'), minSavings: unitInterval.default(0.2) }).strict().optional(),
    /** Learning from feedback (POST /v1/feedback): how far a team's feedback may move a prediction (0 = never). */
    learning: z.object({ maxShift: z.number().min(0).max(0.5).default(0.15) }).strict().optional(),
    taskTiers: z
      .object({
        tiers: z.partialRecord(z.enum(TASK_FAMILY_NAMES), z.array(z.string().min(1)).min(1)),
        hard: z.object({ above: unitInterval, tier: z.string().min(1) }).strict().optional(),
      })
      .strict()
      .optional(),
    /** Routes or models tried after every candidate failed. */
    fallbacks: z.array(z.string().min(1)).default([]),
    retries: retriesSchema.default({ attempts: 1, backoffMs: 100, maxBackoffMs: 2_000 }),
    /**
     * Start the next candidate when no content has arrived after `delayMs` (or, with `adaptive`, the
     * deployment's observed p95 time to first token, once measured); the first to produce content wins.
     */
    hedge: z.object({ delayMs: positiveInt.default(1_000), adaptive: z.boolean().default(false) }).strict().optional(),
    description: z.string().optional(),
  })
  .strict();

export const routingSchema = z
  .object({
    /** Retries and fallbacks (every attempt after a request's first) stay within ratio × requests + floor over windowMs. */
    retryBudget: z
      .object({ ratio: nonNegative.default(0.2), floor: z.number().int().nonnegative().default(10), windowMs: positiveInt.default(10_000) })
      .strict()
      .default({ ratio: 0.2, floor: 10, windowMs: 10_000 }),
    breaker: z
      .object({
        consecutiveFailures: positiveInt.optional(),
        errorRate: z.number().min(0).max(1).optional(),
        minRequests: positiveInt.optional(),
        windowMs: positiveInt.optional(),
        openMs: positiveInt.optional(),
        defaultCooldownMs: positiveInt.optional(),
        maxCooldownMs: positiveInt.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

const headersSchema = z.record(z.string(), z.string());

const openaiProvider = z
  .object({
    type: z.literal('openai'),
    apiKey: z.string().min(1),
    baseUrl: z.string().url().default('https://api.openai.com/v1'),
    organization: z.string().optional(),
    project: z.string().optional(),
    headers: headersSchema.optional(),
  })
  .strict();

const openaiCompatibleProvider = z
  .object({
    type: z.literal('openai-compatible'),
    baseUrl: z.string().url(),
    apiKey: z.string().optional(),
    headers: headersSchema.optional(),
    /** Azure OpenAI: the URL becomes {baseUrl}/openai/deployments/{upstreamModel}/chat/completions?api-version=… with an api-key header. */
    azure: z.object({ apiVersion: z.string().min(1) }).strict().optional(),
    /** Send max_completion_tokens instead of max_tokens (newer OpenAI-style servers). */
    maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
  })
  .strict();

const anthropicProvider = z
  .object({
    type: z.literal('anthropic'),
    apiKey: z.string().min(1),
    baseUrl: z.string().url().default('https://api.anthropic.com'),
    version: z.string().default('2023-06-01'),
    /** Betas always sent (client `anthropic-beta` headers are merged in). */
    betas: z.array(z.string()).optional(),
    headers: headersSchema.optional(),
  })
  .strict();

const bedrockProvider = z
  .object({
    type: z.literal('bedrock'),
    region: z.string().min(1),
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    sessionToken: z.string().optional(),
    /** Bedrock API key (bearer token); used instead of SigV4 when set. */
    apiKey: z.string().optional(),
    /** Endpoint override (tests, VPC endpoints). Defaults to https://bedrock-runtime.{region}.amazonaws.com */
    baseUrl: z.string().url().optional(),
  })
  .strict();

const simulatedProvider = z
  .object({
    type: z.literal('simulated'),
    /** Time to first token, in ms. */
    latencyMs: nonNegative.default(0),
    /** Streaming speed; 0 means as fast as possible. */
    tokensPerSecond: nonNegative.default(0),
  })
  .strict();

export const providerSchema = z.discriminatedUnion('type', [
  openaiProvider,
  openaiCompatibleProvider,
  anthropicProvider,
  bedrockProvider,
  simulatedProvider,
]);

/** Defaults of the `server` section (also used when the section is absent). */
export const SERVER_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  bodyLimitBytes: 20 * 1024 * 1024,
  maxJsonDepth: 128,
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  drainTimeoutMs: 30_000,
});

export const timeoutsSchema = z
  .object({
    connectMs: positiveInt.default(10_000),
    firstByteMs: positiveInt.default(60_000),
    idleMs: positiveInt.default(60_000),
    totalMs: positiveInt.default(600_000),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default(SERVER_DEFAULTS.host),
        port: z.number().int().min(0).max(65535).default(SERVER_DEFAULTS.port),
        /** Largest request body accepted, in bytes. */
        bodyLimitBytes: positiveInt.default(SERVER_DEFAULTS.bodyLimitBytes),
        /** Deepest JSON nesting accepted in a request body (objects and arrays); deeper bodies get a 400. */
        maxJsonDepth: positiveInt.default(SERVER_DEFAULTS.maxJsonDepth),
        /** A client must send its request headers within this time, or the socket is closed. */
        headersTimeoutMs: positiveInt.default(SERVER_DEFAULTS.headersTimeoutMs),
        /** A client must send its whole request (headers and body) within this time, or it gets a 408 and the socket is closed. */
        requestTimeoutMs: positiveInt.default(SERVER_DEFAULTS.requestTimeoutMs),
        /** Idle keep-alive connections are closed after this time. */
        keepAliveTimeoutMs: positiveInt.default(SERVER_DEFAULTS.keepAliveTimeoutMs),
        /** On shutdown, open requests get this long to finish; then streams end with the dialect's error event. */
        drainTimeoutMs: nonNegative.default(SERVER_DEFAULTS.drainTimeoutMs),
      })
      .strict()
      .default({ ...SERVER_DEFAULTS }),
    auth: z
      .object({
        /** A key with full access; normally `${SWITCHYARD_MASTER_KEY}`. */
        masterKey: z.string().min(1).optional(),
        keys: z.array(z.object({ key: z.string().min(8), name: z.string().min(1) }).strict()).default([]),
      })
      .strict()
      .default({ keys: [] }),
    storage: z
      .object({
        /**
         * PostgreSQL (`postgres://user:password@host:5432/db`; may be `${DATABASE_URL}`). Unset: the
         * DATABASE_URL environment variable, else the embedded SQLite file. See storage/database-url.ts.
         */
        databaseUrl: z.string().optional(),
        /** SQLite file for the embedded store. Unset: `$SWITCHYARD_DATA_DIR/switchyard.db`, else `.switchyard/switchyard.db`. */
        sqlitePath: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    timeouts: timeoutsSchema.default({ connectMs: 10_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 600_000 }),
    providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'provider names use letters, digits, _ . -'), providerSchema),
    models: z.array(modelSchema).min(1, 'at least one model is required'),
    aliases: z.record(z.string(), z.string()).default({}),
    /** Named routes clients send as `model`: candidates, strategy, fallbacks, retries, hedging. */
    routes: z.record(z.string().regex(/^[A-Za-z0-9_.:/-]+$/, 'route names use letters, digits, _ . : / -'), routeSchema).default({}),
    routing: routingSchema.default({ retryBudget: { ratio: 0.2, floor: 10, windowMs: 10_000 }, breaker: {} }),
    /** Budgets and rate limits of team keys (the limits themselves are set per team and key through the admin API). */
    limits: z
      .object({
        /**
         * Redis for counters, reservations and revocations shared by every replica (`redis://host:6379`;
         * may be `${REDIS_URL}`). Unset: the REDIS_URL environment variable, else in-process counters (one node).
         */
        redisUrl: z.string().optional(),
        /**
         * A budget reservation not settled within this time is freed (its replica died). Must exceed the
         * longest request; default: timeouts.totalMs + 60 s.
         */
        reservationTtlMs: positiveInt.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ProviderConfig = Config['providers'][string];
export type ModelConfig = z.output<typeof modelSchema>;
export type Pricing = z.output<typeof pricingSchema>;
export type OpenAIProviderConfig = z.output<typeof openaiProvider>;
export type OpenAICompatibleProviderConfig = z.output<typeof openaiCompatibleProvider>;
export type AnthropicProviderConfig = z.output<typeof anthropicProvider>;
export type BedrockProviderConfig = z.output<typeof bedrockProvider>;
export type RouteConfig = z.output<typeof routeSchema>;
export type SimulatedProviderConfig = z.output<typeof simulatedProvider>;
