import { randomUUID } from 'node:crypto';

/** A response id for upstreams that send none (or Azure's empty one). */
export function generateResponseId(): string {
  return `chatcmpl-${randomUUID().replace(/-/g, '')}`;
}

/** A tool-call id for compatible servers that omit it. */
export function generateToolCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}
