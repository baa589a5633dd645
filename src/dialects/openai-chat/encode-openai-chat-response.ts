import type { ChatResult } from '../../spec/chat-result.js';
import type { Warning } from '../../spec/warning.js';
import type { EncodeContext } from '../dialect.js';
import { encodeOpenAIChatUsage, type OpenAIChatUsage } from './encode-openai-chat-usage.js';
import { mapFinishReasonToOpenAI, type OpenAIFinishReason } from './map-finish-reason-to-openai.js';
import { toOpenAIChatCompletionId, unixSeconds } from './openai-chat-completion-id.js';

export interface OpenAIChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The `chat.completion` object Switchyard returns (a subset of OpenAI's, always schema-valid). */
export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: {
        role: 'assistant';
        content: string | null;
        refusal: null;
        annotations: [];
        tool_calls?: OpenAIChatToolCall[];
      };
      logprobs: null;
      finish_reason: OpenAIFinishReason;
    },
  ];
  usage: OpenAIChatUsage;
}

/**
 * Canonical result → OpenAI `chat.completion`. Text parts are joined into `message.content`, which is
 * `null` when the model only called tools. Reasoning parts have no place in Chat Completions: they are
 * dropped, and `openAIChatResponseWarnings` names them for the x-switchyard-warnings header. The
 * result is not changed. `system_fingerprint` is omitted (no upstream-neutral value exists).
 */
export function encodeOpenAIChatResponse(result: ChatResult, _context: EncodeContext): OpenAIChatCompletion {
  let text: string | undefined;
  let toolCalls: OpenAIChatToolCall[] | undefined;
  for (const part of result.content) {
    switch (part.type) {
      case 'text':
        text = text === undefined ? part.text : text + part.text;
        break;
      case 'tool-call':
        (toolCalls ??= []).push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.argumentsJson } });
        break;
      case 'reasoning':
      case 'redacted-reasoning':
        break; // no field for it; openAIChatResponseWarnings says so
    }
  }

  const message: OpenAIChatCompletion['choices'][0]['message'] = {
    role: 'assistant',
    content: text ?? (toolCalls ? null : ''),
    refusal: null,
    annotations: [],
  };
  if (toolCalls) message.tool_calls = toolCalls;
  return {
    id: toOpenAIChatCompletionId(result.id),
    object: 'chat.completion',
    created: unixSeconds(),
    model: result.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: mapFinishReasonToOpenAI(result.finishReason) }],
    usage: encodeOpenAIChatUsage(result.usage),
  };
}

/** What encodeOpenAIChatResponse leaves out of this result: the reasoning warning when it has reasoning. */
export function openAIChatResponseWarnings(result: ChatResult): Warning[] {
  const hasReasoning = result.content.some((part) => part.type === 'reasoning' || part.type === 'redacted-reasoning');
  return hasReasoning ? [{ ...REASONING_DROPPED }] : [];
}

/** The warning for reasoning that OpenAI Chat Completions cannot carry (also used by the stream encoder). */
export const REASONING_DROPPED = Object.freeze({
  type: 'dropped-content',
  content: 'reasoning',
  details: 'OpenAI Chat Completions has no field for model reasoning; reasoning blocks were omitted (reasoning_tokens still counts them).',
} as const);
