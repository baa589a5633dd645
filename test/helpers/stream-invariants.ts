import { GatewayError } from '../../src/spec/errors.js';
import type { AssistantContentPart, ChatStreamPart, FinishReason, Usage } from '../../src/spec/index.js';

/**
 * Checks a list of canonical stream parts against the grammar of src/spec/chat-stream-part.ts and
 * reassembles what they carry:
 *
 *   start ( block-start block-delta* block-end | redacted-reasoning )* usage* finish
 *
 * - `start` comes first (an `error` part may come first instead), exactly once;
 * - blocks never interleave; every delta, signature and end belongs to the open block, with its index;
 * - block indexes are 0, 1, 2 … in order of appearance, across all block kinds;
 * - a reasoning block has at most one signature; tool calls have a non-empty id (unique) and name;
 * - `usage` parts may come any time after `start`; every usage is well formed and inclusive
 *   (cache tokens ≤ input, reasoning ≤ output, all non-negative integers);
 * - exactly one `finish`, with no block open, carrying usage; or one `error` part (a GatewayError),
 *   possibly inside an open block; nothing follows either;
 * - after a complete stream (finish other than `length`), every tool call's arguments are a JSON object.
 *
 * Throws StreamGrammarError naming the offending part; returns the reassembled stream otherwise.
 */
export class StreamGrammarError extends Error {
  constructor(message: string, readonly partIndex?: number) {
    super(partIndex === undefined ? message : `stream part #${partIndex}: ${message}`);
    this.name = 'StreamGrammarError';
  }
}

export interface ReassembledStream {
  id?: string;
  model?: string;
  upstreamRequestId?: string;
  /** Content blocks in index order, as a ChatResult would carry them. */
  content: AssistantContentPart[];
  /** All text blocks concatenated. */
  text: string;
  finishReason?: FinishReason;
  rawFinishReason?: string;
  stopSequence?: string;
  /** The finish part's usage (when the stream finished). */
  usage?: Usage;
  /** Every `usage` part, in order. */
  usageParts: Usage[];
  /** The error part's error (when the stream failed). */
  error?: GatewayError;
  /** Number of delta parts (text, reasoning, tool arguments). */
  deltaCount: number;
}

const FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'stop-sequence', 'length', 'tool-calls', 'content-filter', 'pause', 'other']);

type BlockKind = 'text' | 'reasoning' | 'tool-call';

