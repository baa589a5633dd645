import { clientClosedError, GatewayError, shuttingDownError } from '../spec/errors.js';

/**
 * Who or what cancelled work, carried as an AbortSignal's `reason` so that everything downstream
 * (adapters, the attempt loop, the meter) can tell a client disconnect from a shutdown, a request
 * deadline, or an attempt the gateway itself abandoned (a hedge that lost).
 */
export type CancelReason = 'client-closed' | 'shutdown' | 'deadline' | 'hedge-lost';

const BRAND = Symbol.for('switchyard.Cancellation');

export class Cancellation extends Error {
  readonly [BRAND] = true;
  constructor(readonly reason: CancelReason, message = CANCEL_MESSAGES[reason]) {
    super(message);
    this.name = reason === 'deadline' ? 'TimeoutError' : 'AbortError';
  }

  static is(value: unknown): value is Cancellation {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

const CANCEL_MESSAGES: Record<CancelReason, string> = {
  'client-closed': 'The client closed the request.',
  shutdown: 'The gateway is shutting down.',
  deadline: 'The request exceeded its total deadline.',
  'hedge-lost': 'Another attempt answered first.',
};

/** The reason a signal was aborted with, when it is one of ours. */
export function cancelReason(signal: AbortSignal): CancelReason | undefined {
  if (!signal.aborted) return undefined;
  return Cancellation.is(signal.reason) ? signal.reason.reason : 'client-closed';
}

/** The client-facing error for work cut short by a cancellation. */
export function cancellationError(reason: CancelReason, provider?: string): GatewayError {
  switch (reason) {
    case 'client-closed':
      return clientClosedError(provider);
    case 'shutdown':
      return shuttingDownError();
    case 'deadline':
      return new GatewayError({ code: 'SWY_ERR_REQUEST_DEADLINE', kind: 'timeout', origin: 'gateway', message: CANCEL_MESSAGES.deadline, retryable: false, provider });
    default:
      return new GatewayError({ code: 'SWY_ERR_ATTEMPT_CANCELLED', kind: 'upstream_error', origin: 'gateway', message: CANCEL_MESSAGES[reason], retryable: true, provider });
  }
}
