import type { ChatRequest, ImagePart, Message, ToolResultPart, UserMessage } from '../../spec/index.js';

/** A tool result in the last user message, with the name of the tool that produced it when known. */
export interface ToolResultFact {
  toolCallId: string;
  toolName?: string;
  text: string;
  isError: boolean;
}

/** What the simulator reads from a request before answering it. */
export interface RequestFacts {
  lastUser?: UserMessage;
  /** Text parts of the last user message, joined by newlines ('' when there are none). */
  lastUserText: string;
  /** Tool results carried by the last user message. */
  toolResults: ToolResultFact[];
  /** Image parts anywhere in the conversation, tool results included. */
  imageCount: number;
}

export function readRequestFacts(request: ChatRequest): RequestFacts {
  const lastUser = findLastUser(request.messages);
  const lastUserText = lastUser ? lastUser.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n') : '';
  const toolNames = toolNamesById(request.messages);
  const toolResults = (lastUser?.content ?? [])
    .filter((part): part is ToolResultPart => part.type === 'tool-result')
    .map((part) => ({
      toolCallId: part.toolCallId,
      toolName: toolNames.get(part.toolCallId),
      text: part.content.flatMap((item) => (item.type === 'text' ? [item.text] : [])).join('\n'),
      isError: part.isError === true,
    }));
  return { lastUser, lastUserText, toolResults, imageCount: countImages(request.messages) };
}

function findLastUser(messages: readonly Message[]): UserMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message.role === 'user') return message;
  }
  return undefined;
}

function toolNamesById(messages: readonly Message[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const part of message.content) if (part.type === 'tool-call') names.set(part.id, part.name);
  }
  return names;
}

function countImages(messages: readonly Message[]): number {
  let count = 0;
  const isImage = (part: { type: string }): part is ImagePart => part.type === 'image';
  for (const message of messages) {
    if (message.role !== 'user') continue;
    for (const part of message.content) {
      if (isImage(part)) count += 1;
      else if (part.type === 'tool-result') count += part.content.filter(isImage).length;
    }
  }
  return count;
}

/** The last user text as a short, single-line quote (simulation markers removed). */
export function topicSnippet(text: string, maxLength = 80): string {
  const clean = text.replace(/\[simulate:[^\]]*\]/g, ' ').replace(/\s+/g, ' ').trim();
  if (clean === '') return '';
  return clean.length <= maxLength ? clean : `${clean.slice(0, maxLength - 1).trimEnd()}…`;
}
