import type { ChatRequest, ChatResult, ChatStreamPart, Dialect, GatewayError, Warning } from '../spec/index.js';

/** What an encoder needs to know about the request it answers. */
export interface EncodeContext {
  /** The model name the client sent (alias or id). */
  requestedModel: string;
  /** The catalog model that answered. */
  servedModel: string;
  /** OpenAI: stream_options.include_usage was set. */
  includeUsage: boolean;
}

/**
 * Turns canonical stream parts into the dialect's SSE text, one part at a time. `push` returns the
 * bytes to write now ('' when the part produces nothing yet); `end` returns whatever must close the
 * stream (e.g. OpenAI `data: [DONE]`).
 */
export interface StreamEncoder {
  push(part: ChatStreamPart): string;
  end(): string;
}

export interface RenderedError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A client-facing dialect: decode the wire request, encode results, streams and errors. */
export interface DialectCodec {
  readonly name: Dialect;
  /** Validates and converts the wire body. Throws GatewayError (kind invalid_request, with `param`). */
  decodeRequest(body: unknown): ChatRequest;
  /** The wire body for a result. Never changes `result`. */
  encodeResponse(result: ChatResult, context: EncodeContext): unknown;
  /** Warnings for what encodeResponse leaves out of this result (content the dialect cannot carry), if any. */
  responseWarnings?(result: ChatResult): Warning[];
  createStreamEncoder(context: EncodeContext): StreamEncoder;
  encodeError(error: GatewayError): RenderedError;
  /** An error after the stream started (HTTP 200 already sent), as SSE text. */
  encodeStreamError(error: GatewayError): string;
}
