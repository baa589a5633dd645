import { settingPath, type ChatRequest, type ToolChoice, type ToolDefinition, type Warning } from '../../spec/index.js';
import type { ModelTraits } from '../provider.js';
import { warnUnforwardedFields } from '../shared/warn-unforwarded-fields.js';
import type { AnthropicMessagesRequest, AnthropicTool, AnthropicToolChoice } from './anthropic-api-types.js';
import { convertToAnthropicMessages, convertToAnthropicSystem } from './convert-to-anthropic-messages.js';

/** max_tokens sent when the client gave none (Anthropic has no default), unless the model allows less. */
export const DEFAULT_MAX_TOKENS = 4096;
/** Anthropic's smallest accepted thinking budget. */
export const MIN_THINKING_BUDGET = 1024;
/** OpenAI-style reasoning effort -> Anthropic thinking budget. */
export const EFFORT_BUDGETS: Readonly<Record<'minimal' | 'low' | 'medium' | 'high', number>> = Object.freeze({
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
});

export interface AnthropicRequestOptions {
  upstreamModel: string;
  /**
   * Catalog traits of the model. A numeric `maxOutputTokens`, when the routing layer includes one,
   * caps the default max_tokens (ModelTraits does not declare it yet).
   */
  model: ModelTraits;
  stream: boolean;
}

export interface ConvertedAnthropicRequest {
  body: AnthropicMessagesRequest;
  /** Every parameter that was changed or could not be honoured. */
  warnings: Warning[];
}

/**
 * Canonical ChatRequest -> Anthropic Messages body. Never changes a parameter silently: defaults
 * Anthropic requires (max_tokens), effort-to-budget mapping and every dropped setting become warnings.
 * Throws GatewayError invalid_request for input that cannot be expressed (invalid tool-call JSON).
 */
export function convertToAnthropicRequest(request: ChatRequest, options: AnthropicRequestOptions): ConvertedAnthropicRequest {
  const warnings: Warning[] = [];
  const messages = convertToAnthropicMessages(request.messages, warnings);
  const thinking = resolveThinking(request, options.model, warnings);
  const maxTokens = resolveMaxTokens(request, options.model, thinking, warnings);
  const budget = thinking ? fitBudget(thinking, maxTokens, warnings) : undefined;

  const body: AnthropicMessagesRequest = { model: options.upstreamModel, max_tokens: maxTokens, messages };
  const system = convertToAnthropicSystem(request.system);
  if (system !== undefined) body.system = system;
  if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
  applySampling(body, request, budget !== undefined, warnings);
  if (request.stopSequences && request.stopSequences.length > 0) body.stop_sequences = [...request.stopSequences];
  applyTools(body, request, warnings);
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  warnUnsupported(request, warnings);
  if (options.stream) body.stream = true;
  return { body, warnings };
}

interface ThinkingPlan {
  budget: number;
  /** Set when the gateway derived the budget from an effort level (and may therefore adjust it). */
  effort?: string;
}

function resolveThinking(request: ChatRequest, model: ModelTraits, warnings: Warning[]): ThinkingPlan | undefined {
  const reasoning = request.reasoning;
  if (!reasoning) return undefined;
  if (reasoning.budgetTokens !== undefined) {
    if (reasoning.effort !== undefined) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'reasoning_effort',
        details: 'Both a thinking budget and a reasoning effort were given; Anthropic takes the budget, the effort was ignored.',
      });
    }
    return { budget: reasoning.budgetTokens };
  }
  if (reasoning.effort === undefined) return undefined;
  if (!model.reasoning) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'reasoning_effort',
      details: 'The model does not support extended thinking; reasoning effort was ignored.',
    });
    return undefined;
  }
  return { budget: EFFORT_BUDGETS[reasoning.effort], effort: reasoning.effort };
}

function resolveMaxTokens(request: ChatRequest, model: ModelTraits, thinking: ThinkingPlan | undefined, warnings: Warning[]): number {
  if (request.maxTokens !== undefined) return request.maxTokens;
  const limit = modelMaxOutputTokens(model);
  // With thinking on, max_tokens must exceed the budget; leave the usual room for the answer.
  const wanted = thinking ? thinking.budget + DEFAULT_MAX_TOKENS : DEFAULT_MAX_TOKENS;
  const maxTokens = limit !== undefined ? Math.min(wanted, limit) : wanted;
  warnings.push({
    type: 'changed-setting',
    setting: 'max_tokens',
    from: 'unset',
    to: String(maxTokens),
    details: `Anthropic requires max_tokens; the gateway used ${maxTokens}${thinking ? ' (thinking budget plus room for the answer)' : ''}.`,
  });
  return maxTokens;
}

