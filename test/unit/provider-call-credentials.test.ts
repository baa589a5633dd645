import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { configSchema } from '../../src/config/schema.js';
import { createAnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { createBedrockProvider } from '../../src/providers/bedrock/bedrock-provider.js';
import { ConfigCredentialResolver, configuredCredentials, type CredentialResolver, type ProviderCredentials } from '../../src/providers/credentials.js';
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible/openai-compatible-provider.js';
import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import type { CallContext, PassthroughResponse, ProviderAdapter } from '../../src/providers/provider.js';
import { createProviders } from '../../src/providers/registry.js';
import { closeUpstreamAgents } from '../../src/providers/shared/upstream-http.js';
import type { ChatRequest, ChatStreamPart } from '../../src/spec/index.js';
import { GatewayError } from '../../src/spec/index.js';
import { clearRegisteredSecrets, redactSecrets, REDACTED } from '../../src/spec/redact-secrets.js';
import { testCallContext } from '../conformance/call-context.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startBedrockMock, type BedrockMock } from '../mock-upstreams/bedrock-mock.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';

/**
 * Credentials per call: `CallContext.credentials` (a team's own key) replaces the provider's
 * configured ones for that call only, in every adapter; the configured ones are used otherwise; a
 * CredentialResolver answers for calls that bring none. Each mock accepts only the team's credentials
 * where that makes the difference visible (Azure `api-key`, Anthropic `x-api-key`, Bedrock SigV4 and
 * bearer), so a call that silently used the configured ones would fail.
 */

const TEAM = {
  openai: 'team-openai-key-7f3a9c21d4',
  azure: 'team-azure-key-58be0d6a11',
  anthropic: 'team-anthropic-key-4c2e8f90ab',
  bedrockBearer: 'team-bedrock-bearer-0a9d3e7c55',
  aws: { accessKeyId: 'AKIDTEAMEXAMPLE01', secretAccessKey: 'team/aws+secret-key-93kf02mdq', sessionToken: 'team-session-token-x81md02k' },
};
const CONFIGURED_AWS = { accessKeyId: 'AKIDOPERATOR00001', secretAccessKey: 'operator-aws-secret-key-11', sessionToken: 'operator-session-token-22' };
const REGION = 'us-west-2';
const CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

let openaiMock: OpenAIMock;
let anthropicMock: AnthropicMock;
let bedrockMock: BedrockMock;

beforeAll(async () => {
  clearRegisteredSecrets();
  [openaiMock, anthropicMock, bedrockMock] = await Promise.all([
    startOpenAIMock({ azureApiKey: TEAM.azure }),
    startAnthropicMock({ apiKey: TEAM.anthropic }),
    startBedrockMock({ apiKey: TEAM.bedrockBearer, credentials: TEAM.aws, region: REGION }),
  ]);
});

afterAll(async () => {
  await Promise.all([openaiMock.close(), anthropicMock.close(), bedrockMock.close()]);
  await closeUpstreamAgents();
  clearRegisteredSecrets();
});

function context(upstreamModel: string, credentials?: ProviderCredentials): CallContext {
  const base = testCallContext(upstreamModel, { model: { reasoning: false } });
  return credentials === undefined ? base : { ...base, credentials };
}

function ask(text: string, stream = false): ChatRequest {
  return { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text }] }], stream, maxTokens: 64 };
}

