import type { ToolChoice, ToolDefinition } from '../../spec/chat-request.js';
import { invalidParam, parseWithSchema } from './openai-chat-invalid-request.js';
import { functionToolSchema, namedToolChoiceSchema } from './openai-chat-request-schema.js';

/**
 * OpenAI `tools` → canonical tool definitions. Only `type: 'function'` tools exist in the canonical
 * form; `custom` (free-form grammar) tools are a 400 naming the tool. A missing `parameters` means
 * "no arguments" and becomes `{type:'object', properties:{}}`. Duplicate names are a 400 because a
 * tool call could not be attributed.
 */
export function convertOpenAIChatTools(tools: readonly unknown[]): ToolDefinition[] {
  const seen = new Set<string>();
  return tools.map((raw, i) => {
    const path = ['tools', i];
    const type = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).type : undefined;
    if (type !== 'function' && type !== undefined) {
      throw invalidParam(
        [...path, 'type'],
        `Tool type ${JSON.stringify(type)} at 'tools[${i}]' is not supported; only 'function' tools are.`,
      );
    }
    const fn = parseWithSchema(functionToolSchema, raw, path).function;
    if (seen.has(fn.name)) {
      throw invalidParam([...path, 'function', 'name'], `Duplicate tool name '${fn.name}' at 'tools[${i}].function.name': tool names must be unique.`);
    }
    seen.add(fn.name);
    const tool: ToolDefinition = {
      name: fn.name,
      inputSchema: fn.parameters ?? { type: 'object', properties: {} },
    };
    if (fn.description != null) tool.description = fn.description;
    if (fn.strict != null) tool.strict = fn.strict;
    return tool;
  });
}

/**
 * OpenAI `tool_choice` → canonical. `'required'` or a named function needs `tools`; a name that is not
 * among the tools is a 400 at `tool_choice.function.name`. `allowed_tools` and `custom` choices have
 * no canonical counterpart and are a 400.
 */
export function convertOpenAIChatToolChoice(raw: unknown, tools: readonly ToolDefinition[] | undefined): ToolChoice {
  if (raw === 'none' || raw === 'auto') return { type: raw };
  if (raw === 'required') {
    if (!tools?.length) throw invalidParam(['tool_choice'], `'tool_choice' is 'required' but no 'tools' were given.`);
    return { type: 'required' };
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const type = (raw as Record<string, unknown>).type;
    if (type !== 'function') {
      throw invalidParam(
        ['tool_choice', 'type'],
        `Invalid value for 'tool_choice.type': ${JSON.stringify(type)}. Supported: 'none', 'auto', 'required' or {"type":"function","function":{"name":...}}.`,
      );
    }
    const name = parseWithSchema(namedToolChoiceSchema, raw, ['tool_choice']).function.name;
    if (!tools?.some((tool) => tool.name === name)) {
      throw invalidParam(
        ['tool_choice', 'function', 'name'],
        `'tool_choice.function.name' is '${name}', which is not one of the functions in 'tools'.`,
      );
    }
    return { type: 'tool', name };
  }
  throw invalidParam(
    ['tool_choice'],
    `Invalid value for 'tool_choice': ${JSON.stringify(raw)}. Supported: 'none', 'auto', 'required' or {"type":"function","function":{"name":...}}.`,
  );
}
