import { createParser } from 'eventsource-parser';

/**
 * A strict checker for Anthropic Messages SSE (fixtures README, Anthropic facts 4–7):
 *
 *   message_start ( content_block_start content_block_delta* content_block_stop )* message_delta message_stop
 *
 * with `ping` allowed anywhere after message_start, or an `error` event at any point after which
 * nothing follows. Used on the gateway's own encoder output and on the recorded fixtures.
 */

export interface AnthropicSseEvent {
  /** The `event:` field (undefined when the frame had none). */
  event: string | undefined;
  /** The raw `data:` text. */
  data: string;
  /** `data` parsed as JSON; undefined when it is not JSON (e.g. `[DONE]`). */
  json: unknown;
}

/** Splits SSE text into events with a spec-complete parser; JSON is parsed with a real parser (padding allowed). */
export function parseAnthropicSse(text: string): AnthropicSseEvent[] {
  const events: AnthropicSseEvent[] = [];
  const parser = createParser({
    onEvent(message) {
      let json: unknown;
      try {
        json = JSON.parse(message.data);
      } catch {
        json = undefined;
      }
      events.push({ event: message.event, data: message.data, json });
    },
  });
  parser.feed(text);
  parser.reset({ consume: true });
  return events;
}

const STOP_REASONS = new Set([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'compaction',
  'model_context_window_exceeded',
]);

/** Delta types each block type may receive; block types not listed take no deltas. */
const DELTAS_BY_BLOCK: Readonly<Record<string, readonly string[]>> = {
  text: ['text_delta', 'citations_delta'],
  thinking: ['thinking_delta', 'signature_delta'],
  tool_use: ['input_json_delta'],
  server_tool_use: ['input_json_delta'],
  mcp_tool_use: ['input_json_delta'],
};