async function textOfStream(adapter: ProviderAdapter, ctx: CallContext): Promise<string> {
  const { stream } = await adapter.chatStream(ask('streamed', true), ctx);
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  const error = parts.find((part) => part.type === 'error');
  if (error) throw error.error;
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

async function drain(response: PassthroughResponse): Promise<void> {
  if (Buffer.isBuffer(response.body)) return;
  for await (const event of response.body) void event;
}

describe('openai: per-call credentials', () => {
  const openai = () =>
    createOpenAIProvider('openai', { type: 'openai', apiKey: 'sk-operator-configured', baseUrl: openaiMock.url, organization: 'org-1', headers: { 'X-Custom': 'yes' } });

  it('uses the configured key without call credentials, and the call key (organization kept) with them', async () => {
    const adapter = openai();
    await adapter.chat(ask('configured'), context('gpt-4o'));
    expect(openaiMock.requests.at(-1)!.headers).toMatchObject({ authorization: 'Bearer sk-operator-configured', 'openai-organization': 'org-1', 'x-custom': 'yes' });

    const result = await adapter.chat(ask('team'), context('gpt-4o', { kind: 'api-key', apiKey: TEAM.openai }));
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: team' }]);
    expect(openaiMock.requests.at(-1)!.headers).toMatchObject({ authorization: `Bearer ${TEAM.openai}`, 'openai-organization': 'org-1', 'x-custom': 'yes' });

    // The next call without credentials is back on the configured key.
    await adapter.chat(ask('configured again'), context('gpt-4o'));
    expect(openaiMock.requests.at(-1)!.headers.authorization).toBe('Bearer sk-operator-configured');
  });

  it('streams and passes through with the call credentials too', async () => {
    const adapter = openai();
    expect(await textOfStream(adapter, context('gpt-4o', { kind: 'bearer', token: TEAM.openai }))).toBe('Echo: streamed');
    expect(openaiMock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEAM.openai}`);
    const body = { model: 'client-name', messages: [{ role: 'user', content: 'pt' }] };
    await drain(await adapter.passthrough!({ dialect: 'openai-chat', body, stream: false }, context('gpt-4o', { kind: 'api-key', apiKey: TEAM.openai })));
    expect(openaiMock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEAM.openai}`);
  });

  it('refuses credentials it cannot send, before calling the upstream', async () => {
    const before = openaiMock.requests.length;
    const error = await rejection(openai().chat(ask('x'), context('gpt-4o', { kind: 'aws', ...TEAM.aws })));
    expect(error).toMatchObject({ code: 'SWY_ERR_CREDENTIALS_UNSUPPORTED', origin: 'gateway', retryable: false, provider: 'openai' });
    const empty = await rejection(openai().chat(ask('x'), context('gpt-4o', { kind: 'api-key', apiKey: '' })));
    expect(empty.code).toBe('SWY_ERR_CREDENTIALS_UNSUPPORTED');
    expect(openaiMock.requests.length).toBe(before);
  });
});

describe('openai-compatible and Azure: per-call credentials', () => {
  it('Azure: the call key goes in api-key (the mock accepts only the team key)', async () => {
    const azure = createOpenAICompatibleProvider('azure', { type: 'openai-compatible', baseUrl: openaiMock.origin, apiKey: 'operator-azure-key', azure: { apiVersion: '2024-10-21' }, maxTokensField: 'max_tokens' });
    const configured = await rejection(azure.chat(ask('x'), context('deploy')));
    expect(configured).toMatchObject({ kind: 'authentication', upstreamStatus: 401 });
    expect(openaiMock.requests.at(-1)!.headers['api-key']).toBe('operator-azure-key');

    const result = await azure.chat(ask('azure team'), context('deploy', { kind: 'api-key', apiKey: TEAM.azure }));
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: azure team' }]);
    expect(openaiMock.requests.at(-1)!.headers['api-key']).toBe(TEAM.azure);
    expect(await textOfStream(azure, context('deploy', { kind: 'api-key', apiKey: TEAM.azure }))).toBe('Echo: streamed');
  });

  it('Azure: a bearer token (Entra ID) replaces the configured credential headers', async () => {
    const azure = createOpenAICompatibleProvider('azure', {
      type: 'openai-compatible',
      baseUrl: openaiMock.origin,
      azure: { apiVersion: '2024-10-21' },
      headers: { Authorization: 'Bearer operator-entra-token', 'api-key': TEAM.azure, 'X-Trace': 't' },
      maxTokensField: 'max_tokens',
    });
    await azure.chat(ask('configured'), context('deploy'));
    expect(openaiMock.requests.at(-1)!.headers).toMatchObject({ authorization: 'Bearer operator-entra-token', 'api-key': TEAM.azure, 'x-trace': 't' });
    // The mock wants an api-key, so this call is refused: what matters is what was sent.
    await rejection(azure.chat(ask('team'), context('deploy', { kind: 'bearer', token: 'team-entra-token-3k2j1h' })));
    const sent = openaiMock.requests.at(-1)!.headers;
    expect(sent.authorization).toBe('Bearer team-entra-token-3k2j1h');
    expect(sent['api-key']).toBeUndefined();
    expect(sent['x-trace']).toBe('t');
  });

  it('a compatible server without a configured key: bearer per call, none without', async () => {
    const house = createOpenAICompatibleProvider('house', { type: 'openai-compatible', baseUrl: openaiMock.url, maxTokensField: 'max_tokens' });
    await house.chat(ask('anonymous'), context('house-7b'));
    expect(openaiMock.requests.at(-1)!.headers.authorization).toBeUndefined();
    await house.chat(ask('keyed'), context('house-7b', { kind: 'api-key', apiKey: 'team-house-key-0001' }));
    expect(openaiMock.requests.at(-1)!.headers.authorization).toBe('Bearer team-house-key-0001');
  });
});

