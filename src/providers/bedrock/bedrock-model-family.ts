/**
 * What a Bedrock model id says about the model behind it. Base ids (`anthropic.claude-…`),
 * inference profiles (`us.anthropic.claude-…`) and foundation-model / inference-profile ARNs name
 * the vendor; application inference profiles, provisioned and custom models (`…:provisioned-model/abc`)
 * do not, so their family is `unknown` and callers fall back on the catalog's model traits.
 */
export type BedrockModelFamily = 'anthropic' | 'other' | 'unknown';

export function bedrockModelFamily(modelId: string): BedrockModelFamily {
  const id = modelId.toLowerCase();
  if (/(^|[./:])anthropic\./.test(id) || id.includes('claude')) return 'anthropic';
  if (id.startsWith('arn:') && /:(application-inference-profile|provisioned-model|custom-model|custom-model-deployment|imported-model|prompt-router|default-prompt-router)\//.test(id)) {
    return 'unknown';
  }
  return 'other';
}
