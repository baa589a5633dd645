import type { ChatRequest, ChatResult, ChatStream, Dialect, Usage, Warning } from '../spec/index.js';

/** Timeouts applied to one upstream call, in milliseconds. */
export interface CallTimeouts {
  /** TCP/TLS connect. */
  connectMs: number;
  /** From sending the request to receiving response headers. */
  firstByteMs: number;
  /** Longest silence between two body chunks (stream idle). */
  idleMs: number;
  /** Whole call, first byte to last. */
  totalMs: number;
}

/** What the routing layer tells an adapter about one call. */
export interface CallContext {
  /** The provider's id for the model (upstream model id, Bedrock model id / ARN, Azure deployment). */
  upstreamModel: string;
  /** Aborted when the client disconnects or the total timeout fires. */
  signal: AbortSignal;
  timeouts: CallTimeouts;
  /** Client headers that upstreams of the same family understand (e.g. anthropic-beta). */
  forwardHeaders?: Record<string, string>;
  /** Capabilities of the catalog model, used to warn instead of silently changing parameters. */
  model: ModelTraits;
}

export interface ModelTraits {
  /** OpenAI reasoning models take max_completion_tokens and reject temperature/top_p changes. */
  reasoning: boolean;
  tools: boolean;
  images: boolean;
  json: boolean;
  /** Upstream fetches remote image URLs itself. */
  remoteImages: boolean;
  /** The catalog's output limit, when configured (used as the default where an upstream requires one). */
  maxOutputTokens?: number;
}

/** Result of a non-streaming call: the canonical result plus warnings the adapter produced. */
export type ProviderResult = ChatResult;

/** A stream call resolves once the upstream has accepted the request (status 2xx, headers in). */
export interface ProviderStream {
  stream: ChatStream;
  warnings: Warning[];
  upstreamRequestId?: string;
}

/**
 * Same-dialect passthrough: the client's body goes upstream with only `model` (and auth/headers)
 * changed; the response bytes come back unchanged while usage is tapped from them.
 */
export interface PassthroughRequest {
  dialect: Dialect;
  /** Parsed client body; the adapter sets `model` and may set stream options it needs for usage. */
  body: Record<string, unknown>;
  stream: boolean;
}

export interface PassthroughResponse {
  status: number;
  /** Response headers worth forwarding (content-type, request ids, rate-limit headers). */
  headers: Record<string, string>;
  /** Non-streaming: the whole body. Streaming: the raw byte stream. */
  body: Buffer | AsyncIterable<Uint8Array>;
  /** Resolves when the body has been fully read (or the read failed) with the usage seen. */
  usage: Promise<Usage | undefined>;
  upstreamRequestId?: string;
  /** Changes the adapter had to make to the body (e.g. max_tokens → max_completion_tokens). */
  warnings?: Warning[];
}

/**
 * One adapter per upstream protocol. Adapters throw GatewayError for every failure
 * (client-fixable or upstream) and never let an upstream's raw error escape untyped.
 */
export interface ProviderAdapter {
  /** Config key of this provider instance (e.g. "openai", "house"). */
  readonly name: string;
  /** Protocol family: openai, openai-compatible, anthropic, bedrock, simulated. */
  readonly type: string;
  /** The client dialect this adapter can take verbatim, if any. */
  readonly passthroughDialect?: Dialect;

  chat(request: ChatRequest, context: CallContext): Promise<ProviderResult>;
  chatStream(request: ChatRequest, context: CallContext): Promise<ProviderStream>;
  passthrough?(request: PassthroughRequest, context: CallContext): Promise<PassthroughResponse>;
  close?(): Promise<void>;
}
