import type { CallContext, CallTimeouts, ModelTraits } from '../../src/providers/provider.js';

/** Generous timeouts for in-process and mock upstreams. */
export const TEST_TIMEOUTS: CallTimeouts = Object.freeze({ connectMs: 5_000, firstByteMs: 10_000, idleMs: 10_000, totalMs: 15_000 });

/** A model that can do everything; tests switch traits off to see the adapter react. */
export const ALL_TRAITS: ModelTraits = Object.freeze({ reasoning: true, tools: true, images: true, json: true, remoteImages: false });

/** A CallContext for tests: every trait on unless overridden, a fresh (never aborted) signal unless given. */
export function testCallContext(upstreamModel: string, overrides: { model?: Partial<ModelTraits>; signal?: AbortSignal; timeouts?: Partial<CallTimeouts> } = {}): CallContext {
  return {
    upstreamModel,
    signal: overrides.signal ?? new AbortController().signal,
    timeouts: { ...TEST_TIMEOUTS, ...overrides.timeouts },
    model: { ...ALL_TRAITS, ...overrides.model },
  };
}