const TOOL_INPUT_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws an Error naming the first event (0-based position and type) that breaks the grammar. */
export function assertAnthropicEventOrder(events: readonly AnthropicSseEvent[]): void {
  type Phase = 'before-start' | 'blocks' | 'after-delta' | 'stopped' | 'errored';
  let phase = 'before-start' as Phase;
  let blockCount = 0;
  let open: { index: number; type: string; json: string } | undefined;

  for (const [position, event] of events.entries()) {
    const fail = (problem: string): never => {
      throw new Error(`Anthropic SSE event #${position} (${event.event ?? 'no event name'}): ${problem}`);
    };
    if (event.data.trim() === '[DONE]') fail('Anthropic streams have no [DONE] sentinel');
    if (!isObject(event.json)) fail(`data is not a JSON object: ${event.data.slice(0, 80)}`);
    const data = event.json as JsonObject;
    if (event.event !== data.type) fail(`event name must equal data.type (${String(data.type)})`);
    if (phase === 'stopped') fail('nothing may follow message_stop');
    if (phase === 'errored') fail('nothing may follow an error event');

    switch (data.type) {
      case 'ping':
        if (phase === 'before-start') fail('ping before message_start');
        continue;
      case 'error': {
        const error = data.error;
        if (!isObject(error) || typeof error.type !== 'string' || typeof error.message !== 'string') {
          fail('error events carry {"error":{"type","message"}}');
        }
        phase = 'errored';
        continue;
      }
      case 'message_start': {
        if (phase !== 'before-start') fail('message_start must come first and only once');
        const message = data.message;
        if (!isObject(message)) return fail('message_start without a message');
        if (message.type !== 'message' || message.role !== 'assistant') fail('message must be {type:"message", role:"assistant"}');
        if (typeof message.id !== 'string' || typeof message.model !== 'string') fail('message needs a string id and model');
        if (!Array.isArray(message.content) || message.content.length !== 0) fail('message_start content must be []');
        if (message.stop_reason !== null) fail('stop_reason must be null in message_start');
        if (!isObject(message.usage) || typeof message.usage.input_tokens !== 'number') fail('message_start usage needs input_tokens');
        phase = 'blocks';
        continue;
      }
      case 'content_block_start': {
        if (phase !== 'blocks') fail('content_block_start outside the content phase');
        if (open) fail(`block ${open.index} is still open`);
        if (data.index !== blockCount) fail(`expected block index ${blockCount}, got ${String(data.index)}`);
        const block = data.content_block;
        if (!isObject(block) || typeof block.type !== 'string') return fail('content_block without a type');
        checkBlockStart(block, fail);
        open = { index: blockCount, type: block.type, json: '' };
        blockCount += 1;
        continue;
      }
      case 'content_block_delta': {
        if (!open) return fail('delta with no open block');
        if (data.index !== open.index) fail(`delta for index ${String(data.index)} while block ${open.index} is open`);
        const delta = data.delta;
        if (!isObject(delta) || typeof delta.type !== 'string') return fail('delta without a type');
        const allowed = DELTAS_BY_BLOCK[open.type] ?? [];
        if (!allowed.includes(delta.type)) fail(`${delta.type} is not allowed in a ${open.type} block`);
        checkDelta(delta, fail);
        if (delta.type === 'input_json_delta') open.json += delta.partial_json as string;
        continue;
      }
      case 'content_block_stop': {
        if (!open) return fail('content_block_stop with no open block');
        if (data.index !== open.index) fail(`stop for index ${String(data.index)} while block ${open.index} is open`);
        if (TOOL_INPUT_BLOCKS.has(open.type) && open.json !== '') {
          try {
            JSON.parse(open.json);
          } catch {
            fail(`the concatenated input_json_delta of block ${open.index} is not valid JSON`);
          }
        }
        open = undefined;
        continue;
      }
      case 'message_delta': {
        if (phase !== 'blocks') fail('message_delta must come exactly once, after message_start');
        if (open) fail(`block ${open.index} is still open at message_delta`);
        const delta = data.delta;
        if (!isObject(delta) || typeof delta.stop_reason !== 'string' || !STOP_REASONS.has(delta.stop_reason)) {
          fail('message_delta needs a known delta.stop_reason');
        }
        if (!isObject(data.usage) || typeof data.usage.output_tokens !== 'number') fail('message_delta needs usage.output_tokens');
        phase = 'after-delta';
        continue;
      }
      case 'message_stop':
        if (phase !== 'after-delta') fail('message_stop must follow message_delta');
        phase = 'stopped';
        continue;
      default:
        fail(`unknown event type ${String(data.type)}`);
    }
  }

  if (phase !== 'stopped' && phase !== 'errored') {
    throw new Error(`Anthropic SSE stream ended without message_stop or error (last phase: ${phase})`);
  }
}

function checkBlockStart(block: JsonObject, fail: (problem: string) => never): void {
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') fail('a text block starts with text: ""');
      return;
    case 'thinking':
      if (typeof block.thinking !== 'string') fail('a thinking block starts with thinking: ""');
      return;
    case 'redacted_thinking':
      if (typeof block.data !== 'string') fail('a redacted_thinking block carries data');
      return;
    case 'tool_use':
    case 'server_tool_use':
    case 'mcp_tool_use':
      if (typeof block.id !== 'string' || typeof block.name !== 'string') fail(`a ${block.type} block needs id and name`);
      if (!isObject(block.input)) fail(`a ${block.type} block starts with input: {}`);
      return;
    default:
      return;
  }
}

function checkDelta(delta: JsonObject, fail: (problem: string) => never): void {
  const field: Record<string, string> = {
    text_delta: 'text',
    thinking_delta: 'thinking',
    signature_delta: 'signature',
    input_json_delta: 'partial_json',
  };
  const key = field[delta.type as string];
  if (key !== undefined && typeof delta[key] !== 'string') fail(`${String(delta.type)} needs a string ${key}`);
  if (delta.type === 'citations_delta' && !isObject(delta.citation)) fail('citations_delta needs a citation');
}
