/**
 * A typed warning: a request parameter the chosen upstream could not honour exactly.
 * The gateway never changes a caller's parameters silently; every change becomes one of these,
 * returned in the `x-switchyard-warnings` response header (JSON array).
 */
export type Warning =
  | { type: 'unsupported-setting'; setting: string; details?: string }
  | { type: 'changed-setting'; setting: string; from: string; to: string; details?: string }
  | { type: 'dropped-content'; content: string; details?: string }
  | { type: 'other'; message: string };

export function formatWarningsHeader(warnings: readonly Warning[]): string {
  // Header values must be latin-1; JSON of ASCII-escaped text is safe.
  return JSON.stringify(warnings).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
