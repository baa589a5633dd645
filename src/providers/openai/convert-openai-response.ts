import type { AssistantContentPart, ChatResult, Warning } from '../../spec/index.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { badUpstreamResponse, mapOpenAIErrorObject } from './openai-errors.js';
import { generateResponseId, generateToolCallId } from './openai-ids.js';
import type { OpenAIChatCompletion, OpenAIResponseMessage, OpenAIResponseToolCall } from './openai-wire-types.js';
import { objectItems, stringOr } from './openai-wire-narrowing.js';

export interface OpenAIResponseContext {
  provider: string;
  upstreamModel: string;
  upstreamRequestId?: string;
  /** Warnings from the request conversion, carried into the result. */
  warnings: Warning[];
}

/**
 * A `chat.completion` body → canonical ChatResult. Only choice 0 is used (the canonical result has
 * one choice). Content order: reasoning (compatible servers' `reasoning_content`), text (a refusal
 * counts as text: Chat Completions sends one or the other), then tool calls.
 */
export function convertOpenAIResponse(body: unknown, context: OpenAIResponseContext): ChatResult {
  if (!isObject(body)) throw badUpstreamResponse(context.provider, 'the response body is not a JSON object', context.upstreamRequestId);
  const completion = body as OpenAIChatCompletion & { error?: unknown };
  if (completion.error !== undefined && completion.error !== null) {
    throw mapOpenAIErrorObject(completion.error, { provider: context.provider, upstreamRequestId: context.upstreamRequestId });
  }
  const choices = objectItems<Choice>(completion.choices);
  const choice = choices.find((c) => (c.index ?? 0) === 0) ?? choices[0];
  if (!choice) throw badUpstreamResponse(context.provider, 'the response has no choices', context.upstreamRequestId);

  const result: ChatResult = {
    id: nonEmpty(completion.id) ?? generateResponseId(),
    model: nonEmpty(completion.model) ?? context.upstreamModel,
    content: convertMessage(isObject(choice.message) ? choice.message : {}),
    finishReason: mapOpenAIFinishReason(choice.finish_reason),
    usage: completion.usage ? convertOpenAIUsage(completion.usage) : { inputTokens: 0, outputTokens: 0 },
    warnings: context.warnings,
  };
  if (typeof choice.finish_reason === 'string') result.rawFinishReason = choice.finish_reason;
  if (context.upstreamRequestId !== undefined) result.upstreamRequestId = context.upstreamRequestId;
  return result;
}

function convertMessage(message: OpenAIResponseMessage): AssistantContentPart[] {
  const content: AssistantContentPart[] = [];
  const reasoning = nonEmpty(message.reasoning_content) ?? nonEmpty(message.reasoning);
  if (reasoning !== undefined) content.push({ type: 'reasoning', text: reasoning });
  const text = nonEmpty(message.content) ?? nonEmpty(message.refusal);
  if (text !== undefined) content.push({ type: 'text', text });
  const toolCalls = objectItems<OpenAIResponseToolCall>(message.tool_calls);
  for (const call of toolCalls) {
    content.push({
      type: 'tool-call',
      id: nonEmpty(call.id) ?? generateToolCallId(),
      name: stringOr(call.function?.name, ''),
      argumentsJson: nonEmpty(call.function?.arguments) ?? '{}',
    });
  }
  if (isObject(message.function_call) && toolCalls.length === 0) {
    content.push({
      type: 'tool-call',
      id: generateToolCallId(),
      name: stringOr(message.function_call.name, ''),
      argumentsJson: nonEmpty(message.function_call.arguments) ?? '{}',
    });
  }
  return content;
}

type Choice = NonNullable<OpenAIChatCompletion['choices']>[number];

function nonEmpty(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
