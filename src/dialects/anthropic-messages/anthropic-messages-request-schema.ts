import { z } from 'zod';

/**
 * Zod schemas for the pieces of an Anthropic Messages request. All objects are loose (unknown keys
 * pass), `null` counts as absent for optional fields, and ranges follow the Anthropic API so a client
 * gets the same 400 it would get from Anthropic. Content blocks and tools are dispatched on `type` by
 * the decoders, which then validate each with the matching schema below.
 */

const contentList = z.union([z.string(), z.array(z.unknown())], {
  error: 'Input should be a valid string or a list of content blocks',
});

const model = z.string().min(1);

/** Top-level fields common to /v1/messages and /v1/messages/count_tokens (order = report order). */
const commonFields = {
  messages: z.array(z.unknown()).min(1),
  system: contentList.nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional(),
  thinking: z.unknown().optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
  stream: z.boolean().nullish(),
};

export const messagesRequestSchema = z.looseObject({
  model,
  max_tokens: z.int().min(1),
  ...commonFields,
});

export const countTokensRequestSchema = z.looseObject({
  model,
  max_tokens: z.int().min(1).nullish(),
  ...commonFields,
});

export type MessagesRequestFields = z.infer<typeof countTokensRequestSchema>;

export const messageSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: contentList,
});

export const cacheControlSchema = z.looseObject({
  type: z.literal('ephemeral'),
  ttl: z.enum(['5m', '1h']).nullish(),
});

const cacheControl = cacheControlSchema.nullish();

/** Any content block: an object with a string `type`. */
export const taggedBlockSchema = z.looseObject({ type: z.string() });

export const textBlockSchema = z.looseObject({ text: z.string(), cache_control: cacheControl });

export const imageBlockSchema = z.looseObject({ source: taggedBlockSchema, cache_control: cacheControl });

export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

export const base64ImageSourceSchema = z.looseObject({ media_type: z.enum(IMAGE_MEDIA_TYPES), data: z.string().min(1) });

export const urlImageSourceSchema = z.looseObject({ url: z.string().min(1) });

export const toolUseBlockSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

export const toolResultBlockSchema = z.looseObject({
  tool_use_id: z.string().min(1),
  content: contentList.nullish(),
  is_error: z.boolean().nullish(),
  cache_control: cacheControl,
});

export const thinkingBlockSchema = z.looseObject({ thinking: z.string(), signature: z.string().nullish() });

export const redactedThinkingBlockSchema = z.looseObject({ data: z.string() });

export const customToolSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown()),
  strict: z.boolean().nullish(),
  cache_control: cacheControl,
});

export const toolChoiceSchema = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.string().min(1).nullish(),
  disable_parallel_tool_use: z.boolean().nullish(),
});

export const thinkingConfigSchema = z.looseObject({ type: z.enum(['enabled', 'disabled', 'adaptive']) });

/** Anthropic's minimum thinking budget. */
export const enabledThinkingSchema = z.looseObject({ budget_tokens: z.int().min(1024) });
