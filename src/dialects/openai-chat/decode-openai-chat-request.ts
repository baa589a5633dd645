import type { ChatRequest, ReasoningConfig } from '../../spec/chat-request.js';
import { invalidRequest } from '../../spec/errors.js';
import { convertOpenAIChatMessages } from './convert-openai-chat-messages.js';
import { convertOpenAIChatResponseFormat } from './convert-openai-chat-response-format.js';
import { convertOpenAIChatToolChoice, convertOpenAIChatTools } from './convert-openai-chat-tools.js';
import { invalidParam, parseWithSchema } from './openai-chat-invalid-request.js';
import { requestFieldsSchema } from './openai-chat-request-schema.js';

/** Top-level fields this decoder turns into canonical fields. All others go to `extra` untouched. */
const CONSUMED = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'user',
  'n',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'stream',
  // honoured by the gateway's stream encoder, never forwarded by translation
  'stream_options',
]);

const CANONICAL_EFFORTS = new Set<string>(['minimal', 'low', 'medium', 'high']);
/** Values OpenAI accepts that the canonical ReasoningConfig cannot express (yet). */
const PASSTHROUGH_EFFORTS = new Set<string>(['none', 'xhigh', 'max']);

/**
 * Decodes an OpenAI Chat Completions request body into a canonical ChatRequest.
 *
 * Lenient where OpenAI is: unknown top-level fields are kept in `extra` under their wire names (a
 * translating adapter warns about each one it cannot forward), and `null` counts as absent.
 * `stream_options` is consumed, not kept in `extra`: the server reads `include_usage` from the raw
 * body, and the adapters ask their upstreams for usage themselves. Strict where the gateway cannot honour the request: every problem is a GatewayError of
 * kind invalid_request with `param` in OpenAI notation (`messages[2].content[0].image_url`).
 *
 * Notes: `max_completion_tokens` wins over `max_tokens` when both are set; only `n: 1` is supported;
 * `reasoning_effort` values outside minimal/low/medium/high (none, xhigh, max) stay in `extra` only.
 */
export function decodeOpenAIChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object with at least "model" and "messages".');
  }
  const fields = parseWithSchema(requestFieldsSchema, body, []);

  if (fields.n != null && fields.n !== 1) {
    throw invalidParam(['n'], `Invalid value for 'n': ${fields.n}. This gateway returns one choice per request; only n=1 is supported.`);
  }

  const { system, messages } = convertOpenAIChatMessages(fields.messages);
  const request: ChatRequest = { model: fields.model, messages, stream: fields.stream ?? false };
  if (system.length > 0) request.system = system;

  const maxTokens = fields.max_completion_tokens ?? fields.max_tokens;
  if (maxTokens != null) request.maxTokens = maxTokens;
  if (fields.temperature != null) request.temperature = fields.temperature;
  if (fields.top_p != null) request.topP = fields.top_p;
  if (fields.stop != null) request.stopSequences = typeof fields.stop === 'string' ? [fields.stop] : fields.stop;
  if (fields.seed != null) request.seed = fields.seed;
  if (fields.frequency_penalty != null) request.frequencyPenalty = fields.frequency_penalty;
  if (fields.presence_penalty != null) request.presencePenalty = fields.presence_penalty;
  if (fields.user != null) request.user = fields.user;
  if (fields.tools != null && fields.tools.length > 0) request.tools = convertOpenAIChatTools(fields.tools);
  if (fields.tool_choice != null) request.toolChoice = convertOpenAIChatToolChoice(fields.tool_choice, request.tools);
  if (fields.parallel_tool_calls != null) request.parallelToolCalls = fields.parallel_tool_calls;
  if (fields.response_format != null) request.responseFormat = convertOpenAIChatResponseFormat(fields.response_format);
  const reasoning = reasoningConfig(fields.reasoning_effort);
  if (reasoning) request.reasoning = reasoning;

  const extra = extraFields(body as Record<string, unknown>, fields.reasoning_effort);
  if (extra) request.extra = extra;
  return request;
}

function reasoningConfig(effort: string | null | undefined): ReasoningConfig | undefined {
  if (effort == null) return undefined;
  if (CANONICAL_EFFORTS.has(effort)) return { effort: effort as NonNullable<ReasoningConfig['effort']> };
  if (PASSTHROUGH_EFFORTS.has(effort)) return undefined;
  throw invalidParam(
    ['reasoning_effort'],
    `Invalid value for 'reasoning_effort': ${JSON.stringify(effort)}. Supported: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'.`,
  );
}

function extraFields(body: Record<string, unknown>, effort: string | null | undefined): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(body)) {
    if (CONSUMED.has(key) || body[key] === undefined) continue;
    (extra ??= {})[key] = body[key];
  }
  if (effort != null && PASSTHROUGH_EFFORTS.has(effort)) (extra ??= {}).reasoning_effort = effort;
  return extra;
}
