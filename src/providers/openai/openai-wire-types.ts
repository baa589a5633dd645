/**
 * The subset of the OpenAI Chat Completions wire format the adapters write and read
 * (see ../shared/fixtures/openai/openapi.yaml). Response types mark every field optional and
 * nullable because OpenAI-compatible servers (and Azure) omit or null fields OpenAI always sends.
 */

export type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAITool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
}

export type OpenAIToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type OpenAIResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean; description?: string } };

export interface OpenAIChatRequestBody {
  model?: string;
  messages: OpenAIMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: OpenAIResponseFormat;
  reasoning_effort?: string;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  user?: string;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
}

export interface OpenAIWireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export interface OpenAIResponseToolCall {
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

export interface OpenAIResponseMessage {
  role?: string | null;
  content?: string | null;
  refusal?: string | null;
  /** Not OpenAI: DeepSeek, vLLM and others put chain-of-thought here. */
  reasoning_content?: string | null;
  /** Not OpenAI: OpenRouter and Ollama put chain-of-thought here. */
  reasoning?: string | null;
  tool_calls?: OpenAIResponseToolCall[] | null;
  /** Deprecated single function call. */
  function_call?: { name?: string | null; arguments?: string | null } | null;
}

export interface OpenAIChatCompletion {
  id?: string | null;
  model?: string | null;
  choices?: Array<{ index?: number | null; message?: OpenAIResponseMessage | null; finish_reason?: string | null }> | null;
  usage?: OpenAIWireUsage | null;
}

export interface OpenAIChunkToolCall {
  index?: number | null;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

export interface OpenAIChunkDelta {
  role?: string | null;
  content?: string | null;
  refusal?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: OpenAIChunkToolCall[] | null;
}

export interface OpenAIChatCompletionChunk {
  id?: string | null;
  model?: string | null;
  choices?: Array<{ index?: number | null; delta?: OpenAIChunkDelta | null; finish_reason?: string | null }> | null;
  usage?: OpenAIWireUsage | null;
  error?: unknown;
}

/** `{"error":{"message","type","param","code"}}`; compatible servers sometimes send a bare string. */
export interface OpenAIErrorObject {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
}
