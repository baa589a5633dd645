import { clientStatusForUpstream, GatewayError, kindForUpstreamStatus, UPSTREAM_ERROR_CODES, upstreamErrorCode } from '../../spec/errors.js';

/**
 * Errors of the simulated upstream. Rejections the simulated model itself makes (images to a
 * text-only model, an unknown forced tool) are shaped like a real upstream's HTTP 400: kind
 * invalid_request, origin upstream, with `param` naming the request field to fix. Codes are the
 * shared upstream vocabulary (UPSTREAM_ERROR_CODES), the same a real provider's failure gets.
 */

/** Retry-After the simulated upstream sends with a 429. */
export const SIMULATED_RETRY_AFTER_MS = 1000;

/** The error an upstream answering HTTP `status` would produce (used by `[simulate:error:<status>]`). */
export function simulatedStatusError(status: number, provider: string, upstreamRequestId: string): GatewayError {
  const kind = kindForUpstreamStatus(status);
  return new GatewayError({
    code: upstreamErrorCode(kind),
    kind,
    origin: 'upstream',
    status: clientStatusForUpstream(kind, status),
    message: `Simulated upstream ${provider} answered HTTP ${status} (${kind}), as requested by [simulate:error:${status}].`,
    retryAfterMs: status === 429 ? SIMULATED_RETRY_AFTER_MS : undefined,
    provider,
    upstreamStatus: status,
    upstreamRequestId,
    upstreamType: `simulated_${kind}`,
  });
}

/** The failure `[simulate:midstream-error]` injects after part of the answer was streamed. */
export function simulatedMidstreamError(provider: string, upstreamRequestId: string): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.OVERLOADED,
    kind: 'overloaded',
    origin: 'upstream',
    message: `Simulated upstream ${provider} failed in the middle of the stream, as requested by [simulate:midstream-error].`,
    retryable: true,
    provider,
    upstreamRequestId,
    upstreamType: 'simulated_overloaded',
  });
}

export { clientClosedError } from '../../spec/errors.js';

/** A request the simulated model rejects, as a real upstream would with HTTP 400. */
export function simulatedInvalidRequest(message: string, param: string, provider: string, upstreamRequestId: string): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.INVALID_REQUEST,
    kind: 'invalid_request',
    origin: 'upstream',
    status: 400,
    message,
    param,
    retryable: false,
    provider,
    upstreamStatus: 400,
    upstreamRequestId,
    upstreamType: 'simulated_invalid_request',
  });
}
