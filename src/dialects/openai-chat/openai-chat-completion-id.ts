import { randomBytes } from 'node:crypto';

const PREFIX = 'chatcmpl-';

/**
 * The `id` a client sees: OpenAI ids start with `chatcmpl-`; an upstream id of another shape
 * (Anthropic `msg_…`, a Bedrock request id) is prefixed so clients that check the prefix keep working.
 */
export function toOpenAIChatCompletionId(id: string | undefined): string {
  if (!id) return PREFIX + randomBytes(12).toString('base64url');
  return id.startsWith(PREFIX) ? id : PREFIX + id;
}

/** Unix time in whole seconds (OpenAI `created`). */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
