/**
 * Reading an upstream's Chat Completions JSON, which may not match openai-wire-types.ts: the lists the
 * converters walk (`choices`, `tool_calls`) and the strings they copy are narrowed first, so a value of
 * another JSON type is treated as absent instead of throwing a TypeError mid-conversion.
 */

/** The items of `value` that are JSON objects ([] when it is not an array), typed as the wire shape they should be. */
export function objectItems<T extends object>(value: unknown): T[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is T => typeof item === 'object' && item !== null && !Array.isArray(item));
}

/** `value` when it is a string, else `fallback`. */
export function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
