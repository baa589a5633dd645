export { createAnthropicProvider } from './anthropic-provider.js';
export { convertToAnthropicRequest } from './convert-to-anthropic-request.js';
export { convertAnthropicResponse } from './convert-anthropic-response.js';
export { decodeAnthropicStream } from './anthropic-stream.js';
