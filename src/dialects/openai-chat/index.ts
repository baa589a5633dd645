import type { DialectCodec } from '../dialect.js';
import { decodeOpenAIChatRequest } from './decode-openai-chat-request.js';
import { encodeOpenAIChatError, encodeOpenAIChatStreamError } from './encode-openai-chat-error.js';
import { encodeOpenAIChatResponse, openAIChatResponseWarnings } from './encode-openai-chat-response.js';
import { createOpenAIChatStreamEncoder } from './encode-openai-chat-stream.js';

/** The client-facing OpenAI Chat Completions dialect (`POST /v1/chat/completions`). */
export const openaiChatDialect: DialectCodec = Object.freeze({
  name: 'openai-chat',
  decodeRequest: decodeOpenAIChatRequest,
  encodeResponse: encodeOpenAIChatResponse,
  responseWarnings: openAIChatResponseWarnings,
  createStreamEncoder: createOpenAIChatStreamEncoder,
  encodeError: encodeOpenAIChatError,
  encodeStreamError: encodeOpenAIChatStreamError,
});

export { decodeOpenAIChatRequest } from './decode-openai-chat-request.js';
export { encodeOpenAIChatResponse, openAIChatResponseWarnings, type OpenAIChatCompletion } from './encode-openai-chat-response.js';
export { createOpenAIChatStreamEncoder, OpenAIChatStreamEncoder } from './encode-openai-chat-stream.js';
export { encodeOpenAIChatError, encodeOpenAIChatErrorBody, encodeOpenAIChatStreamError } from './encode-openai-chat-error.js';
export { mapFinishReasonToOpenAI } from './map-finish-reason-to-openai.js';
export { encodeOpenAIChatUsage } from './encode-openai-chat-usage.js';
export { openAIIncludeUsage } from './read-openai-stream-options.js';
