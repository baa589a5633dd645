import type { ToolChoice, ToolDefinition } from '../../spec/chat-request.js';
import { invalidField, parseField, requiresAnthropicUpstream, type FieldPath } from './anthropic-messages-invalid-request.js';
import { customToolSchema, toolChoiceSchema } from './anthropic-messages-request-schema.js';

/**
 * `tools` and `tool_choice` → canonical ToolDefinition[] / ToolChoice.
 *
 * A tool without `type` (or with `type: "custom"`) is a custom tool. Any other `type`
 * (web_search_20250305, bash_20250124, text_editor_…, computer_…, code_execution_…) is a server or
 * client-defined Anthropic tool that only an Anthropic upstream understands → 400 with code
 * SWY_ERR_REQUIRES_ANTHROPIC_UPSTREAM. Tool-level `cache_control` has no canonical field yet and is
 * not carried (see the dialect README note in index.ts).
 */
export function decodeTools(tools: unknown[], path: FieldPath): ToolDefinition[] {
  return tools.map((tool, i) => decodeTool(tool, [...path, i]));
}

function decodeTool(raw: unknown, path: FieldPath): ToolDefinition {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const type = (raw as Record<string, unknown>).type;
    if (type != null && type !== 'custom') {
      throw requiresAnthropicUpstream(
        [...path, 'type'],
        `The Anthropic-defined tool '${String(type)}' (a server or built-in tool, not a custom tool with input_schema)`,
      );
    }
  }
  const tool = parseField(customToolSchema, raw, path);
  const definition: ToolDefinition = { name: tool.name, inputSchema: tool.input_schema };
  if (tool.description != null) definition.description = tool.description;
  if (tool.strict != null) definition.strict = tool.strict;
  return definition;
}

export interface DecodedToolChoice {
  toolChoice: ToolChoice;
  /** false when `disable_parallel_tool_use: true`; undefined leaves the upstream default. */
  parallelToolCalls?: boolean;
}

/** `tool_choice`: auto | any (→ required) | tool {name} | none, with `disable_parallel_tool_use`. */
export function decodeToolChoice(raw: unknown, path: FieldPath): DecodedToolChoice {
  const choice = parseField(toolChoiceSchema, raw, path);
  const parallel = choice.disable_parallel_tool_use === true ? { parallelToolCalls: false } : {};
  switch (choice.type) {
    case 'auto':
      return { toolChoice: { type: 'auto' }, ...parallel };
    case 'any':
      return { toolChoice: { type: 'required' }, ...parallel };
    case 'none':
      return { toolChoice: { type: 'none' }, ...parallel };
    case 'tool':
      if (choice.name == null) throw invalidField([...path, 'name'], 'Field required');
      return { toolChoice: { type: 'tool', name: choice.name }, ...parallel };
  }
}
