import { z } from 'zod';

/**
 * The shape of switchyard.yaml (after `${ENV}` substitution). Validated once at start;
 * resolve-config.ts turns it into the frozen ResolvedConfig the rest of the gateway reads.
 */

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

export const pricingSchema = z
  .object({
    /** US dollars per million input tokens (uncached). */
    inputPerMTok: nonNegative,
    outputPerMTok: nonNegative,
    cacheReadPerMTok: nonNegative.optional(),
    cacheWritePerMTok: nonNegative.optional(),
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
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Largest request body accepted, in bytes. */
        bodyLimitBytes: positiveInt.default(20 * 1024 * 1024),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080, bodyLimitBytes: 20 * 1024 * 1024 }),
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
        /** SQLite file for the embedded store (master key hash, usage ledger). */
        sqlitePath: z.string().default('.switchyard/switchyard.db'),
      })
      .strict()
      .default({ sqlitePath: '.switchyard/switchyard.db' }),
    timeouts: timeoutsSchema.default({ connectMs: 10_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 600_000 }),
    providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'provider names use letters, digits, _ . -'), providerSchema),
    models: z.array(modelSchema).min(1, 'at least one model is required'),
    aliases: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ProviderConfig = Config['providers'][string];
export type ModelConfig = z.output<typeof modelSchema>;
export type OpenAIProviderConfig = z.output<typeof openaiProvider>;
export type OpenAICompatibleProviderConfig = z.output<typeof openaiCompatibleProvider>;
export type AnthropicProviderConfig = z.output<typeof anthropicProvider>;
export type BedrockProviderConfig = z.output<typeof bedrockProvider>;
export type SimulatedProviderConfig = z.output<typeof simulatedProvider>;
