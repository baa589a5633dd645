import type { BedrockProviderConfig } from '../../config/schema.js';

export type BedrockOperation = 'converse' | 'converse-stream';

/** The regional runtime endpoint, or the configured override (tests, VPC endpoints). */
export function bedrockBaseUrl(config: Pick<BedrockProviderConfig, 'region' | 'baseUrl'>): string {
  return (config.baseUrl ?? `https://bedrock-runtime.${config.region}.amazonaws.com`).replace(/\/+$/, '');
}

/**
 * `{base}/model/{modelId}/{operation}` with the model id (base id, inference profile or ARN)
 * percent-encoded as one path segment: `:` → `%3A`, `/` → `%2F`.
 */
export function bedrockOperationUrl(baseUrl: string, modelId: string, operation: BedrockOperation): string {
  return `${baseUrl}/model/${encodeURIComponent(modelId)}/${operation}`;
}
