/**
 * Canonical chat request: the one shape every client dialect decodes into and every
 * upstream adapter encodes from. Version 1.
 *
 * Conventions:
 * - Token counts and limits are integers; optional fields are omitted, never `null`.
 * - Tool-call arguments are carried as JSON *text* (`argumentsJson`), because OpenAI
 *   sends them as a string and streams fragments of it; adapters that need an object
 *   (Anthropic, Bedrock) parse it and report invalid JSON as a client error.
 * - System instructions live in `system`, not in `messages`.
 */

export interface CacheControl {
  type: 'ephemeral';
  ttl?: string;
}

export interface TextPart {
  type: 'text';
  text: string;
  cacheControl?: CacheControl;
}

export type ImageSource =
  | { kind: 'base64'; mediaType: string; data: string }
  | { kind: 'url'; url: string };

export interface ImagePart {
  type: 'image';
  source: ImageSource;
  /** OpenAI's `detail`; other upstreams ignore it. */
  detail?: 'auto' | 'low' | 'high';
  cacheControl?: CacheControl;
}

export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  name: string;
  /** JSON text of the arguments object ("{}" when there are none). */
  argumentsJson: string;
  cacheControl?: CacheControl;
}

export interface ToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  content: Array<TextPart | ImagePart>;
  isError?: boolean;
  cacheControl?: CacheControl;
}

/** Model reasoning ("thinking"). The signature must round-trip byte for byte. */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
}

/** Opaque, encrypted reasoning (Anthropic `redacted_thinking`, Bedrock `redactedContent`). */
export interface RedactedReasoningPart {
  type: 'redacted-reasoning';
  data: string;
}

export type UserContentPart = TextPart | ImagePart | ToolResultPart;
export type AssistantContentPart = TextPart | ToolCallPart | ReasoningPart | RedactedReasoningPart;

export interface UserMessage {
  role: 'user';
  content: UserContentPart[];
}

export interface AssistantMessage {
  role: 'assistant';
  content: AssistantContentPart[];
}

export type Message = UserMessage | AssistantMessage;

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  inputSchema: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

export interface ReasoningConfig {
  /** Anthropic/Bedrock extended thinking budget. */
  budgetTokens?: number;
  /** OpenAI reasoning effort. */
  effort?: 'minimal' | 'low' | 'medium' | 'high';
}

/** The dialect the client spoke; adapters use it to decide on passthrough and warnings. */
export type Dialect = 'openai-chat' | 'anthropic-messages';

export interface ChatRequest {
  /** The model name the client asked for (alias or catalog id), before routing. */
  model: string;
  system?: TextPart[];
  messages: Message[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** false forbids parallel tool calls (OpenAI parallel_tool_calls, Anthropic disable_parallel_tool_use). */
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  reasoning?: ReasoningConfig;
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** End-user id (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
  stream: boolean;
  /**
   * Fields of the client's body that the canonical form does not model, kept so an
   * upstream of the same dialect can still receive them. Keyed by the client's wire name.
   */
  extra?: Record<string, unknown>;
}
