import type { ChatRequest } from '../../spec/chat-request.js';
import type { Warning, WarningSetting } from '../../spec/warning.js';
import type { ModelTraits } from '../provider.js';
import { warnUnforwardedFields } from '../shared/warn-unforwarded-fields.js';
import type { BedrockConverseRequest, BedrockInferenceConfig } from './bedrock-api-types.js';
import { bedrockModelFamily, type BedrockModelFamily } from './bedrock-model-family.js';
import { convertToBedrockMessages, convertToBedrockSystem, hasToolHistory } from './convert-to-bedrock-messages.js';
import { convertToBedrockToolConfig } from './convert-to-bedrock-tools.js';

export interface BedrockRequestContext {
  /** Base model id, inference profile or ARN (it goes in the URL path, not the body). */
  modelId: string;
  traits: Pick<ModelTraits, 'reasoning' | 'maxOutputTokens'>;
}

export interface ConvertedBedrockRequest {
  body: BedrockConverseRequest;
  warnings: Warning[];
}

/** Thinking budgets used when a client states an OpenAI-style effort instead of a budget. */
const EFFORT_BUDGET: Readonly<Record<NonNullable<NonNullable<ChatRequest['reasoning']>['effort']>, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
};
/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;
/** Room left for the answer above the thinking budget when the client set no maxTokens. */
const ANSWER_ROOM = 4096;

/**
 * Canonical ChatRequest → Converse / ConverseStream body (fixtures README, Bedrock 3-5).
 * `inferenceConfig` takes maxTokens, temperature, topP and stopSequences; model-specific fields go in
 * `additionalModelRequestFields` (Anthropic `top_k` and `thinking`). Whatever Bedrock cannot honour
 * becomes a Warning, never a silent change; so does every field of `request.extra` (never forwarded).
 * Throws GatewayError (invalid_request, with `param`) for input no upstream call could fix (URL
 * images, unsupported image types, invalid tool-call JSON).
 */
export function convertToBedrockRequest(request: ChatRequest, context: BedrockRequestContext): ConvertedBedrockRequest {
  const warnings: Warning[] = [];
  const family = bedrockModelFamily(context.modelId);
  const body: BedrockConverseRequest = { messages: convertToBedrockMessages(request.messages, warnings) };

  const system = convertToBedrockSystem(request.system, warnings);
  if (system) body.system = system;

  const inferenceConfig = convertInferenceConfig(request);
  if (inferenceConfig) body.inferenceConfig = inferenceConfig;

  const toolConfig = convertToBedrockToolConfig(request, hasToolHistory(request.messages), warnings);
  if (toolConfig) body.toolConfig = toolConfig;

  const additional: Record<string, unknown> = {};
  if (request.topK !== undefined) {
    if (family === 'anthropic') additional.top_k = request.topK;
    else unsupported(warnings, 'top_k', 'Converse has no top-k setting for this model; top_k is sent only to Anthropic Claude models.');
  }
  const thinking = convertReasoning(request, family, context.traits, warnings);
  if (thinking) {
    additional.thinking = thinking.thinking;
    if (thinking.maxTokens !== undefined) body.inferenceConfig = { ...body.inferenceConfig, maxTokens: thinking.maxTokens };
  }
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;

  if (request.responseFormat && request.responseFormat.type !== 'text') {
    unsupported(warnings, 'response_format', `Bedrock Converse does not enforce ${request.responseFormat.type} output here; the model answers in free text.`);
  }
  if (request.seed !== undefined) unsupported(warnings, 'seed', 'Bedrock Converse has no seed.');
  if (request.frequencyPenalty !== undefined) unsupported(warnings, 'frequency_penalty', 'Bedrock Converse has no frequency penalty.');
  if (request.presencePenalty !== undefined) unsupported(warnings, 'presence_penalty', 'Bedrock Converse has no presence penalty.');
  if (request.user !== undefined) unsupported(warnings, 'user', 'Bedrock Converse has no end-user id.');
  warnUnforwardedFields(request.extra, 'Bedrock', warnings);
  return { body, warnings };
}

