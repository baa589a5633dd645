import type { AssistantContentPart, ChatStreamPart } from '../../spec/index.js';
import { toGatewayError } from '../../spec/errors.js';
import type { SimulatedAnswer } from './simulated-answer.js';
import { clientClosedError } from './simulated-errors.js';
import { createPacer, SimulationAborted, sleep } from './simulated-timing.js';
import { splitIntoTokenPieces } from './simulated-tokens.js';
import { deadlineError } from '../shared/upstream-http.js';

interface Step {
  part: ChatStreamPart;
  /** Deltas are paced and counted; framing parts go out as soon as they are reached. */
  isDelta: boolean;
}

/**
 * Streams a simulated answer in the canonical part grammar:
 * start, usage (input side), one block per content part (text and reasoning in token-sized
 * deltas, a reasoning signature before reasoning-end, tool arguments in token-sized fragments),
 * then finish with the final usage. Waits `latencyMs` before the first part and paces deltas at
 * `tokensPerSecond`; past `deadline` (epoch ms: the call's total timeout) it ends with the total-timeout error. An aborted signal ends the stream with an SWY_ERR_CLIENT_CLOSED error part;
 * a mid-stream failure trigger ends it with that error after half of the deltas (before finish when
 * there are none).
 */
export async function* streamSimulatedAnswer(answer: SimulatedAnswer, signal: AbortSignal, provider: string, deadline = Infinity): AsyncGenerator<ChatStreamPart> {
  const steps = streamSteps(answer);
  const midstreamError = answer.failure?.when === 'mid-stream' ? answer.failure.error : undefined;
  const failAfter = Math.max(1, Math.floor(steps.filter((step) => step.isDelta).length / 2));
  const pacer = createPacer(answer.tokensPerSecond);
  let deltasSent = 0;
  try {
    await sleep(answer.latencyMs, signal);
    for (const step of steps) {
      if (midstreamError && (step.isDelta ? deltasSent >= failAfter : step.part.type === 'finish')) {
        yield { type: 'error', error: midstreamError };
        return;
      }
      if (step.isDelta) {
        await pacer.next(signal);
        if (Date.now() > deadline) {
          yield { type: 'error', error: deadlineError('total', provider) };
          return;
        }
        deltasSent += 1;
      } else if (signal.aborted) {
        throw new SimulationAborted(signal.reason);
      }
      yield step.part;
    }
  } catch (error) {
    yield { type: 'error', error: error instanceof SimulationAborted ? clientClosedError(provider, error.reason) : toGatewayError(error) };
  }
}

function streamSteps(answer: SimulatedAnswer): Step[] {
  const { result } = answer;
  const steps: Step[] = [
    { part: { type: 'start', id: result.id, model: result.model, upstreamRequestId: result.upstreamRequestId }, isDelta: false },
    { part: { type: 'usage', usage: { inputTokens: result.usage.inputTokens, outputTokens: 0 } }, isDelta: false },
  ];
  result.content.forEach((part, index) => steps.push(...blockSteps(part, index)));
  const finish: ChatStreamPart = { type: 'finish', finishReason: result.finishReason, usage: result.usage };
  if (result.stopSequence !== undefined) finish.stopSequence = result.stopSequence;
  steps.push({ part: finish, isDelta: false });
  return steps;
}

function blockSteps(part: AssistantContentPart, index: number): Step[] {
  const frame = (streamPart: ChatStreamPart): Step => ({ part: streamPart, isDelta: false });
  const delta = (streamPart: ChatStreamPart): Step => ({ part: streamPart, isDelta: true });
  switch (part.type) {
    case 'text':
      return [
        frame({ type: 'text-start', index }),
        ...splitIntoTokenPieces(part.text).map((piece) => delta({ type: 'text-delta', index, delta: piece })),
        frame({ type: 'text-end', index }),
      ];
    case 'reasoning':
      return [
        frame({ type: 'reasoning-start', index }),
        ...splitIntoTokenPieces(part.text).map((piece) => delta({ type: 'reasoning-delta', index, delta: piece })),
        ...(part.signature !== undefined ? [frame({ type: 'reasoning-signature', index, signature: part.signature })] : []),
        frame({ type: 'reasoning-end', index }),
      ];
    case 'tool-call':
      return [
        frame({ type: 'tool-call-start', index, id: part.id, name: part.name }),
        ...splitIntoTokenPieces(part.argumentsJson).map((piece) => delta({ type: 'tool-call-delta', index, argumentsDelta: piece })),
        frame({ type: 'tool-call-end', index }),
      ];
    case 'redacted-reasoning':
      return [frame({ type: 'redacted-reasoning', index, data: part.data })];
  }
}
