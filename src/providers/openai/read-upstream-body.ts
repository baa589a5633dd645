import type { GatewayError } from '../../spec/index.js';
import { mapNetworkError, type UpstreamResponse } from '../shared/upstream-http.js';

/**
 * Maps a failure while reading an upstream body. Unlike a bare mapNetworkError it tells a client
 * disconnect (499) from the total timeout: sendUpstream aborts the body with only those two signals,
 * so an abort the client did not cause is the total timeout.
 */
export function mapBodyReadError(error: unknown, provider: string, clientSignal: AbortSignal): GatewayError {
  const clientAborted = clientSignal.aborted;
  return mapNetworkError(error, provider, !clientAborted && isAbort(error), clientAborted);
}

/** Reads a whole body as text (error bodies, non-stream responses) with read failures mapped. */
export async function readUpstreamText(response: UpstreamResponse, provider: string, clientSignal: AbortSignal): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw mapBodyReadError(error, provider, clientSignal);
  }
}

/** Reads a whole body as bytes, unchanged. */
export async function readUpstreamBytes(response: UpstreamResponse, provider: string, clientSignal: AbortSignal): Promise<Buffer> {
  try {
    return Buffer.from(await response.body.arrayBuffer());
  } catch (error) {
    throw mapBodyReadError(error, provider, clientSignal);
  }
}

function isAbort(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || name === 'TimeoutError' || code === 'UND_ERR_ABORTED';
}
