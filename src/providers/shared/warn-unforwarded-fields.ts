import type { ChatRequest } from '../../spec/chat-request.js';
import type { Warning } from '../../spec/warning.js';

/**
 * One `unsupported-setting` warning per field of `request.extra` (top-level client fields the
 * canonical request does not model), named by the client's own field name. Every translating
 * adapter calls this: such fields are never forwarded by translation, and never dropped silently.
 */
export function warnUnforwardedFields(extra: ChatRequest['extra'], upstream: string, warnings: Warning[]): void {
  for (const key of Object.keys(extra ?? {})) {
    warnings.push({
      type: 'unsupported-setting',
      setting: key,
      details: `The field is not part of the canonical request and was not forwarded to ${upstream}.`,
    });
  }
}
