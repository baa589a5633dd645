import type { AssistantContentPart } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { EncodeContext } from '../dialect.js';
import { toAnthropicMessageId } from './anthropic-message-id.js';
import type { AnthropicMessage, AnthropicResponseBlock } from './anthropic-messages-wire-types.js';
import { encodeAnthropicUsage } from './encode-anthropic-usage.js';
import { anthropicStopSequence, mapFinishReasonToAnthropic } from './map-finish-reason-to-anthropic.js';
import { parseToolInput } from './parse-tool-input.js';

/**
 * Canonical ChatResult → an Anthropic `Message` body.
 *
 * - `id` gets the `msg_` prefix unless it already has it; `model` is the model that answered
 *   (falling back to the served catalog model, then the requested name).
 * - Tool-call ids are passed through unchanged (even `call_…` ids from OpenAI), so the client's
 *   later tool_result.tool_use_id still matches what the upstream issued.
 * - Tool arguments are parsed into the `input` object (see parseToolInput for invalid JSON).
 * - Reasoning becomes `thinking` with its signature byte for byte (`""` when the upstream gave none);
 *   redacted reasoning becomes `redacted_thinking`.
 * - usage.input_tokens is the uncached part (canonical input − cache read − cache write).
 */
export function encodeAnthropicMessagesResponse(result: ChatResult, context: EncodeContext): AnthropicMessage {
  return {
    id: toAnthropicMessageId(result.id),
    type: 'message',
    role: 'assistant',
    model: result.model || context.servedModel || context.requestedModel,
    content: result.content.map(encodeBlock),
    stop_reason: mapFinishReasonToAnthropic(result.finishReason),
    stop_sequence: anthropicStopSequence(result.finishReason, result.stopSequence),
    usage: encodeAnthropicUsage(result.usage),
  };
}

function encodeBlock(part: AssistantContentPart): AnthropicResponseBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'tool-call':
      return { type: 'tool_use', id: part.id, name: part.name, input: parseToolInput(part.argumentsJson) };
    case 'reasoning':
      return { type: 'thinking', thinking: part.text, signature: part.signature ?? '' };
    case 'redacted-reasoning':
      return { type: 'redacted_thinking', data: part.data };
  }
}
