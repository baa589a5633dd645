/**
 * Markers a test can put in the last user message to make the simulated upstream misbehave:
 *
 * - `[simulate:error:<status>]` (status 400–599): fail the call the way an upstream answering that
 *   HTTP status would (429 rate_limit with retryAfterMs 1000, 500 upstream_error, 529 overloaded, 400 invalid_request, …).
 * - `[simulate:midstream-error]`: stream part of the answer, then an `error` part (non-streaming calls fail).
 * - `[simulate:latency:<ms>]`: override the provider's `latencyMs` for this request.
 * - `[simulate:tps:<n>]`: override the provider's `tokensPerSecond` for this request (0 = unpaced).
 *
 * Markers are matched in the last user message only, so a conversation that once failed can continue.
 */
export interface SimulationTriggers {
  errorStatus?: number;
  midstreamError: boolean;
  latencyMs?: number;
  tokensPerSecond?: number;
}

export function readTriggers(lastUserText: string): SimulationTriggers {
  const error = /\[simulate:error:([45]\d\d)\]/.exec(lastUserText);
  const latency = /\[simulate:latency:(\d{1,7})\]/.exec(lastUserText);
  const tps = /\[simulate:tps:(\d{1,6})\]/.exec(lastUserText);
  return {
    errorStatus: error ? Number(error[1]) : undefined,
    midstreamError: lastUserText.includes('[simulate:midstream-error]'),
    latencyMs: latency ? Number(latency[1]) : undefined,
    tokensPerSecond: tps ? Number(tps[1]) : undefined,
  };
}
