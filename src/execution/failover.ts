import type { GatewayError } from '../spec/errors.js';

/**
 * What the attempt loop does after a failed attempt:
 * - `retry`: the same deployment again after a backoff (5xx, timeouts, resets, malformed answers);
 * - `next`: the next candidate at once (429 and overload put the deployment in cooldown; a context
 *   overflow needs a larger window; our credentials or model id rejected by this upstream);
 * - `stop`: nothing else can help (the caller's own 4xx, a cancellation, the deadline).
 */
export type Disposition = 'retry' | 'next' | 'stop';

const CANCELLED = new Set(['SWY_ERR_CLIENT_CLOSED', 'SWY_ERR_SHUTTING_DOWN', 'SWY_ERR_REQUEST_DEADLINE', 'SWY_ERR_ATTEMPT_CANCELLED']);

export function dispositionOf(error: GatewayError): Disposition {
  if (CANCELLED.has(error.code)) return 'stop';
  if (isContextOverflow(error)) return 'next';
  if (error.kind === 'rate_limit' || error.kind === 'overloaded') return 'next';
  if (error.origin === 'upstream' && (error.kind === 'authentication' || error.kind === 'permission' || error.kind === 'not_found' || error.kind === 'quota_exceeded')) return 'next';
  if (error.kind === 'timeout' || error.kind === 'upstream_error') return error.retryable ? 'retry' : 'next';
  if (error.retryable && error.origin !== 'client') return 'retry';
  return 'stop';
}

const OVERFLOW = /context[ _-]?(length|window)|maximum context|too many (input )?tokens|prompt is too long|input is too long|exceeds? the (model'?s? )?(maximum|context)/i;

/** An upstream's "prompt too long for this model" error: another candidate with a larger window may serve it. */
export function isContextOverflow(error: GatewayError): boolean {
  if (error.code === 'SWY_ERR_CONTEXT_LENGTH') return true;
  if (error.origin !== 'upstream' || error.kind !== 'invalid_request' && error.kind !== 'request_too_large') return false;
  return (error.upstreamType !== undefined && /context_length|too_long/i.test(error.upstreamType)) || OVERFLOW.test(error.message.slice(0, 2000));
}
