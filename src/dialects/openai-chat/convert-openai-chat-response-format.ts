import type { ResponseFormat } from '../../spec/chat-request.js';
import { invalidParam, parseWithSchema } from './openai-chat-invalid-request.js';
import { responseFormatSchema } from './openai-chat-request-schema.js';

const TYPES = ['text', 'json_object', 'json_schema'];

/**
 * OpenAI `response_format` → canonical. `json_schema` keeps name, schema, strict and description;
 * a json_schema without `schema` means "any JSON value" and becomes `{}`.
 */
export function convertOpenAIChatResponseFormat(raw: unknown): ResponseFormat {
  const type = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).type : undefined;
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    throw invalidParam(
      ['response_format', 'type'],
      `Invalid value for 'response_format.type': ${JSON.stringify(type)}. Supported: 'text', 'json_object', 'json_schema'.`,
    );
  }
  const format = parseWithSchema(responseFormatSchema, raw, ['response_format']);
  if (format.type !== 'json_schema') return { type: format.type };
  const spec = format.json_schema;
  const out: ResponseFormat = { type: 'json_schema', name: spec.name, schema: spec.schema ?? {} };
  if (spec.strict != null) out.strict = spec.strict;
  if (spec.description != null) out.description = spec.description;
  return out;
}
