export { createBedrockProvider, type BedrockProviderOptions } from './bedrock-provider.js';
