import type { AssistantContentPart, FinishReason } from '../../spec/index.js';
import { countOutputPart } from './simulated-usage.js';
import { truncateToTokens } from './simulated-tokens.js';

export interface LimitedContent {
  content: AssistantContentPart[];
  finishReason: FinishReason;
  stopSequence?: string;
}

/**
 * Applies stop sequences, then `maxTokens`, to generated content, in generation order:
 * - the first stop sequence found in a text part cuts the text just before it and ends the answer
 *   (finish `stop-sequence`, `stopSequence` set); reasoning and tool arguments are not matched;
 * - the output is then cut to `maxTokens` tokens (finish `length`): text and reasoning are cut on a
 *   token boundary (a cut reasoning block loses its signature); a tool call that does not fit whole is
 *   dropped, so tool arguments are always complete JSON.
 * Parts emptied by a cut are removed. Otherwise the finish reason is `tool-calls` when the content
 * calls tools, else `stop`.
 */
export function applyLimits(content: readonly AssistantContentPart[], stopSequences: readonly string[] | undefined, maxTokens: number | undefined): LimitedContent {
  const stopped = applyStopSequences(content, stopSequences ?? []);
  const limited = maxTokens === undefined ? undefined : applyMaxTokens(stopped.content, maxTokens);
  if (limited?.truncated) return { content: limited.content, finishReason: 'length' };
  if (stopped.stopSequence !== undefined) return { content: stopped.content, finishReason: 'stop-sequence', stopSequence: stopped.stopSequence };
  return { content: stopped.content, finishReason: stopped.content.some((part) => part.type === 'tool-call') ? 'tool-calls' : 'stop' };
}

function applyStopSequences(content: readonly AssistantContentPart[], stopSequences: readonly string[]): { content: AssistantContentPart[]; stopSequence?: string } {
  const sequences = stopSequences.filter((sequence) => sequence !== '');
  const out: AssistantContentPart[] = [];
  for (const part of content) {
    if (part.type === 'text' && sequences.length > 0) {
      const match = earliestMatch(part.text, sequences);
      if (match) {
        const text = part.text.slice(0, match.at);
        if (text !== '') out.push({ ...part, text });
        return { content: out, stopSequence: match.sequence };
      }
    }
    out.push(part);
  }
  return { content: out };
}

function earliestMatch(text: string, sequences: readonly string[]): { at: number; sequence: string } | undefined {
  let best: { at: number; sequence: string } | undefined;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at !== -1 && (best === undefined || at < best.at)) best = { at, sequence };
  }
  return best;
}

function applyMaxTokens(content: readonly AssistantContentPart[], maxTokens: number): { content: AssistantContentPart[]; truncated: boolean } {
  let budget = maxTokens;
  const out: AssistantContentPart[] = [];
  for (const part of content) {
    const cost = countOutputPart(part);
    if (cost <= budget) {
      out.push(part);
      budget -= cost;
      continue;
    }
    if (part.type === 'text') {
      const text = truncateToTokens(part.text, budget);
      if (text !== '') out.push({ ...part, text });
    } else if (part.type === 'reasoning') {
      const text = truncateToTokens(part.text, budget);
      if (text !== '') out.push({ type: 'reasoning', text });
    }
    return { content: out, truncated: true };
  }
  return { content: out, truncated: false };
}
