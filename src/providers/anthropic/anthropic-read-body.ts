import type { GatewayError } from '../../spec/index.js';
import { mapNetworkError, type UpstreamResponse } from '../shared/upstream-http.js';

/**
 * The total-timeout signal of sendUpstream (AbortSignal.timeout) aborts a body read with a
 * DOMException named TimeoutError; a client abort uses AbortError.
 */
export function isTotalTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/** Maps a failure while reading an upstream body, telling timeouts and client aborts apart. */
export function mapBodyReadError(error: unknown, provider: string, signal: AbortSignal | undefined): GatewayError {
  return mapNetworkError(error, provider, isTotalTimeout(error), signal?.aborted ?? false);
}

/** Reads a whole upstream body as bytes, unchanged. */
export async function readBodyBytes(response: UpstreamResponse, provider: string, signal: AbortSignal): Promise<Buffer> {
  try {
    return Buffer.from(await response.body.arrayBuffer());
  } catch (error) {
    throw mapBodyReadError(error, provider, signal);
  }
}