/**
 * Anthropic requires budget_tokens < max_tokens and >= 1024. A budget the gateway derived from an
 * effort is shrunk to fit (or thinking is left off when it cannot fit); a budget the client gave
 * explicitly is sent as is, so the upstream's validation message reaches the client.
 */
function fitBudget(plan: ThinkingPlan, maxTokens: number, warnings: Warning[]): number | undefined {
  if (plan.effort === undefined) return plan.budget;
  let budget = plan.budget;
  if (budget >= maxTokens) {
    budget = maxTokens - 1;
    if (budget < MIN_THINKING_BUDGET) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'reasoning_effort',
        details: `max_tokens ${maxTokens} leaves no room for Anthropic's minimum thinking budget of ${MIN_THINKING_BUDGET}; thinking was not enabled.`,
      });
      return undefined;
    }
  }
  warnings.push({
    type: 'changed-setting',
    setting: 'reasoning_effort',
    from: plan.effort,
    to: `thinking.budget_tokens=${budget}`,
    details: 'Anthropic takes a thinking token budget instead of an effort level.',
  });
  return budget;
}

/** With thinking on, Anthropic rejects temperature other than 1, any top_k and top_p below 0.95. */
function applySampling(body: AnthropicMessagesRequest, request: ChatRequest, thinking: boolean, warnings: Warning[]): void {
  const why = 'Anthropic does not accept it while extended thinking is enabled; it was not sent.';
  if (request.temperature !== undefined) {
    if (thinking && request.temperature !== 1) warnings.push({ type: 'unsupported-setting', setting: 'temperature', details: why });
    else body.temperature = request.temperature;
  }
  if (request.topP !== undefined) {
    if (thinking && request.topP < 0.95) warnings.push({ type: 'unsupported-setting', setting: 'top_p', details: why });
    else body.top_p = request.topP;
  }
  if (request.topK !== undefined) {
    if (thinking) warnings.push({ type: 'unsupported-setting', setting: 'top_k', details: why });
    else body.top_k = request.topK;
  }
}

function applyTools(body: AnthropicMessagesRequest, request: ChatRequest, warnings: Warning[]): void {
  const tools = request.tools ?? [];
  if (tools.length > 0) body.tools = tools.map((tool, index) => convertTool(tool, index, warnings));
  const choice = convertToolChoice(request.toolChoice, request.parallelToolCalls);
  if (!choice) return;
  if (tools.length > 0) body.tool_choice = choice;
  else if (choice.type !== 'none' && choice.type !== 'auto') {
    warnings.push({ type: 'unsupported-setting', setting: 'tool_choice', details: 'No tools were given, so no tool can be required.' });
  }
}

function convertTool(tool: ToolDefinition, index: number, warnings: Warning[]): AnthropicTool {
  if (tool.strict) {
    warnings.push({
      type: 'unsupported-setting',
      setting: settingPath('tools[].strict', index),
      details: 'Anthropic does not enforce strict tool schemas; the tool was sent without it.',
    });
  }
  const out: AnthropicTool = { name: tool.name, input_schema: tool.inputSchema };
  if (tool.description !== undefined) out.description = tool.description;
  return out;
}

function convertToolChoice(choice: ToolChoice | undefined, parallelToolCalls: boolean | undefined): AnthropicToolChoice | undefined {
  const disable = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  switch (choice?.type) {
    case undefined:
      return parallelToolCalls === false ? { type: 'auto', disable_parallel_tool_use: true } : undefined;
    case 'auto':
      return { type: 'auto', ...disable };
    case 'required':
      return { type: 'any', ...disable };
    case 'tool':
      return { type: 'tool', name: choice.name, ...disable };
    case 'none':
      return { type: 'none' };
  }
}

function warnUnsupported(request: ChatRequest, warnings: Warning[]): void {
  const format = request.responseFormat;
  if (format && format.type !== 'text') {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'response_format',
      details: `Anthropic has no native ${format.type} mode; the request was sent without it and the output is not guaranteed to be JSON.`,
    });
  }
  if (request.seed !== undefined) warnings.push({ type: 'unsupported-setting', setting: 'seed', details: 'Anthropic has no seed parameter.' });
  if (request.frequencyPenalty !== undefined) {
    warnings.push({ type: 'unsupported-setting', setting: 'frequency_penalty', details: 'Anthropic has no frequency penalty.' });
  }
  if (request.presencePenalty !== undefined) {
    warnings.push({ type: 'unsupported-setting', setting: 'presence_penalty', details: 'Anthropic has no presence penalty.' });
  }
  warnUnforwardedFields(request.extra, 'Anthropic', warnings);
}

/** The catalog's output limit, when the routing layer passes one along with the traits. */
function modelMaxOutputTokens(model: ModelTraits): number | undefined {
  return model.maxOutputTokens;
}
