import type { Dialect } from '../spec/index.js';

/**
 * What the filters need to know about a request, read from the raw client body in one bounded pass
 * (no decode, no tokenizer): the passthrough hot path stays cheap, and a request that cannot be served
 * by a candidate is never sent to it.
 */
export interface RequestFeatures {
  readonly stream: boolean;
  readonly tools: boolean;
  readonly images: number;
  readonly remoteImages: number;
  /** response_format json_object / json_schema (OpenAI); Anthropic has no JSON mode field. */
  readonly json: boolean;
  /** Reasoning asked for explicitly (OpenAI reasoning_effort, Anthropic thinking enabled). */
  readonly reasoning: boolean;
  /** Characters of text in messages, system and tool definitions (images excluded). */
  readonly textChars: number;
  /** Output tokens the client allows (max_tokens / max_completion_tokens), when given. */
  readonly maxOutputTokens?: number;
}

/** Nodes visited per body at most: a pathological body is measured approximately, never slowly. */
const MAX_NODES = 100_000;

export function readRequestFeatures(dialect: Dialect, body: Record<string, unknown>): RequestFeatures {
  const counter = { images: 0, remoteImages: 0, textChars: 0, nodes: 0 };
  measure(body.messages, counter);
  if (dialect === 'anthropic-messages') measure(body.system, counter);
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  if (tools) counter.textChars += jsonishLength(body.tools, counter);
  const format = body.response_format as { type?: unknown } | undefined;
  const thinking = body.thinking as { type?: unknown } | undefined;
  const maxOutput = dialect === 'openai-chat' ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens;
  return {
    stream: body.stream === true,
    tools,
    images: counter.images,
    remoteImages: counter.remoteImages,
    json: typeof format === 'object' && format !== null && (format.type === 'json_object' || format.type === 'json_schema'),
    reasoning: dialect === 'openai-chat' ? typeof body.reasoning_effort === 'string' : typeof thinking === 'object' && thinking !== null && thinking.type === 'enabled',
    textChars: counter.textChars,
    ...(typeof maxOutput === 'number' && Number.isFinite(maxOutput) && maxOutput > 0 ? { maxOutputTokens: Math.floor(maxOutput) } : {}),
  };
}

interface Counter {
  images: number;
  remoteImages: number;
  textChars: number;
  nodes: number;
}

/**
 * Walks messages/system content (both dialects' shapes): strings count as text; OpenAI `image_url`
 * parts and Anthropic `image` blocks count as images (remote when given by http(s) URL); base64 image
 * data is not text. Iterative, bounded by MAX_NODES.
 */
function measure(root: unknown, counter: Counter): void {
  const stack: unknown[] = [root];
  while (stack.length > 0 && counter.nodes < MAX_NODES) {
    const node = stack.pop();
    counter.nodes++;
    if (typeof node === 'string') {
      counter.textChars += node.length;
      continue;
    }
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    const record = node as Record<string, unknown>;
    if (record.type === 'image_url') {
      counter.images++;
      const image = record.image_url as { url?: unknown } | string | undefined;
      const url = typeof image === 'string' ? image : image?.url;
      if (typeof url === 'string' && /^https?:/i.test(url)) counter.remoteImages++;
      continue;
    }
    if (record.type === 'image') {
      counter.images++;
      const source = record.source as { type?: unknown } | undefined;
      if (source?.type === 'url') counter.remoteImages++;
      continue;
    }
    for (const key in record) {
      // Only content-bearing fields: ids, roles and cache markers are not prompt text.
      if (key === 'content' || key === 'text' || key === 'input' || key === 'arguments' || key === 'function' || key === 'tool_calls' || key === 'thinking') {
        stack.push(record[key]);
      }
    }
  }
}

/** Approximate serialised length of tool definitions (names, descriptions, schemas), bounded. */
function jsonishLength(value: unknown, counter: Counter): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && counter.nodes < MAX_NODES) {
    const node = stack.pop();
    counter.nodes++;
    if (typeof node === 'string') total += node.length + 2;
    else if (Array.isArray(node)) for (const item of node) stack.push(item);
    else if (typeof node === 'object' && node !== null) {
      for (const key in node) {
        total += key.length + 3;
        stack.push((node as Record<string, unknown>)[key]);
      }
    } else total += 4;
  }
  return total;
}
