import { randomBytes } from 'node:crypto';

/**
 * Anthropic message ids start with `msg_`. An upstream id that already does (Anthropic, Bedrock
 * passthrough of Anthropic ids) is kept; any other id (chatcmpl-…, a gateway id) gets the prefix so
 * clients that check it are satisfied while the original stays recognisable. An empty id is replaced
 * by a generated one.
 */
export function toAnthropicMessageId(id: string | undefined): string {
  if (id === undefined || id === '') return generateAnthropicMessageId();
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

export function generateAnthropicMessageId(): string {
  return `msg_swy${randomBytes(12).toString('hex')}`;
}
