import type { Attempt, MeteredUsage } from '../execution/attempt.js';
import { computeCostNanos } from '../metering/compute-cost.js';
import type { GatewayError } from '../spec/index.js';
import { estimateUsage } from './request-meter.js';

const NO_USAGE: MeteredUsage = Object.freeze({ usage: Object.freeze({ inputTokens: 0, outputTokens: 0 }), usageSource: 'none' }) as MeteredUsage;

/**
 * The usage an attempt's ledger row records: the provider's when it reported a complete answer that
 * was not cut (`failure` is how the written answer ended, for the request's final attempt only), else
 * an estimate (never $0 for tokens that reached the client); none for an attempt that was never
 * accepted. Fixed on the attempt the first time it is asked, so the x-switchyard-cost-usd header or
 * trailer and the ledger rows written after it are computed from the same counts.
 */
export function meteredUsage(attempt: Attempt, failure: GatewayError | undefined, inputTokens: () => number): MeteredUsage {
  if (attempt.metered) return attempt.metered;
  const source = attempt.source;
  if (!source) return (attempt.metered = NO_USAGE);
  const reported = source.usage();
  attempt.metered =
    source.finished() && reported !== undefined && !failure
      ? { usage: reported, usageSource: 'reported' }
      : { usage: estimateUsage(reported, inputTokens(), source.deliveredChars()), usageSource: 'estimated' };
  return attempt.metered;
}

/**
 * What a request costs in nano-dollars: its final attempt plus every other attempt the provider billed
 * (accepted, then failed or lost a hedge), i.e. the sum of the cost_nanos of the request's ledger rows.
 */
export function requestCostNanos(attempts: readonly Attempt[], final: Attempt, failure: GatewayError | undefined, inputTokens: () => number): number {
  let total = 0;
  for (const attempt of attempts) {
    const isFinal = attempt === final;
    if (!isFinal && !attempt.billed) continue;
    total += computeCostNanos(meteredUsage(attempt, isFinal ? failure : undefined, inputTokens).usage, attempt.deployment.model.pricing);
  }
  return total;
}
