import { afterEach, describe, expect, it } from 'vitest';
import { configSecrets, providerSecrets, registerConfigSecrets } from '../../src/config/config-secrets.js';
import { anthropicMessagesDialect } from '../../src/dialects/anthropic-messages/index.js';
import { openaiChatDialect } from '../../src/dialects/openai-chat/index.js';
import { mapNetworkError } from '../../src/providers/shared/upstream-http.js';
import { GatewayError, toGatewayError } from '../../src/spec/errors.js';
import {
  clearRegisteredSecrets,
  isPermanentlyRedacted,
  MAX_CALL_SECRETS,
  MAX_REDACTED_MESSAGE_CHARS,
  REDACTED,
  redactSecrets,
  registerCallSecret,
  registeredSecretCount,
  registerSecret,
} from '../../src/spec/redact-secrets.js';

afterEach(() => clearRegisteredSecrets());

describe('redactSecrets: registered credentials', () => {
  it('replaces a registered secret wherever it appears, raw, JSON-escaped and URL-encoded', () => {
    const secret = 'plain"Secret/with+odd=chars';
    registerSecret(secret);
    const text = `got ${secret}; json ${JSON.stringify({ k: secret })}; slashes ${JSON.stringify(secret).replaceAll('/', '\\/')}; url ?k=${encodeURIComponent(secret)}`;
    const out = redactSecrets(text);
    expect(out).not.toContain('plain');
    expect(out).not.toContain('odd=chars');
    expect(out).toContain('got [redacted]');
  });

  it('ignores secrets too short to match safely, and registers each one once', () => {
    registerSecret('short');
    registerSecret(undefined);
    registerSecret('long-enough-secret');
    registerSecret('long-enough-secret');
    expect(registeredSecretCount()).toBe(1);
    expect(redactSecrets('a short word')).toBe('a short word');
  });

  it('takes the longest secret first when one contains another', () => {
    registerSecret('abcdefgh12');
    registerSecret('abcdefgh12345678');
    expect(redactSecrets('x abcdefgh12345678 y')).toBe(`x ${REDACTED} y`);
  });
});

