/**
 * A typed warning: a request parameter the chosen upstream could not honour exactly.
 * The gateway never changes a caller's parameters silently; every change becomes one of these,
 * returned in the `x-switchyard-warnings` response header (JSON array).
 *
 * `setting` is a name from WARNING_SETTINGS (with item indices filled in, see `settingPath`), or,
 * for a top-level field the canonical request does not model (ChatRequest.extra), the client's own
 * field name as it was sent.
 */
export type Warning =
  | { type: 'unsupported-setting'; setting: string; details?: string }
  | { type: 'changed-setting'; setting: string; from: string; to: string; details?: string }
  | { type: 'dropped-content'; content: string; details?: string }
  | { type: 'other'; message: string };

/**
 * The one vocabulary warnings name settings in: client wire names, snake_case, never the canonical
 * camelCase field names. Where both client dialects have the field, the OpenAI Chat name is used
 * (`stop`, not `stop_sequences`; `user`, not `metadata.user_id`; `parallel_tool_calls`); a field
 * only one dialect has keeps that dialect's name (`reasoning_effort` from OpenAI,
 * `thinking.budget_tokens` from Anthropic). `[]` marks a list index, filled in by `settingPath`.
 */
export const WARNING_SETTINGS = Object.freeze([
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'user',
  'tools',
  'tools[].strict',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'thinking.budget_tokens',
  'cache_control',
  'system[].cache_control.ttl',
  'messages[].content[].cache_control.ttl',
] as const);

export type WarningSetting = (typeof WARNING_SETTINGS)[number];

const KNOWN_SETTINGS: ReadonlySet<string> = new Set<string>(WARNING_SETTINGS);

/** Fills the `[]` of a vocabulary setting with indices, in order: settingPath('tools[].strict', 2) → 'tools[2].strict'. */
export function settingPath(setting: WarningSetting, ...indices: number[]): string {
  let next = 0;
  return setting.replace(/\[\]/g, () => {
    const index = indices[next++];
    return index === undefined ? '[]' : `[${index}]`;
  });
}

/** True when `setting` is a vocabulary name, indices allowed where the vocabulary has `[]`. */
export function isWarningSetting(setting: string): boolean {
  return KNOWN_SETTINGS.has(setting.replace(/\[\d+\]/g, '[]'));
}

export function formatWarningsHeader(warnings: readonly Warning[]): string {
  // Header values must be latin-1; JSON of ASCII-escaped text is safe.
  return JSON.stringify(warnings).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
