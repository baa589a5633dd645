import type { DialectCodec } from '../dialect.js';
import { decodeAnthropicMessagesRequest } from './decode-anthropic-messages-request.js';
import { encodeAnthropicMessagesError, encodeAnthropicMessagesStreamError } from './encode-anthropic-messages-error.js';
import { encodeAnthropicMessagesResponse } from './encode-anthropic-messages-response.js';
import { createAnthropicMessagesStreamEncoder } from './encode-anthropic-messages-stream.js';

/**
 * The client-facing Anthropic Messages dialect (`POST /v1/messages`, official Anthropic SDKs unchanged).
 *
 * Known gaps (no canonical field, see the decoders): tool-level `cache_control`, `citations` on text
 * blocks sent back by the client, and `thinking: {type: "adaptive"}` (kept in `extra` only). Blocks and
 * tools that only Anthropic can run fail with SWY_ERR_REQUIRES_ANTHROPIC_UPSTREAM, which the server may
 * answer by routing to same-dialect passthrough.
 */
export const anthropicMessagesDialect: DialectCodec = Object.freeze({
  name: 'anthropic-messages',
  decodeRequest: decodeAnthropicMessagesRequest,
  encodeResponse: encodeAnthropicMessagesResponse,
  createStreamEncoder: createAnthropicMessagesStreamEncoder,
  encodeError: encodeAnthropicMessagesError,
  encodeStreamError: encodeAnthropicMessagesStreamError,
});

export { countTokensEstimate, decodeCountTokensRequest } from './count-tokens.js';
export { REQUIRES_ANTHROPIC_UPSTREAM } from './anthropic-messages-invalid-request.js';
export type { AnthropicMessage, AnthropicErrorBody, AnthropicStopReason, AnthropicUsage } from './anthropic-messages-wire-types.js';
