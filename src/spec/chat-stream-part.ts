import type { FinishReason } from './chat-result.js';
import type { Usage } from './usage.js';
import type { GatewayError } from './errors.js';

/**
 * Canonical stream parts, in the order an adapter must emit them:
 *
 *   start
 *   ( block-start  block-delta*  block-end )*      -- blocks never interleave
 *   usage*                                          -- any time; the last one wins
 *   finish                                          -- exactly once, carries final usage
 *
 * or, at any point, one `error` part, after which nothing follows.
 *
 * `index` is the block's position among all blocks of the response (0, 1, 2 …), the way
 * Anthropic numbers content blocks. Dialect encoders derive their own numbering from it
 * (OpenAI numbers tool calls separately).
 */
export type ChatStreamPart =
  | { type: 'start'; id: string; model: string; upstreamRequestId?: string }
  | { type: 'text-start'; index: number }
  | { type: 'text-delta'; index: number; delta: string }
  | { type: 'text-end'; index: number }
  | { type: 'reasoning-start'; index: number }
  | { type: 'reasoning-delta'; index: number; delta: string }
  | { type: 'reasoning-signature'; index: number; signature: string }
  | { type: 'reasoning-end'; index: number }
  | { type: 'redacted-reasoning'; index: number; data: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'tool-call-end'; index: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; finishReason: FinishReason; rawFinishReason?: string; stopSequence?: string; usage: Usage }
  | { type: 'error'; error: GatewayError };

export type ChatStream = AsyncIterable<ChatStreamPart>;
