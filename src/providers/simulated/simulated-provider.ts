import type { SimulatedProviderConfig } from '../../config/schema.js';
import type { ChatRequest } from '../../spec/index.js';
import type { CallContext, ProviderAdapter, ProviderResult, ProviderStream } from '../provider.js';
import { buildSimulatedAnswer, type SimulatedAnswer } from './simulated-answer.js';
import { clientClosedError } from './simulated-errors.js';
import { deadlineError } from '../shared/upstream-http.js';
import { streamSimulatedAnswer } from './simulated-stream.js';
import { generationMs, SimulationAborted, sleep } from './simulated-timing.js';

/**
 * An in-process upstream that answers like a model without any network: deterministic text whose
 * length and structure follow the model tier (`sim-large`, `sim-medium`, `sim-small`; see
 * simulated-tier.ts), usage counted with a real tokenizer, tool calls with schema-valid arguments,
 * reasoning blocks, JSON answers, maxTokens and stop sequences, and errors on demand
 * (simulated-triggers.ts). Used for demos, routing and load tests, and failover tests.
 *
 * Timing: `latencyMs` passes before the first stream part (and before a triggered HTTP error);
 * stream deltas are paced at `tokensPerSecond`; a non-streaming call takes latency plus the time
 * to generate its output at that pace. Everything is abortable through `context.signal`
 * (SWY_ERR_CLIENT_CLOSED, status 499). Like an HTTP upstream, a call keeps its deadlines: a latency
 * longer than `firstByteMs` ends, after `firstByteMs`, in the first-byte timeout, and an answer that
 * would take longer than `totalMs` in the total timeout (so `[simulate:latency:9999999]` cannot hold a
 * request for hours). Sampling settings (temperature, topP, topK, seed, penalties)
 * are accepted and ignored without warnings: the output has no randomness for them to steer.
 */
export function createSimulatedProvider(name: string, config: SimulatedProviderConfig): ProviderAdapter {
  const timing = { latencyMs: config.latencyMs, tokensPerSecond: config.tokensPerSecond };

  function prepare(request: ChatRequest, context: CallContext): SimulatedAnswer {
    if (context.signal.aborted) throw clientClosedError(name, context.signal.reason);
    return buildSimulatedAnswer(request, context, name, timing);
  }

  async function wait(ms: number, signal: AbortSignal): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (error) {
      throw error instanceof SimulationAborted ? clientClosedError(name, error.reason) : error;
    }
  }

  /** When the first part (after `firstMs`) or the whole answer (after `wholeMs`) would miss its deadline: wait for the deadline, then fail with it. */
  async function pastDeadline(firstMs: number, wholeMs: number, context: CallContext): Promise<void> {
    const { firstByteMs, totalMs } = context.timeouts;
    if (firstMs > firstByteMs && firstByteMs <= totalMs) {
      await wait(firstByteMs, context.signal);
      throw deadlineError('first-byte', name);
    }
    if (wholeMs > totalMs) {
      await wait(totalMs, context.signal);
      throw deadlineError('total', name);
    }
  }

  return {
    name,
    type: 'simulated',

    async chat(request: ChatRequest, context: CallContext): Promise<ProviderResult> {
      const answer = prepare(request, context);
      const generation = generationMs(answer.result.usage.outputTokens, answer.tokensPerSecond);
      await pastDeadline(answer.latencyMs, answer.latencyMs + generation, context);
      if (answer.failure?.when === 'before-response') {
        await wait(answer.latencyMs, context.signal);
        throw answer.failure.error;
      }
      if (answer.failure?.when === 'mid-stream') {
        await wait(answer.latencyMs + generation / 2, context.signal);
        throw answer.failure.error;
      }
      await wait(answer.latencyMs + generation, context.signal);
      return answer.result;
    },

    async chatStream(request: ChatRequest, context: CallContext): Promise<ProviderStream> {
      const answer = prepare(request, context);
      await pastDeadline(answer.latencyMs, answer.latencyMs, context);
      if (answer.failure?.when === 'before-response') {
        await wait(answer.latencyMs, context.signal);
        throw answer.failure.error;
      }
      return {
        stream: streamSimulatedAnswer(answer, context.signal, name, Date.now() + context.timeouts.totalMs),
        warnings: answer.result.warnings,
        upstreamRequestId: answer.result.upstreamRequestId,
      };
    },
  };
}