describe('anthropic: per-call credentials', () => {
  const anthropic = () => createAnthropicProvider('anthropic', { type: 'anthropic', apiKey: 'sk-ant-operator-configured', baseUrl: anthropicMock.url, version: '2023-06-01' });

  it('the configured x-api-key is refused by the mock; the call key is sent and accepted (chat, stream, passthrough)', async () => {
    const adapter = anthropic();
    const configured = await rejection(adapter.chat(ask('x'), context('claude-mock')));
    expect(configured).toMatchObject({ kind: 'authentication', upstreamStatus: 401 });
    expect(anthropicMock.requests.at(-1)!.headers['x-api-key']).toBe('sk-ant-operator-configured');

    const team: ProviderCredentials = { kind: 'api-key', apiKey: TEAM.anthropic };
    const result = await adapter.chat(ask('anthropic team'), context('claude-mock', team));
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: anthropic team' }]);
    expect(anthropicMock.requests.at(-1)!.headers['x-api-key']).toBe(TEAM.anthropic);
    expect(await textOfStream(adapter, context('claude-mock', team))).toBe('Echo: streamed');

    const body = { model: 'client', max_tokens: 32, messages: [{ role: 'user', content: 'pt' }] };
    const response = await adapter.passthrough!({ dialect: 'anthropic-messages', body, stream: false }, context('claude-mock', team));
    expect(response.status).toBe(200);
    expect(anthropicMock.requests.at(-1)!.headers['x-api-key']).toBe(TEAM.anthropic);
  });

  it('a bearer token goes in Authorization, without x-api-key', async () => {
    await rejection(anthropic().chat(ask('x'), context('claude-mock', { kind: 'bearer', token: 'team-oauth-token-9d8c7b' })));
    const sent = anthropicMock.requests.at(-1)!.headers;
    expect(sent.authorization).toBe('Bearer team-oauth-token-9d8c7b');
    expect(sent['x-api-key']).toBeUndefined();
    expect(sent['anthropic-version']).toBe('2023-06-01');
  });
});