describe('redactSecrets: credential-shaped text', () => {
  it.each([
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig123 rejected', 'Authorization: Bearer [redacted] rejected'],
    ['{"authorization":"Bearer abc123XYZ789qwe","x-api-key":"zzz111yyy222"}', '{"authorization":"Bearer [redacted]","x-api-key":"[redacted]"}'],
    ["{'x-api-key': 'Key-9f8e7d6c'}", "{'x-api-key': '[redacted]'}"],
    ['Incorrect API key provided: sk-proj-abcdefghijklmnop1234.', 'Incorrect API key provided: [redacted].'],
    ['anthropic sk-ant-api03-AbCdEfGhIjKlMnOp-qrs', 'anthropic [redacted]'],
    ['key id AKIAIOSFODNN7EXAMPLE and ASIAIOSFODNN7EXAMPLE', 'key id [redacted] and [redacted]'],
    ['X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2F&X-Amz-Date=20240101T000000Z', 'X-Amz-Security-Token=[redacted]&X-Amz-Date=20240101T000000Z'],
    ['x-amz-security-token:IQoJb3JpZ2luX2VjEJr//wEa==\nhost;x-amz-date', 'x-amz-security-token:[redacted]\nhost;x-amz-date'],
    [
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0',
      'Authorization: AWS4-HMAC-SHA256 [redacted], SignedHeaders=host;x-amz-date, Signature=[redacted]',
    ],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = [redacted]'],
    ['?api-key=abc123def456&x=1', '?api-key=[redacted]&x=1'],
    ['token: 9f8e7d6c5b4a39281706f5e4', 'token: [redacted]'],
    ['https://user:p4ssw0rd@proxy.example.com/v1', 'https://[redacted]@proxy.example.com/v1'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789 AIzaSyA-abcdefghijklmnopqrstuvwxyz01234', '[redacted] [redacted]'],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic [redacted]'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it.each([
    'Invalid model: gpt-9 does not exist or you do not have access to it.',
    'max_tokens: Field required. token: 4096. key: value. api_key: missing. Bearer token is invalid.',
    'Rate limit reached for gpt-4o in organization org-abc123 on tokens per min (TPM): Limit 30000, Used 29000.',
    'The security token included in the request is invalid.',
    'messages.0.content: Input should be a valid list',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key.',
    'task-1234567890abcdef is done',
  ])('keeps ordinary words: %s', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = redactSecrets('Authorization: Bearer abc123XYZ789qwe x-api-key: sk-ant-api03-AbCdEfGhIjKl');
    expect(redactSecrets(once)).toBe(once);
  });
});

describe('redactSecrets: size and time bounds', () => {
  it('cuts long messages after scrubbing, so a secret across the cut is still replaced', () => {
    const secret = 'registered-secret-0123456789';
    registerSecret(secret);
    const text = `${'x'.repeat(MAX_REDACTED_MESSAGE_CHARS - 10)}${secret} tail`;
    const out = redactSecrets(text);
    expect(out.length).toBeLessThanOrEqual(MAX_REDACTED_MESSAGE_CHARS + 1);
    expect(out).not.toContain('registered-');
    expect(out.endsWith('…')).toBe(true);
  });

  it.each([
    ['a run of one letter', 'a'.repeat(1_000_000)],
    ['a name then endless blanks', `api_key:${' '.repeat(1_000_000)}[`],
    ['repeated key prefixes', 'sk-'.repeat(300_000)],
    ['repeated schemes', 'Bearer '.repeat(150_000)],
    ['repeated names', 'key=token=secret='.repeat(60_000)],
    ['repeated URL starts', 'a://b:'.repeat(150_000)],
    ['unclosed quotes after a name', `Authorization: "${' '.repeat(40)}`.repeat(20_000)],
  ])('stays fast on adversarial input: %s', (_name, input) => {
    const started = performance.now();
    redactSecrets(input);
    redactSecrets(input, 200_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('redaction at the edges of the gateway', () => {
  it('the dialect encoders scrub any GatewayError, whoever built it', () => {
    registerSecret('operator-held-secret-42');
    const error = toGatewayError(new Error('boom with operator-held-secret-42 and Authorization: Bearer abc123XYZ789qwe'));
    const upstream = new GatewayError({ code: 'SWY_ERR_UPSTREAM_ERROR', kind: 'upstream_error', message: 'x-api-key: sk-ant-api03-AbCdEfGhIjKlMnOp', param: 'sk-proj-abcdefghijklmnop1234', upstreamRequestId: 'req_1' });
    for (const e of [error, upstream]) {
      const rendered = [
        JSON.stringify(openaiChatDialect.encodeError(e)),
        openaiChatDialect.encodeStreamError(e),
        JSON.stringify(anthropicMessagesDialect.encodeError(e)),
        anthropicMessagesDialect.encodeStreamError(e),
      ];
      for (const text of rendered) {
        expect(text).not.toContain('operator-held');
        expect(text).not.toContain('abc123XYZ');
        expect(text).not.toContain('AbCdEfGh');
        expect(text).not.toContain('abcdefghijklmnop');
      }
    }
    expect(openaiChatDialect.encodeError(upstream).headers?.['x-switchyard-upstream-request-id']).toBe('req_1');
  });

  it('network errors keep the code and lose the address', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:8443'), { code: 'ECONNREFUSED' });
    expect(mapNetworkError(refused, 'house').message).toBe('Upstream house could not be reached (ECONNREFUSED): the connection was refused.');
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND internal-llm.corp.example'), { code: 'ENOTFOUND' });
    expect(mapNetworkError(dns, 'house').message).not.toContain('internal-llm');
    const odd = Object.assign(new Error('weird failure talking to https://user:pw@llm.internal:9000/v1 via [fd00::1]:443 and 192.168.1.10:80 (llm.internal:9000)'), {
      code: 'E_SOMETHING_NEW',
    });
    const message = mapNetworkError(odd, 'house').message;
    expect(message).toContain('(E_SOMETHING_NEW)');
    expect(message).toContain('weird failure');
    for (const leaked of ['llm.internal', 'pw@', 'fd00', '192.168', '9000']) expect(message).not.toContain(leaked);
  });
});

describe('config secrets', () => {
  const providers = {
    openai: { type: 'openai', apiKey: 'openai-key-000001', baseUrl: 'https://api.openai.com/v1' },
    entra: { type: 'openai-compatible', baseUrl: 'https://x', headers: { Authorization: 'Bearer entra-token-000001', 'X-Trace': 'not-a-secret-value' }, maxTokensField: 'max_tokens' },
    anthropic: { type: 'anthropic', apiKey: 'anthropic-key-01', baseUrl: 'https://api.anthropic.com', version: '2023-06-01' },
    aws: { type: 'bedrock', region: 'us-east-1', accessKeyId: 'AKIDEXAMPLE00001', secretAccessKey: 'aws-secret-000001', sessionToken: 'aws-session-00001' },
    sim: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 },
  } as const;

  it('collects every provider credential, credential headers (also without their scheme) and the gateway keys', () => {
    const secrets = configSecrets({ providers, auth: { masterKey: 'master-key-000001', keys: [{ key: 'client-key-000001', name: 'c' }] } }, { AWS_BEARER_TOKEN_BEDROCK: 'env-bearer-000001' });
    for (const expected of [
      'openai-key-000001',
      'Bearer entra-token-000001',
      'entra-token-000001',
      'anthropic-key-01',
      'AKIDEXAMPLE00001',
      'aws-secret-000001',
      'aws-session-00001',
      'env-bearer-000001',
      'master-key-000001',
      'client-key-000001',
    ]) {
      expect(secrets).toContain(expected);
    }
    expect(secrets).not.toContain('not-a-secret-value');
    expect(providerSecrets(providers.sim)).toEqual([]);
  });

  it('registerConfigSecrets makes them redacted', () => {
    registerConfigSecrets({ providers, auth: { keys: [] } }, {});
    expect(redactSecrets('echo openai-key-000001 / aws-secret-000001')).toBe('echo [redacted] / [redacted]');
  });
});

describe('call secrets (credentials calls bring): a bounded registry', () => {
  const callSecret = (i: number) => `teamkey${String(i).padStart(6, '0')}zq`;

  it('remembers the MAX_CALL_SECRETS most recently used ones; a use refreshes a secret', () => {
    registerSecret('configured-secret-0001');
    for (let i = 0; i < MAX_CALL_SECRETS; i++) registerCallSecret(callSecret(i));
    expect(registeredSecretCount()).toBe(MAX_CALL_SECRETS + 1);
    registerCallSecret(callSecret(0)); // used again: now the most recent
    registerCallSecret(callSecret(MAX_CALL_SECRETS)); // one more: the least recently used (1) goes
    expect(registeredSecretCount()).toBe(MAX_CALL_SECRETS + 1);
    expect(redactSecrets(`a ${callSecret(0)} b ${callSecret(1)} c ${callSecret(MAX_CALL_SECRETS)}`)).toBe(`a ${REDACTED} b ${callSecret(1)} c ${REDACTED}`);
    // The gateway's own secrets are never evicted.
    for (let i = 0; i < 2 * MAX_CALL_SECRETS; i++) registerCallSecret(callSecret(1000 + i));
    expect(registeredSecretCount()).toBe(MAX_CALL_SECRETS + 1);
    expect(redactSecrets('x configured-secret-0001 y')).toBe(`x ${REDACTED} y`);
  });

  it('a configured secret used by a call is not registered twice; short values are ignored', () => {
    registerSecret('configured-secret-0002');
    registerCallSecret('configured-secret-0002');
    registerCallSecret('short');
    registerCallSecret(undefined);
    expect(registeredSecretCount()).toBe(1);
    expect(isPermanentlyRedacted('configured-secret-0002')).toBe(true);
    expect(isPermanentlyRedacted('short')).toBe(true);
    expect(isPermanentlyRedacted(callSecret(7))).toBe(false);
    // Registering a call secret as the gateway's own later moves it to the permanent set.
    registerCallSecret(callSecret(7));
    registerSecret(callSecret(7));
    expect(registeredSecretCount()).toBe(2);
    expect(isPermanentlyRedacted(callSecret(7))).toBe(true);
  });
});
