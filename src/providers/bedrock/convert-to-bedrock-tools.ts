import type { ChatRequest } from '../../spec/chat-request.js';
import { invalidRequest } from '../../spec/errors.js';
import type { Warning } from '../../spec/warning.js';
import type { BedrockConverseRequest, BedrockToolChoice, BedrockToolSpec } from './bedrock-api-types.js';

/**
 * Canonical tools and tool choice → Converse `toolConfig` (fixtures README, Bedrock 5).
 * Choices: auto → `{auto:{}}`, required → `{any:{}}`, tool → `{tool:{name}}`.
 * Bedrock has no "none": the tools are left out (a changed-setting warning) — unless the
 * conversation already holds tool calls or results, where Converse insists on a toolConfig; then the
 * tools stay with `auto` and the warning says so. Bedrock cannot forbid parallel tool calls.
 */
export function convertToBedrockToolConfig(
  request: Pick<ChatRequest, 'tools' | 'toolChoice' | 'parallelToolCalls'>,
  toolHistory: boolean,
  warnings: Warning[],
): BedrockConverseRequest['toolConfig'] {
  const tools = request.tools ?? [];
  if (tools.length === 0) return undefined;
  if (request.parallelToolCalls === false) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'parallel_tool_calls',
      details: 'Bedrock Converse cannot forbid parallel tool calls; the model may call several tools at once.',
    });
  }
  const specs: BedrockToolSpec[] = tools.map((tool) => ({
    toolSpec: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      inputSchema: { json: tool.inputSchema },
      ...(tool.strict === true ? { strict: true } : {}),
    },
  }));
  const choice = request.toolChoice;
  if (choice?.type === 'none') {
    if (toolHistory) {
      warnings.push({
        type: 'changed-setting',
        setting: 'tool_choice',
        from: 'none',
        to: 'auto',
        details: 'Bedrock has no "none" tool choice and requires the tool definitions while the conversation holds tool calls; the model may still call a tool.',
      });
      return { tools: specs, toolChoice: { auto: {} } };
    }
    warnings.push({
      type: 'changed-setting',
      setting: 'tools',
      from: `${tools.length} tool(s)`,
      to: 'none',
      details: 'Bedrock has no "none" tool choice; the tools were left out so that the model cannot call them.',
    });
    return undefined;
  }
  return choice === undefined ? { tools: specs } : { tools: specs, toolChoice: toolChoice(choice, tools.map((t) => t.name)) };
}

function toolChoice(choice: Exclude<NonNullable<ChatRequest['toolChoice']>, { type: 'none' }>, names: string[]): BedrockToolChoice {
  switch (choice.type) {
    case 'auto':
      return { auto: {} };
    case 'required':
      return { any: {} };
    case 'tool':
      if (!names.includes(choice.name)) {
        throw invalidRequest(`Tool choice names '${choice.name}', which is not among the tools (${names.join(', ')}).`, 'toolChoice.name');
      }
      return { tool: { name: choice.name } };
  }
}
