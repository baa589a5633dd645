import type { ChatRequest } from '../../spec/chat-request.js';
import { invalidRequest } from '../../spec/errors.js';
import { parseField, type FieldPath } from './anthropic-messages-invalid-request.js';
import {
  countTokensRequestSchema,
  enabledThinkingSchema,
  messagesRequestSchema,
  thinkingConfigSchema,
  type MessagesRequestFields,
} from './anthropic-messages-request-schema.js';
import { decodeMessage, decodeSystem } from './decode-anthropic-content-blocks.js';
import { decodeToolChoice, decodeTools } from './decode-anthropic-tools.js';

/** Top-level fields this decoder turns into canonical fields. All others go to `extra` untouched. */
const CONSUMED: ReadonlySet<string> = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'metadata',
  'stream',
]);

/**
 * Decodes an Anthropic Messages request body (`POST /v1/messages`) into a canonical ChatRequest.
 *
 * Lenient where Anthropic is: unknown top-level fields (service_tier, container, output_config,
 * context_management, …) are kept in `extra` under their wire names, and `null` counts as absent.
 * Strict where Anthropic is: `model`, `messages` and `max_tokens` (a positive integer) are required,
 * roles are only user/assistant, ranges are Anthropic's (temperature and top_p 0–1, thinking budget
 * ≥ 1024). Every problem is a GatewayError of kind invalid_request with `param` as a dotted path and
 * a message in Anthropic's own style (`max_tokens: Field required`).
 *
 * `thinking: {type: "adaptive"}` has no canonical form: it stays in `extra.thinking` only.
 */
export function decodeAnthropicMessagesRequest(body: unknown): ChatRequest {
  return decodeRequestBody(body, true);
}

/**
 * Decodes a `POST /v1/messages/count_tokens` body: the same rules as decodeAnthropicMessagesRequest
 * except that `max_tokens` is optional.
 */
export function decodeAnthropicCountTokensRequest(body: unknown): ChatRequest {
  return decodeRequestBody(body, false);
}

function decodeRequestBody(body: unknown, requireMaxTokens: boolean): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object with "model", "messages" and "max_tokens".');
  }
  const fields: MessagesRequestFields = requireMaxTokens
    ? parseField(messagesRequestSchema, body, [])
    : parseField(countTokensRequestSchema, body, []);

  const request: ChatRequest = {
    model: fields.model,
    messages: fields.messages.map((message, i) => decodeMessage(message, ['messages', i])),
    stream: fields.stream ?? false,
  };
  if (fields.max_tokens != null) request.maxTokens = fields.max_tokens;
  if (fields.system != null) {
    const system = decodeSystem(fields.system, ['system']);
    if (system) request.system = system;
  }
  if (fields.stop_sequences != null) request.stopSequences = fields.stop_sequences;
  if (fields.temperature != null) request.temperature = fields.temperature;
  if (fields.top_p != null) request.topP = fields.top_p;
  if (fields.top_k != null) request.topK = fields.top_k;
  if (fields.tools != null) request.tools = decodeTools(fields.tools, ['tools']);
  if (fields.tool_choice != null) {
    const { toolChoice, parallelToolCalls } = decodeToolChoice(fields.tool_choice, ['tool_choice']);
    request.toolChoice = toolChoice;
    if (parallelToolCalls !== undefined) request.parallelToolCalls = parallelToolCalls;
  }
  if (fields.metadata?.user_id != null) request.user = fields.metadata.user_id;

  const extra = collectExtra(body as Record<string, unknown>);
  if (fields.thinking != null) {
    const budgetTokens = decodeThinking(fields.thinking, ['thinking']);
    if (budgetTokens === 'adaptive') extra.thinking = fields.thinking;
    else if (budgetTokens !== undefined) request.reasoning = { budgetTokens };
  }
  if (Object.keys(extra).length > 0) request.extra = extra;
  return request;
}

/** `thinking`: enabled → its budget, disabled → undefined, adaptive → 'adaptive' (kept in extra). */
function decodeThinking(raw: unknown, path: FieldPath): number | 'adaptive' | undefined {
  const { type } = parseField(thinkingConfigSchema, raw, path);
  if (type === 'disabled') return undefined;
  if (type === 'adaptive') return 'adaptive';
  return parseField(enabledThinkingSchema, raw, path).budget_tokens;
}

function collectExtra(body: Record<string, unknown>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const key of Object.keys(body)) {
    if (!CONSUMED.has(key)) extra[key] = body[key];
  }
  return extra;
}
