/**
 * Abortable waits for the simulator. Every timer is cleared, and every abort listener removed,
 * as soon as the wait ends either way.
 */

/** Thrown by the waits when the signal aborts; callers turn it into SWY_ERR_CLIENT_CLOSED. */
export class SimulationAborted extends Error {
  constructor(readonly reason: unknown) {
    super('The simulated call was aborted.');
    this.name = 'AbortError';
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new SimulationAborted(signal.reason));
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new SimulationAborted(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Paces token-sized deltas at `tokensPerSecond` (0 = no pacing) against a fixed schedule that
 * starts at the first delta, so timer lateness does not accumulate.
 */
export interface Pacer {
  /** Waits until the next delta is due; rejects with SimulationAborted when the signal aborts. */
  next(signal: AbortSignal): Promise<void>;
}

export function createPacer(tokensPerSecond: number): Pacer {
  const interval = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
  let started: number | undefined;
  let emitted = 0;
  return {
    async next(signal: AbortSignal): Promise<void> {
      if (signal.aborted) throw new SimulationAborted(signal.reason);
      if (interval === 0) return;
      const now = performance.now();
      started ??= now;
      const due = started + emitted * interval;
      emitted += 1;
      if (due > now) await sleep(due - now, signal);
    },
  };
}

/** Time to generate `tokens` tokens at `tokensPerSecond` (0 when unpaced). */
export function generationMs(tokens: number, tokensPerSecond: number): number {
  return tokensPerSecond > 0 ? (tokens * 1000) / tokensPerSecond : 0;
}
