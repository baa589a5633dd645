/**
 * The subset of the Bedrock Runtime Converse / ConverseStream wire shapes this adapter writes and
 * reads (botocore model bedrock-runtime 2023-09-30). Everything is camelCase; content blocks are
 * single-key unions. Unknown keys in responses (`p` padding, `serverToolUsage`, …) are allowed and
 * ignored.
 */

export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface BedrockImageBlock {
  format: BedrockImageFormat;
  /** Base64 of the image bytes (blobs are base64 in the JSON protocol). */
  source: { bytes: string };
}

export interface BedrockCachePointBlock {
  type: 'default';
  ttl?: '5m' | '1h';
}

export type BedrockToolResultContent = { text: string } | { image: BedrockImageBlock } | { json: unknown };

export type BedrockReasoningContent =
  | { reasoningText: { text: string; signature?: string } }
  /** Base64 of the encrypted reasoning bytes. */
  | { redactedContent: string };

export type BedrockContentBlock =
  | { text: string }
  | { image: BedrockImageBlock }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: BedrockToolResultContent[]; status?: 'success' | 'error' } }
  | { reasoningContent: BedrockReasoningContent }
  | { cachePoint: BedrockCachePointBlock };

export type BedrockSystemBlock = { text: string } | { cachePoint: BedrockCachePointBlock };

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockToolSpec {
  toolSpec: {
    name: string;
    description?: string;
    inputSchema: { json: Record<string, unknown> };
    strict?: boolean;
  };
}

export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface BedrockInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

/** Body of POST /model/{modelId}/converse and /converse-stream (the modelId is in the path). */
export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: BedrockSystemBlock[];
  inferenceConfig?: BedrockInferenceConfig;
  toolConfig?: { tools: BedrockToolSpec[]; toolChoice?: BedrockToolChoice };
  /** Model-specific fields (Anthropic `top_k`, `thinking`). */
  additionalModelRequestFields?: Record<string, unknown>;
}

/** Token usage as Bedrock reports it: `inputTokens` EXCLUDES cache reads and writes. */
export interface BedrockTokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
  /** Undocumented spellings seen in real recordings. */
  cacheReadInputTokenCount?: number;
  cacheWriteInputTokenCount?: number;
}
