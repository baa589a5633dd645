import type { ChatRequest, ResponseFormat, ToolChoice, Warning } from '../../spec/index.js';
import { warnUnforwardedFields } from '../shared/warn-unforwarded-fields.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import type { OpenAIChatRequestBody, OpenAIResponseFormat, OpenAIToolChoice } from './openai-wire-types.js';

export type OpenAIMaxTokensField = 'max_tokens' | 'max_completion_tokens';

/** Reasoning models take only max_completion_tokens; translation and passthrough both say so. */
export const MAX_COMPLETION_TOKENS_WARNING: Readonly<Warning> = Object.freeze({
  type: 'changed-setting',
  setting: 'max_tokens',
  from: 'max_tokens',
  to: 'max_completion_tokens',
  details: 'Reasoning models only accept max_completion_tokens, which also counts reasoning tokens.',
});

export interface OpenAIRequestOptions {
  /** The provider's model id (context.upstreamModel). */
  upstreamModel: string;
  /**
   * The catalog model is an OpenAI reasoning model (o-series, gpt-5): it takes
   * `max_completion_tokens` and `reasoning_effort`, and rejects temperature/top_p other than 1.
   */
  reasoningModel: boolean;
  /** Token-limit field for non-reasoning models (openai-compatible `maxTokensField`). */
  maxTokensField: OpenAIMaxTokensField;
  /** false for Azure, which takes the deployment from the URL. */
  includeModel: boolean;
  stream: boolean;
}

export interface OpenAIRequestConversion {
  body: OpenAIChatRequestBody;
  warnings: Warning[];
}

/**
 * Canonical ChatRequest → Chat Completions request body. Every parameter the upstream cannot take
 * as given becomes a Warning. Streams always ask for `include_usage` so the gateway can meter them.
 * `request.extra` is not forwarded, and each of its fields gets a warning: an OpenAI Chat client
 * reaching an OpenAI-family upstream always takes the passthrough path, so extra fields that reach
 * translation are another dialect's (Anthropic `service_tier`, `container`, …), whose meaning
 * differs or does not exist in Chat Completions.
 */
export function convertToOpenAIRequest(request: ChatRequest, options: OpenAIRequestOptions): OpenAIRequestConversion {
  const warnings: Warning[] = [];
  const body: OpenAIChatRequestBody = { messages: convertToOpenAIMessages(request.system, request.messages, warnings) };
  if (options.includeModel) body.model = options.upstreamModel;

  if (request.maxTokens !== undefined) {
    if (options.reasoningModel) {
      body.max_completion_tokens = request.maxTokens;
      warnings.push(MAX_COMPLETION_TOKENS_WARNING);
    } else {
      body[options.maxTokensField] = request.maxTokens;
    }
  }
  setSampling(request, options.reasoningModel, body, warnings);
  if (request.topK !== undefined) warnings.push({ type: 'unsupported-setting', setting: 'top_k', details: 'Chat Completions has no top_k.' });
  if (request.stopSequences && request.stopSequences.length > 0) body.stop = request.stopSequences;

  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.inputSchema,
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    }));
  }
  if (request.toolChoice) body.tool_choice = convertToolChoice(request.toolChoice);
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat) body.response_format = convertResponseFormat(request.responseFormat);

  if (request.reasoning?.effort !== undefined) {
    if (options.reasoningModel) body.reasoning_effort = request.reasoning.effort;
    else warnings.push({ type: 'unsupported-setting', setting: 'reasoning_effort', details: 'This model is not a reasoning model.' });
  }
  if (request.reasoning?.budgetTokens !== undefined) {
    warnings.push({ type: 'unsupported-setting', setting: 'thinking.budget_tokens', details: 'OpenAI takes a reasoning effort, not a token budget.' });
  }

  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.user !== undefined) body.user = request.user;
  warnUnforwardedFields(request.extra, 'the Chat Completions upstream', warnings);
  if (options.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return { body, warnings };
}

function setSampling(request: ChatRequest, reasoningModel: boolean, body: OpenAIChatRequestBody, warnings: Warning[]): void {
  for (const [setting, value] of [['temperature', request.temperature], ['top_p', request.topP]] as const) {
    if (value === undefined) continue;
    if (reasoningModel && value !== 1) {
      warnings.push({ type: 'unsupported-setting', setting, details: `Reasoning models only accept ${setting} = 1; ${value} was dropped.` });
    } else {
      body[setting] = value;
    }
  }
}

function convertToolChoice(choice: ToolChoice): OpenAIToolChoice {
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type;
}

function convertResponseFormat(format: ResponseFormat): OpenAIResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      schema: format.schema,
      ...(format.strict !== undefined ? { strict: format.strict } : {}),
      ...(format.description !== undefined ? { description: format.description } : {}),
    },
  };
}
