import type { ChatRequest, ChatResult, ChatStream, Dialect, GatewayError, Usage, Warning } from '../spec/index.js';
import type { CredentialOptions, ProviderCredentials } from './credentials.js';
import type { UpstreamPool } from './shared/upstream-http.js';

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
  /**
   * This attempt's signal: aborted when the client disconnects, the gateway shuts down, or the attempt
   * loop abandons the attempt (a hedge that lost); the reason is a Cancellation saying which. The
   * upstream total timeout is not on it: the upstream call enforces that itself.
   */
  signal: AbortSignal;
  timeouts: CallTimeouts;
  /** Client headers that upstreams of the same family understand (e.g. anthropic-beta). */
  forwardHeaders?: Record<string, string>;
  /** Capabilities of the catalog model, used to warn instead of silently changing parameters. */
  model: ModelTraits;
  /**
   * When set, used for this call instead of the provider's configured ones (a team's own key); when
   * absent the adapter asks its CredentialResolver (by default: the configuration). Its secrets are
   * registered with the redactor when used, so upstream errors never echo them.
   */
  credentials?: ProviderCredentials;
}

/**
 * What whoever builds an adapter hands it besides the provider's configuration: the running
 * gateway's connection pool and credential resolver. Both default (unit tests, tools): the
 * process-wide default pool, and the credentials of the configuration.
 */
export interface AdapterOptions extends CredentialOptions {
  /** The pool every upstream call of this adapter goes through; owned (and closed) by the gateway. */
  pool?: UpstreamPool;
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

/** Result of a non-streaming call: the canonical result; its `warnings` hold every change the adapter made. */
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

/**
 * What a streamed event is, for the attempt loop and the response writer: a stream is committed to
 * the client at its first `content` event (or `finish`, for an empty answer); anything that fails
 * before that can still be retried or fall over invisibly.
 */
export type StreamEventKind = 'start' | 'content' | 'usage' | 'finish' | 'error' | 'other';

/** One framed event of a passthrough stream: the bytes to forward (unchanged, or re-encoded when usage is stripped). */
export interface PassthroughEvent {
  kind: StreamEventKind;
  /** Bytes for the client; absent for `error` (the writer renders the error in the client's dialect) and for dropped events. */
  bytes?: Uint8Array;
  error?: GatewayError;
}

export interface PassthroughResponse {
  status: number;
  /** Response headers worth forwarding (content-type, request ids, rate-limit headers). */
  headers: Record<string, string>;
  /**
   * Non-streaming: the whole body (already checked to be a JSON object). Streaming: framed, classified
   * events; a stream that ends without its terminal event yields a final `error` event (truncated).
   */
  body: Buffer | AsyncIterable<PassthroughEvent>;
  /** Usage the upstream reported so far (the last value wins); undefined when none arrived. */
  usage(): Usage | undefined;
  /** Whether the upstream signalled the end of its answer (finish reason / message_stop / [DONE]). */
  finished(): boolean;
  /** Characters of content (text, tool arguments, reasoning) delivered so far: the basis of an estimate for a cut stream. */
  deliveredChars(): number;
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