describe('bedrock: per-call credentials', () => {
  const configuredSigV4 = () => createBedrockProvider('aws', { type: 'bedrock', region: REGION, baseUrl: bedrockMock.url, ...CONFIGURED_AWS }, { env: {} });

  it('signs with the call AWS keys (the mock verifies the signature); the configured keys are refused', async () => {
    const adapter = configuredSigV4();
    const configured = await rejection(adapter.chat(ask('x'), context(CLAUDE)));
    expect(configured).toMatchObject({ kind: 'authentication', upstreamType: 'UnrecognizedClientException' });
    expect(bedrockMock.requests.at(-1)!.headers.authorization).toContain('Credential=AKIDOPERATOR00001/');

    const team: ProviderCredentials = { kind: 'aws', ...TEAM.aws };
    const result = await adapter.chat(ask('signed by the team'), context(CLAUDE, team));
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: signed by the team' }]);
    const sent = bedrockMock.requests.at(-1)!.headers;
    expect(sent.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEAMEXAMPLE01\/\d{8}\/us-west-2\/bedrock\/aws4_request, /);
    expect(sent['x-amz-security-token']).toBe(TEAM.aws.sessionToken);
    expect(await textOfStream(adapter, context(CLAUDE, team))).toBe('Echo: streamed');
    // A fresh object with the same keys (a resolver that builds one per call) signs just as well.
    expect(await textOfStream(adapter, context(CLAUDE, { kind: 'aws', ...TEAM.aws }))).toBe('Echo: streamed');
  });

  it('sends a call bearer token (Bedrock API key) instead of signing', async () => {
    const adapter = configuredSigV4();
    for (const credentials of [{ kind: 'bearer', token: TEAM.bedrockBearer }, { kind: 'api-key', apiKey: TEAM.bedrockBearer }] as const) {
      const result = await adapter.chat(ask('bearer'), context(CLAUDE, credentials));
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: bearer' }]);
      expect(bedrockMock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEAM.bedrockBearer}`);
    }
  });

  it('uses the configured credentials when the call brings none', async () => {
    const adapter = createBedrockProvider('aws', { type: 'bedrock', region: REGION, baseUrl: bedrockMock.url, ...TEAM.aws }, { env: {} });
    expect((await adapter.chat(ask('configured'), context(CLAUDE))).content).toEqual([{ type: 'text', text: 'Echo: configured' }]);
  });

  it('refuses kinds it cannot send', async () => {
    const error = await rejection(configuredSigV4().chat(ask('x'), context(CLAUDE, { kind: 'none' })));
    expect(error).toMatchObject({ code: 'SWY_ERR_CREDENTIALS_UNSUPPORTED', provider: 'aws' });
  });
});

describe('credential resolvers', () => {
  it('a resolver answers for calls without credentials (sync or async); call credentials win over it', async () => {
    const asked: Array<[string, string]> = [];
    const team: ProviderCredentials = Object.freeze({ kind: 'api-key', apiKey: TEAM.openai });
    const sync: CredentialResolver = {
      resolve(provider, ctx) {
        asked.push([provider, ctx.upstreamModel]);
        return team;
      },
    };
    const adapter = createOpenAIProvider('openai', { type: 'openai', apiKey: 'sk-operator-configured', baseUrl: openaiMock.url }, { credentials: sync });
    await adapter.chat(ask('resolved'), context('gpt-4o'));
    expect(asked).toEqual([['openai', 'gpt-4o']]);
    expect(openaiMock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEAM.openai}`);

    await adapter.chat(ask('own'), context('gpt-4o', { kind: 'api-key', apiKey: 'team-other-key-000111' }));
    expect(asked).toHaveLength(1);
    expect(openaiMock.requests.at(-1)!.headers.authorization).toBe('Bearer team-other-key-000111');

    const async: CredentialResolver = { resolve: async () => ({ kind: 'aws', ...TEAM.aws }) };
    const bedrock = createBedrockProvider('aws', { type: 'bedrock', region: REGION, baseUrl: bedrockMock.url, ...CONFIGURED_AWS }, { env: {}, credentials: async });
    expect((await bedrock.chat(ask('async'), context(CLAUDE))).content).toEqual([{ type: 'text', text: 'Echo: async' }]);
  });

  it('with a resolver, a provider needs no configured credentials', async () => {
    const resolver: CredentialResolver = { resolve: () => ({ kind: 'bearer', token: TEAM.bedrockBearer }) };
    expect(() => createBedrockProvider('aws', { type: 'bedrock', region: REGION, baseUrl: bedrockMock.url }, { env: {} })).toThrow(ConfigError);
    const adapter = createBedrockProvider('aws', { type: 'bedrock', region: REGION, baseUrl: bedrockMock.url }, { env: {}, credentials: resolver });
    expect((await adapter.chat(ask('resolved'), context(CLAUDE))).content).toEqual([{ type: 'text', text: 'Echo: resolved' }]);
  });

  it('a failing resolver is a typed gateway error that names the provider and carries no secret; nothing is sent', async () => {
    const before = anthropicMock.requests.length;
    for (const resolve of [
      () => {
        throw new Error(`vault said no for ${TEAM.anthropic}`);
      },
      () => Promise.reject(new Error('vault timeout')),
      // Not credentials: never taken for "use the configured ones".
      () => undefined as unknown as ProviderCredentials,
      async () => ({ kind: 'magic' }) as unknown as ProviderCredentials,
    ]) {
      const adapter = createAnthropicProvider('anthropic', { type: 'anthropic', apiKey: 'sk-ant-operator-configured', baseUrl: anthropicMock.url, version: '2023-06-01' }, { credentials: { resolve } });
      const error = await rejection(adapter.chat(ask('x'), context('claude-mock')));
      expect(error).toMatchObject({ code: 'SWY_ERR_CREDENTIALS_UNAVAILABLE', kind: 'internal', origin: 'gateway', provider: 'anthropic', retryable: false });
      expect(error.message).not.toContain(TEAM.anthropic);
    }
    expect(anthropicMock.requests.length).toBe(before);
  });

  it('ConfigCredentialResolver: each provider type with the configured precedence', () => {
    const config = resolveConfig(
      configSchema.parse({
        providers: {
          openai: { type: 'openai', apiKey: 'sk-config-openai' },
          house: { type: 'openai-compatible', baseUrl: 'http://house.invalid' },
          anthropic: { type: 'anthropic', apiKey: 'sk-ant-config' },
          keys: { type: 'bedrock', region: REGION, accessKeyId: 'AKIDCONFIG', secretAccessKey: 'config-secret' },
          ambient: { type: 'bedrock', region: REGION },
          sim: { type: 'simulated' },
        },
        models: [{ id: 'm', provider: 'openai' }],
      }),
      { AWS_BEARER_TOKEN_BEDROCK: 'env-bearer-token', AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' },
    );
    const resolver = new ConfigCredentialResolver(config, {});
    expect(resolver.resolve('openai')).toEqual({ kind: 'api-key', apiKey: 'sk-config-openai' });
    expect(resolver.resolve('house')).toEqual({ kind: 'none' });
    expect(resolver.resolve('anthropic')).toEqual({ kind: 'api-key', apiKey: 'sk-ant-config' });
    // Configured keys win over the environment; without them the environment bearer token wins over env keys.
    expect(resolver.resolve('keys')).toEqual({ kind: 'aws', accessKeyId: 'AKIDCONFIG', secretAccessKey: 'config-secret' });
    expect(resolver.resolve('ambient')).toEqual({ kind: 'api-key', apiKey: 'env-bearer-token' });
    expect(resolver.resolve('sim')).toEqual({ kind: 'none' });
    expect(resolver.resolve('openai')).toBe(resolver.resolve('openai'));
    expect(() => resolver.resolve('nope')).toThrow(expect.objectContaining({ code: 'SWY_ERR_CREDENTIALS_UNAVAILABLE' }));
    expect(() => configuredCredentials('b', { type: 'bedrock', region: REGION }, {})).toThrow(/no credentials/);
  });

  it('createProviders uses the ConfigCredentialResolver by default and call credentials per call', async () => {
    const config = resolveConfig(
      configSchema.parse({
        providers: { openai: { type: 'openai', apiKey: 'sk-operator-configured', baseUrl: openaiMock.url } },
        models: [{ id: 'm', provider: 'openai' }],
      }),
      {},
    );
    const adapter = createProviders(config).get('openai')!;
    for (let i = 0; i < 2; i++) {
      await adapter.chat(ask('configured'), context('gpt-4o'));
      expect(openaiMock.requests.at(-1)!.headers.authorization).toBe('Bearer sk-operator-configured');
    }
    await adapter.chat(ask('team'), context('gpt-4o', { kind: 'api-key', apiKey: TEAM.openai }));
    expect(openaiMock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEAM.openai}`);
  });
});

describe('call credentials are scrubbed like configured ones', () => {
  it('a secret used by a call is registered with the redactor (even in forms no shape rule catches)', async () => {
    const secret = 'teamplainsecret42xyzzy';
    expect(redactSecrets(`echo ${secret}`)).toBe(`echo ${secret}`);
    await createOpenAIProvider('openai', { type: 'openai', apiKey: 'sk-operator-configured', baseUrl: openaiMock.url }).chat(ask('x'), context('gpt-4o', { kind: 'api-key', apiKey: secret }));
    expect(redactSecrets(`echo ${secret}`)).toBe(`echo ${REDACTED}`);

    const aws = { kind: 'aws', accessKeyId: 'AKIDTEAMEXAMPLE02', secretAccessKey: 'plainawssecretvalue77', sessionToken: 'plainsessionvalue88' } as const;
    await rejection(createBedrockProvider('aws', { type: 'bedrock', region: REGION, baseUrl: bedrockMock.url, ...CONFIGURED_AWS }, { env: {} }).chat(ask('x'), context(CLAUDE, aws)));
    expect(redactSecrets(`a plainawssecretvalue77 b plainsessionvalue88`)).toBe(`a ${REDACTED} b ${REDACTED}`);
  });
});
