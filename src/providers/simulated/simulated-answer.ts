import type { AssistantContentPart, ChatRequest, ChatResult, ToolCallPart, Warning } from '../../spec/index.js';
import type { GatewayError } from '../../spec/errors.js';
import type { CallContext } from '../provider.js';
import { simulatedInvalidRequest, simulatedMidstreamError, simulatedStatusError } from './simulated-errors.js';
import { applyLimits } from './simulated-limits.js';
import { createSeededRandom, hashText } from './simulated-random.js';
import { composeReasoning, reasoningTarget } from './simulated-reasoning.js';
import { readRequestFacts, topicSnippet } from './simulated-request-facts.js';
import { composeAnswer, composeToolPreface, type AnswerFormat } from './simulated-text.js';
import { resolveSimulatedTier } from './simulated-tier.js';
import { planToolCalls, UnknownForcedToolError } from './simulated-tool-calls.js';
import { readTriggers } from './simulated-triggers.js';
import { countInputTokens, usageOf } from './simulated-usage.js';

/** How a simulated call fails, when a trigger asks it to. */
export type SimulatedFailure =
  | { when: 'before-response'; error: GatewayError }
  | { when: 'mid-stream'; error: GatewayError };

/** Time to the first part, and streaming pace in tokens per second (0 = unpaced). */
export interface SimulatedTiming {
  latencyMs: number;
  tokensPerSecond: number;
}

/**
 * Everything one simulated call produces, computed up front; chat() and chatStream() only deliver it.
 * The timing is the provider's, or a trigger's override for this request.
 */
export interface SimulatedAnswer extends SimulatedTiming {
  result: ChatResult;
  failure?: SimulatedFailure;
}

/**
 * Builds the simulated answer to a request. Deterministic: the same request, upstream model and
 * model traits give the same answer, byte for byte (ids included). Throws GatewayError
 * (invalid_request, shaped like an upstream 400) for requests the simulated model rejects.
 *
 * Sampling settings (temperature, topP, topK, seed, penalties) are accepted and have no effect:
 * the simulator has no randomness to steer, so there is nothing to warn about.
 */
export function buildSimulatedAnswer(request: ChatRequest, context: CallContext, provider: string, timing: SimulatedTiming): SimulatedAnswer {
  const model = context.upstreamModel;
  const hash = hashText(JSON.stringify([model, request.system, request.messages, request.tools, request.toolChoice, request.parallelToolCalls, request.responseFormat]));
  const upstreamRequestId = `sim-req-${hash.slice(32, 48)}`;
  const reject = (message: string, param: string): GatewayError => simulatedInvalidRequest(message, param, provider, upstreamRequestId);

  if (request.messages.length === 0) throw reject('messages must contain at least one message.', 'messages');
  if (request.maxTokens !== undefined && (!Number.isInteger(request.maxTokens) || request.maxTokens < 1)) {
    throw reject(`maxTokens must be a positive integer; got ${request.maxTokens}.`, 'maxTokens');
  }
  const facts = readRequestFacts(request);
  if (facts.imageCount > 0 && !context.model.images) {
    throw reject(`Model ${model} does not accept images: remove the image parts or choose a model that supports images.`, 'messages');
  }
  if ((request.tools?.length ?? 0) > 0 && !context.model.tools) {
    throw reject(`Model ${model} does not support tools: remove tools or choose a model that supports tool calling.`, 'tools');
  }

  const warnings: Warning[] = [];
  const tier = resolveSimulatedTier(model);
  const random = createSeededRandom(hash);
  const content: AssistantContentPart[] = [];

  const wantsReasoning = reasoningTarget(request.reasoning, tier);
  if (wantsReasoning !== undefined && !context.model.reasoning) {
    const setting = request.reasoning?.budgetTokens !== undefined ? 'thinking.budget_tokens' : 'reasoning_effort';
    warnings.push({ type: 'unsupported-setting', setting, details: `Model ${model} does not reason; the setting was ignored.` });
  } else if (wantsReasoning !== undefined) {
    content.push(composeReasoning(createSeededRandom(hashText(`${hash}:reasoning`)), topicSnippet(facts.lastUserText), wantsReasoning));
  }

  const toolCalls = toolCallsOrReject(() => planToolCalls(request, facts, hash), reject);
  const format = answerFormat(request, context, warnings);
  if (toolCalls.length > 0) {
    if (tier.announcesToolCalls && format.type === 'text') content.push({ type: 'text', text: composeToolPreface(model, toolCalls.map((call) => call.name)) });
    content.push(...toolCalls);
  } else {
    content.push({ type: 'text', text: composeAnswer({ model, tier, random, facts, format }) });
  }

  const limited = applyLimits(content, request.stopSequences, request.maxTokens);
  const result: ChatResult = {
    id: `sim-${hash.slice(0, 24)}`,
    model,
    content: limited.content,
    finishReason: limited.finishReason,
    ...(limited.stopSequence !== undefined ? { stopSequence: limited.stopSequence } : {}),
    usage: usageOf(countInputTokens(request), limited.content),
    warnings,
    upstreamRequestId,
  };

  const triggers = readTriggers(facts.lastUserText);
  let failure: SimulatedFailure | undefined;
  if (triggers.errorStatus !== undefined) failure = { when: 'before-response', error: simulatedStatusError(triggers.errorStatus, provider, upstreamRequestId) };
  else if (triggers.midstreamError) failure = { when: 'mid-stream', error: simulatedMidstreamError(provider, upstreamRequestId) };
  return {
    result,
    failure,
    latencyMs: triggers.latencyMs ?? timing.latencyMs,
    tokensPerSecond: triggers.tokensPerSecond ?? timing.tokensPerSecond,
  };
}

function toolCallsOrReject(plan: () => ToolCallPart[], reject: (message: string, param: string) => GatewayError): ToolCallPart[] {
  try {
    return plan();
  } catch (error) {
    if (error instanceof UnknownForcedToolError) throw reject(`${error.message} Name one of the tools, or use toolChoice auto.`, 'toolChoice');
    throw error;
  }
}

function answerFormat(request: ChatRequest, context: CallContext, warnings: Warning[]): AnswerFormat {
  const requested = request.responseFormat;
  if (!requested || requested.type === 'text') return { type: 'text' };
  if (!context.model.json) {
    warnings.push({ type: 'unsupported-setting', setting: 'response_format', details: `Model ${context.upstreamModel} has no JSON mode; it answered in plain text.` });
    return { type: 'text' };
  }
  return requested.type === 'json_schema' ? { type: 'json_schema', schema: requested.schema } : { type: 'json_object' };
}