export function assertStreamGrammar(parts: readonly ChatStreamPart[]): ReassembledStream {
  const out: ReassembledStream = { content: [], text: '', usageParts: [], deltaCount: 0 };
  if (parts.length === 0) throw new StreamGrammarError('the stream is empty');
  let open: { kind: BlockKind; index: number; hasSignature: boolean } | undefined;
  let ended: 'finish' | 'error' | undefined;
  const toolIds = new Set<string>();

  const fail = (message: string, i: number): never => {
    throw new StreamGrammarError(message, i);
  };
  const openBlock = (kind: BlockKind, index: number, i: number): void => {
    if (open) fail(`${kind} block ${index} starts while ${open.kind} block ${open.index} is still open (blocks must not interleave)`, i);
    if (index !== out.content.length) fail(`block index ${index}, expected ${out.content.length} (indexes count all blocks 0, 1, 2 …)`, i);
    open = { kind, index, hasSignature: false };
  };
  const inBlock = (kind: BlockKind, index: number, i: number, what: string): AssistantContentPart => {
    if (!open || open.kind !== kind || open.index !== index) {
      fail(`${what} for ${kind} block ${index}, but the open block is ${open ? `${open.kind} ${open.index}` : 'none'}`, i);
    }
    return out.content[index];
  };

  parts.forEach((part, i) => {
    if (ended) fail(`${part.type} after ${ended} (nothing may follow ${ended})`, i);
    if (i === 0 && part.type !== 'start' && part.type !== 'error') fail(`the first part must be start (or error), got ${part.type}`, i);
    switch (part.type) {
      case 'start':
        if (i !== 0) fail('start must be the first part, exactly once', i);
        if (typeof part.id !== 'string' || part.id === '') fail('start.id must be a non-empty string', i);
        if (typeof part.model !== 'string' || part.model === '') fail('start.model must be a non-empty string', i);
        out.id = part.id;
        out.model = part.model;
        out.upstreamRequestId = part.upstreamRequestId;
        break;
      case 'text-start':
        openBlock('text', part.index, i);
        out.content.push({ type: 'text', text: '' });
        break;
      case 'text-delta': {
        const block = inBlock('text', part.index, i, 'text-delta');
        if (typeof part.delta !== 'string') fail('text-delta.delta must be a string', i);
        if (block.type === 'text') block.text += part.delta;
        out.text += part.delta;
        out.deltaCount += 1;
        break;
      }
      case 'text-end':
        inBlock('text', part.index, i, 'text-end');
        open = undefined;
        break;
      case 'reasoning-start':
        openBlock('reasoning', part.index, i);
        out.content.push({ type: 'reasoning', text: '' });
        break;
      case 'reasoning-delta': {
        const block = inBlock('reasoning', part.index, i, 'reasoning-delta');
        if (typeof part.delta !== 'string') fail('reasoning-delta.delta must be a string', i);
        if (block.type === 'reasoning') block.text += part.delta;
        out.deltaCount += 1;
        break;
      }
      case 'reasoning-signature': {
        const block = inBlock('reasoning', part.index, i, 'reasoning-signature');
        if (open?.hasSignature) fail('a reasoning block carries at most one signature', i);
        if (typeof part.signature !== 'string' || part.signature === '') fail('reasoning-signature.signature must be a non-empty string', i);
        if (open) open.hasSignature = true;
        if (block.type === 'reasoning') block.signature = part.signature;
        break;
      }
      case 'reasoning-end':
        inBlock('reasoning', part.index, i, 'reasoning-end');
        open = undefined;
        break;
      case 'redacted-reasoning':
        openBlock('reasoning', part.index, i);
        open = undefined;
        out.content.push({ type: 'redacted-reasoning', data: part.data });
        break;
      case 'tool-call-start':
        openBlock('tool-call', part.index, i);
        if (typeof part.id !== 'string' || part.id === '') fail('tool-call-start.id must be a non-empty string', i);
        if (typeof part.name !== 'string' || part.name === '') fail('tool-call-start.name must be a non-empty string', i);
        if (toolIds.has(part.id)) fail(`tool call id ${part.id} is used twice`, i);
        toolIds.add(part.id);
        out.content.push({ type: 'tool-call', id: part.id, name: part.name, argumentsJson: '' });
        break;
      case 'tool-call-delta': {
        const block = inBlock('tool-call', part.index, i, 'tool-call-delta');
        if (typeof part.argumentsDelta !== 'string') fail('tool-call-delta.argumentsDelta must be a string', i);
        if (block.type === 'tool-call') block.argumentsJson += part.argumentsDelta;
        out.deltaCount += 1;
        break;
      }
      case 'tool-call-end':
        inBlock('tool-call', part.index, i, 'tool-call-end');
        open = undefined;
        break;
      case 'usage':
        checkUsage(part.usage, i, 'usage');
        out.usageParts.push(part.usage);
        break;
      case 'finish':
        if (open) fail(`finish while ${open.kind} block ${open.index} is still open`, i);
        if (!FINISH_REASONS.has(part.finishReason)) fail(`unknown finishReason ${String(part.finishReason)}`, i);
        checkUsage(part.usage, i, 'finish.usage');
        out.finishReason = part.finishReason;
        out.rawFinishReason = part.rawFinishReason;
        out.stopSequence = part.stopSequence;
        out.usage = part.usage;
        ended = 'finish';
        break;
      case 'error':
        if (!GatewayError.is(part.error)) fail('error.error must be a GatewayError', i);
        out.error = part.error;
        ended = 'error';
        break;
      default: {
        const unknown: { type?: unknown } = part;
        fail(`unknown part type ${String(unknown.type)}`, i);
      }
    }
  });

  if (!ended) throw new StreamGrammarError(`the stream ended without finish or error (last part: ${parts[parts.length - 1].type})`);
  for (const block of out.content) if (block.type === 'tool-call' && block.argumentsJson === '') block.argumentsJson = '{}';
  if (ended === 'finish' && out.finishReason !== 'length') {
    for (const block of out.content) {
      if (block.type !== 'tool-call') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(block.argumentsJson);
      } catch {
        throw new StreamGrammarError(`tool call ${block.id} arguments are not valid JSON: ${block.argumentsJson}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new StreamGrammarError(`tool call ${block.id} arguments are not a JSON object: ${block.argumentsJson}`);
      }
    }
  }
  return out;
}

function checkUsage(usage: Usage | undefined, i: number, where: string): void {
  if (!usage || typeof usage !== 'object') throw new StreamGrammarError(`${where} is missing`, i);
  const fields = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const;
  for (const field of fields) {
    const value = usage[field];
    if (value === undefined && (field === 'inputTokens' || field === 'outputTokens')) throw new StreamGrammarError(`${where}.${field} is missing`, i);
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new StreamGrammarError(`${where}.${field} must be a non-negative integer, got ${value}`, i);
  }
  if ((usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0) > usage.inputTokens) {
    throw new StreamGrammarError(`${where} is not inclusive: cache tokens exceed inputTokens`, i);
  }
  if ((usage.reasoningTokens ?? 0) > usage.outputTokens) throw new StreamGrammarError(`${where} is not inclusive: reasoningTokens exceed outputTokens`, i);
}

/** Everything a stream produced before it ended, and what it threw if it threw. */
export interface CollectedStream {
  parts: ChatStreamPart[];
  thrown?: unknown;
}

/** Reads a stream to its end; a thrown error is captured rather than rethrown. */
export async function collectStream(stream: AsyncIterable<ChatStreamPart>): Promise<CollectedStream> {
  const parts: ChatStreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
  } catch (thrown) {
    return { parts, thrown };
  }
  return { parts };
}
