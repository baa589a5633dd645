import type { ChatRequest, ToolCallPart, ToolDefinition } from '../../spec/index.js';
import type { RequestFacts } from './simulated-request-facts.js';
import { sampleFromSchema } from './schema-sample.js';

/** Why `planToolCalls` could not honour the request: the forced tool is not among the tools. */
export class UnknownForcedToolError extends Error {
  constructor(readonly toolName: string) {
    super(`toolChoice names the tool "${toolName}", which is not in tools.`);
  }
}

/**
 * Decides which tools the simulated model calls. It calls tools when the request has tools,
 * toolChoice is not 'none' and the last user message carries no tool result:
 * - toolChoice {type:'tool'}: exactly that tool;
 * - otherwise ('auto' or 'required'): every tool the last user text names, in parallel, when
 *   parallel calls are allowed, there are at least two tools and two or more are named;
 *   else the one named tool, or the first tool when none (or several, without parallel calls) is named.
 * Arguments are a sample of the tool's input schema, so they validate against it.
 * Ids are `call_sim_<requestHash>_<n>`.
 */
export function planToolCalls(request: ChatRequest, facts: RequestFacts, requestHash: string): ToolCallPart[] {
  const tools = request.tools ?? [];
  const choice = request.toolChoice ?? { type: 'auto' };
  if (tools.length === 0 || choice.type === 'none' || facts.toolResults.length > 0) return [];
  let chosen: ToolDefinition[];
  if (choice.type === 'tool') {
    const forced = tools.find((tool) => tool.name === choice.name);
    if (!forced) throw new UnknownForcedToolError(choice.name);
    chosen = [forced];
  } else {
    const mentioned = mentionedTools(tools, facts.lastUserText);
    if (request.parallelToolCalls !== false && tools.length >= 2 && mentioned.length >= 2) chosen = mentioned;
    else chosen = [mentioned.length === 1 ? mentioned[0] : tools[0]];
  }
  const idPrefix = `call_sim_${requestHash.slice(0, 12)}`;
  return chosen.map((tool, n) => ({ type: 'tool-call', id: `${idPrefix}_${n}`, name: tool.name, argumentsJson: sampleArguments(tool) }));
}

/**
 * Tools whose name appears in the text as a whole word (case-insensitively), in order of first mention.
 * Words are maximal runs of `[A-Za-z0-9_-]`, the characters OpenAI, Anthropic and Bedrock allow in a
 * tool name; a name with any other character is never mentioned. The text's words are indexed in one
 * pass and each tool is one lookup, so the cost is linear in the text plus the tools (a regex per tool
 * over the whole text held the event loop for seconds with thousands of tools and a long message).
 */
function mentionedTools(tools: readonly ToolDefinition[], text: string): ToolDefinition[] {
  const firstMention = firstMentions(text, new Set(tools.map((tool) => tool.name.toLowerCase())));
  const positions: Array<{ tool: ToolDefinition; at: number }> = [];
  for (const tool of tools) {
    const at = firstMention.get(tool.name.toLowerCase());
    if (at !== undefined) positions.push({ tool, at });
  }
  return positions.sort((a, b) => a.at - b.at).map((entry) => entry.tool);
}

const WORD = /[A-Za-z0-9_-]+/g;

/** Where each of `names` (lowercase) first appears in the text as a word. */
function firstMentions(text: string, names: ReadonlySet<string>): Map<string, number> {
  const positions = new Map<string, number>();
  WORD.lastIndex = 0;
  for (let match = WORD.exec(text); match !== null; match = WORD.exec(text)) {
    const word = match[0].toLowerCase();
    if (names.has(word) && !positions.has(word)) positions.set(word, match.index);
  }
  return positions;
}

/** JSON text of an arguments object sampled from the schema ("{}" when the schema is not an object schema). */
function sampleArguments(tool: ToolDefinition): string {
  const value = sampleFromSchema(tool.inputSchema);
  return JSON.stringify(typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {});
}