function convertInferenceConfig(request: ChatRequest): BedrockInferenceConfig | undefined {
  const config: BedrockInferenceConfig = {};
  if (request.maxTokens !== undefined) config.maxTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) config.stopSequences = request.stopSequences;
  return Object.keys(config).length > 0 ? config : undefined;
}

interface ThinkingPlan {
  thinking: { type: 'enabled'; budget_tokens: number };
  /** maxTokens to send when the client gave none (thinking needs room above the budget). */
  maxTokens?: number;
}

/**
 * Extended thinking goes to Anthropic models as `thinking: {type:'enabled', budget_tokens}`, which
 * must stay below max tokens. A budget is sent as given (models whose id names no vendor are trusted
 * when the catalog says they reason); an effort becomes a budget (low 1024, medium 4096, high 16384)
 * with a changed-setting warning, shrunk below maxTokens when needed. Without a client maxTokens the
 * gateway sends budget + 4096 (capped at the catalog's maxOutputTokens), with a warning, because
 * Bedrock's own default can be smaller than the budget.
 */
function convertReasoning(
  request: ChatRequest,
  family: BedrockModelFamily,
  traits: BedrockRequestContext['traits'],
  warnings: Warning[],
): ThinkingPlan | undefined {
  const reasoning = request.reasoning;
  if (!reasoning) return undefined;
  const takesThinking = family === 'anthropic' || (family === 'unknown' && traits.reasoning);
  let budget: number;
  const fromEffort = reasoning.budgetTokens === undefined;
  if (reasoning.budgetTokens !== undefined) {
    if (reasoning.effort !== undefined) {
      unsupported(warnings, 'reasoning_effort', 'A thinking budget is set and takes precedence over the effort.');
    }
    if (!takesThinking) {
      unsupported(warnings, 'thinking.budget_tokens', 'Bedrock takes a thinking budget only for Anthropic Claude models.');
      return undefined;
    }
    budget = reasoning.budgetTokens;
  } else {
    if (reasoning.effort === undefined) return undefined;
    if (!takesThinking || !traits.reasoning) {
      unsupported(warnings, 'reasoning_effort', 'This Bedrock model takes no reasoning effort (only Anthropic Claude models with extended thinking do).');
      return undefined;
    }
    budget = EFFORT_BUDGET[reasoning.effort];
  }

  let maxTokens = request.maxTokens;
  let chosenMaxTokens: number | undefined;
  if (maxTokens === undefined) {
    const wanted = budget + ANSWER_ROOM;
    maxTokens = traits.maxOutputTokens !== undefined ? Math.min(wanted, traits.maxOutputTokens) : wanted;
    chosenMaxTokens = maxTokens;
  }
  if (fromEffort && budget >= maxTokens) budget = maxTokens - 1;
  if (fromEffort && budget < MIN_THINKING_BUDGET) {
    unsupported(warnings, 'reasoning_effort', `max_tokens ${maxTokens} leaves no room for the smallest thinking budget (${MIN_THINKING_BUDGET}); thinking stays off.`);
    return undefined;
  }
  if (fromEffort) {
    warnings.push({
      type: 'changed-setting',
      setting: 'reasoning_effort',
      from: String(reasoning.effort),
      to: `thinking.budget_tokens=${budget}`,
      details: 'Bedrock Anthropic models take a thinking budget in tokens instead of an effort.',
    });
  }
  if (chosenMaxTokens !== undefined) {
    warnings.push({
      type: 'changed-setting',
      setting: 'max_tokens',
      from: 'unset',
      to: String(chosenMaxTokens),
      details: 'Extended thinking needs max tokens above the thinking budget; the gateway sent the budget plus room for the answer.',
    });
  }
  const plan: ThinkingPlan = { thinking: { type: 'enabled', budget_tokens: budget } };
  if (chosenMaxTokens !== undefined) plan.maxTokens = chosenMaxTokens;
  return plan;
}

function unsupported(warnings: Warning[], setting: WarningSetting, details: string): void {
  warnings.push({ type: 'unsupported-setting', setting, details });
}
