import { z } from 'zod';

/**
 * Zod schemas for the parts of an OpenAI Chat Completions request body that Switchyard reads.
 * Lenient by design: objects keep unknown keys (`looseObject`) and optional fields accept `null`
 * (many clients send `"stop": null`), which the decoder treats as absent. Message and content-part
 * dispatch (by `role` / `type`) happens in the converters so unknown values get precise errors.
 */

const optionalNumber = (min: number, max: number) => z.number().min(min).max(max).nullish();

/** Top-level fields; everything not listed here is carried to ChatRequest.extra. */
export const requestFieldsSchema = z.looseObject({
  model: z.string().min(1, 'must be a non-empty model name'),
  messages: z.array(z.unknown()).min(1, 'must be a non-empty array of messages'),
  max_tokens: z.int().positive().nullish(),
  max_completion_tokens: z.int().positive().nullish(),
  temperature: optionalNumber(0, 2),
  top_p: optionalNumber(0, 1),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  seed: z.int().nullish(),
  frequency_penalty: optionalNumber(-2, 2),
  presence_penalty: optionalNumber(-2, 2),
  user: z.string().nullish(),
  n: z.int().nullish(),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z.unknown().optional(),
  reasoning_effort: z.string().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
});
export type RequestFields = z.infer<typeof requestFieldsSchema>;

export const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

export const imageUrlPartSchema = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({
    url: z.string().min(1, 'must be an http(s) URL or a data: URL'),
    detail: z.enum(['auto', 'low', 'high']).nullish(),
  }),
});

export const refusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

/** `content` of system, developer and tool messages: a string or text parts. */
export const textContentSchema = z.union([z.string(), z.array(z.unknown())]);

export const userMessageSchema = z.looseObject({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(z.unknown())]),
});

export const textOnlyMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer']),
  content: textContentSchema,
});

export const toolCallSchema = z.looseObject({
  id: z.string().min(1, 'must be the tool call id'),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1, 'must be the function name'), arguments: z.string().nullish() }),
});

export const assistantMessageSchema = z.looseObject({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(z.unknown())]).nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(z.unknown()).nullish(),
});

export const toolMessageSchema = z.looseObject({
  role: z.literal('tool'),
  tool_call_id: z.string().min(1, 'must be the id of the tool call this message answers'),
  content: textContentSchema,
});

export const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1, 'must be a non-empty function name'),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

export const namedToolChoiceSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1, 'must name one of the tools') }),
});

export const responseFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().min(1, 'must be a non-empty name'),
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);
