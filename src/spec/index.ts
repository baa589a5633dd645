export * from './chat-request.js';
export * from './chat-result.js';
export * from './chat-stream-part.js';
export * from './usage.js';
export * from './warning.js';
export * from './errors.js';
