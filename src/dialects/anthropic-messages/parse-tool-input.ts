/**
 * Canonical tool-call arguments (JSON text) → the `input` object of an Anthropic tool_use block.
 *
 * Anthropic requires `input` to be an object, so:
 * - empty or whitespace-only text → `{}` (a tool called without arguments);
 * - text that parses to a JSON object → that object;
 * - anything else (invalid or truncated JSON, or a JSON array/string/number) → `{ "_raw": <text> }`.
 *   The model's output is kept for the client to inspect instead of being dropped or crashing the
 *   response; a client that sends this tool_use back gets `{"_raw": …}` as the arguments.
 */
export function parseToolInput(argumentsJson: string): Record<string, unknown> {
  if (argumentsJson.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(argumentsJson);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // not JSON: fall through to the raw wrapper
  }
  return { _raw: argumentsJson };
}
