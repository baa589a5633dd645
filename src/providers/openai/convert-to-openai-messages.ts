import type { AssistantMessage, ImagePart, Message, TextPart, UserMessage, Warning } from '../../spec/index.js';
import type { OpenAIContentPart, OpenAIMessage, OpenAIToolCall } from './openai-wire-types.js';

/**
 * Canonical system + messages → Chat Completions `messages`.
 *
 * - System parts become one leading `system` message (texts joined by a blank line).
 * - A user message's tool results become `tool` messages, emitted before the rest of that message
 *   (Chat Completions requires tool answers right after the assistant turn that called them).
 * - Assistant text and tool calls become one assistant message; reasoning is dropped (warning).
 * - Things Chat Completions cannot carry (images in tool results, the tool-result error flag,
 *   cache_control hints) are dropped with one warning each, never silently.
 */
export function convertToOpenAIMessages(system: TextPart[] | undefined, messages: Message[], warnings: Warning[]): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  const note = warningSink(warnings);
  if (system && system.length > 0) {
    if (system.some((part) => part.cacheControl)) note(cacheControlWarning);
    out.push({ role: 'system', content: system.map((part) => part.text).join('\n\n') });
  }
  for (const message of messages) {
    if (message.role === 'user') convertUser(message, out, note);
    else out.push(convertAssistant(message, note));
  }
  return out;
}

type Note = (warning: Warning) => void;

const cacheControlWarning: Warning = {
  type: 'unsupported-setting',
  setting: 'cache_control',
  details: 'OpenAI caches prompt prefixes automatically; explicit cache breakpoints are ignored.',
};

/** Adds each distinct warning once. */
function warningSink(warnings: Warning[]): Note {
  const seen = new Set(warnings.map((warning) => JSON.stringify(warning)));
  return (warning) => {
    const key = JSON.stringify(warning);
    if (seen.has(key)) return;
    seen.add(key);
    warnings.push(warning);
  };
}

function convertUser(message: UserMessage, out: OpenAIMessage[], note: Note): void {
  const parts: OpenAIContentPart[] = [];
  for (const part of message.content) {
    if (part.cacheControl) note(cacheControlWarning);
    if (part.type === 'tool-result') {
      const texts: string[] = [];
      for (const item of part.content) {
        if (item.type === 'text') texts.push(item.text);
        else note({ type: 'dropped-content', content: 'tool-result image', details: 'Chat Completions tool messages carry text only.' });
      }
      if (part.isError) note({ type: 'dropped-content', content: 'tool-result is_error', details: 'Chat Completions tool messages have no error flag; the result text is sent as is.' });
      out.push({ role: 'tool', tool_call_id: part.toolCallId, content: texts.join('\n') });
    } else if (part.type === 'text') {
      parts.push({ type: 'text', text: part.text });
    } else {
      parts.push(convertImage(part));
    }
  }
  if (parts.length === 0) return;
  // A single text part goes as a plain string: every OpenAI-compatible server accepts that form.
  const only = parts.length === 1 ? parts[0] : undefined;
  out.push({ role: 'user', content: only && only.type === 'text' ? only.text : parts });
}

function convertImage(part: ImagePart): OpenAIContentPart {
  const url = part.source.kind === 'base64' ? `data:${part.source.mediaType};base64,${part.source.data}` : part.source.url;
  return { type: 'image_url', image_url: part.detail ? { url, detail: part.detail } : { url } };
}

function convertAssistant(message: AssistantMessage, note: Note): OpenAIMessage {
  const texts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const part of message.content) {
    switch (part.type) {
      case 'text':
        if (part.cacheControl) note(cacheControlWarning);
        texts.push(part.text);
        break;
      case 'tool-call':
        if (part.cacheControl) note(cacheControlWarning);
        toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.argumentsJson || '{}' } });
        break;
      case 'reasoning':
      case 'redacted-reasoning':
        note({ type: 'dropped-content', content: 'reasoning', details: 'Chat Completions does not accept reasoning blocks in requests.' });
        break;
    }
  }
  const text = texts.join('');
  if (toolCalls.length === 0) return { role: 'assistant', content: text };
  return { role: 'assistant', content: texts.length > 0 ? text : null, tool_calls: toolCalls };
}
