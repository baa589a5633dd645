import { createHash } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { describe, expect, it } from 'vitest';
import {
  createBedrockRequestAuthorizer,
  createSigV4Signer,
  signHttpRequest,
  type SigningTrace,
} from '../../src/providers/bedrock/bedrock-sign-request.js';
import { bedrockBaseUrl, bedrockOperationUrl } from '../../src/providers/bedrock/bedrock-endpoint.js';
import { resolveBedrockAuth } from '../../src/providers/bedrock/resolve-bedrock-auth.js';
import { readFixtureJson } from '../helpers/fixtures.js';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface SuiteCase {
  name: string;
  request: {
    protocol: string;
    method: string;
    hostname: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    path: string;
    body?: string;
  };
  authorization: string;
}

interface Suite {
  region: string;
  service: string;
  credentials: Credentials;
  signingDate: string;
  requests: SuiteCase[];
}

interface ConverseVector {
  name: string;
  region: string;
  service: string;
  modelId: string;
  credentials: Credentials;
  request: { method: 'POST'; url: string; headers_before_signing: Record<string, string>; body: string };
  expected: {
    'x-amz-date': string;
    'x-amz-security-token': string | null;
    payloadHash: string;
    canonicalRequest: string;
    stringToSign: string;
    authorization: string;
    signature: string;
  };
}

const suite = readFixtureJson<Suite>('bedrock/sigv4/aws-sigv4-suite.json');
const converse = readFixtureJson<{ cases: ConverseVector[] }>('bedrock/sigv4/bedrock-converse-sigv4-vectors.botocore-generated.json');
const FIXED_CLOCK = new Date('2025-01-02T03:04:05Z');

describe('SigV4: AWS test suite through the signer configuration the adapter uses', () => {
  const signer = createSigV4Signer({ service: suite.service, region: suite.region, credentials: suite.credentials });

  it('covers every case of the suite', () => {
    expect(suite.requests.length).toBe(24);
  });

  for (const testCase of suite.requests) {
    it(`reproduces ${testCase.name}`, async () => {
      const signed = await signer.sign(new HttpRequest(testCase.request), { signingDate: new Date(suite.signingDate) });
      expect(signed.headers.authorization).toBe(testCase.authorization);
    });
  }
});

describe('SigV4: botocore Converse vectors through bedrock-sign-request', () => {
  for (const vector of converse.cases) {
    it(`reproduces ${vector.name} exactly`, async () => {
      const { credentials } = vector;
      const authorize = createBedrockRequestAuthorizer({ type: 'sigv4', region: vector.region, credentials });
      // The adapter builds the URL itself: the model id must come out as the vector's wire path.
      const operation = vector.request.url.endsWith('/converse-stream') ? 'converse-stream' : 'converse';
      const url = bedrockOperationUrl(bedrockBaseUrl({ region: vector.region }), vector.modelId, operation);
      expect(url).toBe(vector.request.url);

      const traces: SigningTrace[] = [];
      const headers = await authorize(
        { method: 'POST', url, headers: vector.request.headers_before_signing, body: vector.request.body },
        { signingDate: FIXED_CLOCK, onTrace: (trace) => traces.push(trace) },
      );
      expect(traces).toHaveLength(1);
      expect(traces[0].canonicalRequest).toBe(vector.expected.canonicalRequest);
      expect(traces[0].stringToSign).toBe(vector.expected.stringToSign);
      expect(traces[0].canonicalRequest).toContain('%253A');
      expect(headers.authorization).toBe(vector.expected.authorization);
      expect(headers['x-amz-date']).toBe(vector.expected['x-amz-date']);
      expect(headers['x-amz-security-token']).toBe(vector.expected['x-amz-security-token'] ?? undefined);
      expect(headers['x-amz-content-sha256']).toBeUndefined();
      expect(headers.host).toBe(new URL(url).host);
      expect(createHash('sha256').update(vector.request.body).digest('hex')).toBe(vector.expected.payloadHash);
    });

    it(`${vector.name}: the same signature without tracing, and a different one for another secret`, async () => {
      const request = { method: 'POST' as const, url: vector.request.url, headers: vector.request.headers_before_signing, body: vector.request.body };
      const plain = await createBedrockRequestAuthorizer({ type: 'sigv4', region: vector.region, credentials: vector.credentials })(request, {
        signingDate: FIXED_CLOCK,
      });
      expect(plain.authorization).toBe(vector.expected.authorization);
      const wrong = await createBedrockRequestAuthorizer({
        type: 'sigv4',
        region: vector.region,
        credentials: { ...vector.credentials, secretAccessKey: 'not-the-secret' },
      })(request, { signingDate: FIXED_CLOCK });
      expect(wrong.authorization).not.toBe(vector.expected.authorization);
    });
  }
});

describe('SigV4: openai-node bedrock-mantle vector (JSON body, session token, x-amz-content-sha256)', () => {
  const vector = readFixtureJson<{
    signingDate: string;
    region: string;
    service: string;
    credentials: Credentials;
    request: { method: string; url: string; body: string; contentType: string };
    expected: { date: string; payloadHash: string; canonicalRequestHash: string; authorization: string };
  }>('bedrock/sigv4/openai-node-bedrock-mantle-sigv4.json');

  it('reproduces the authorization and canonical request hash', async () => {
    const payloadHash = createHash('sha256').update(vector.request.body).digest('hex');
    expect(payloadHash).toBe(vector.expected.payloadHash);
    const traces: SigningTrace[] = [];
    const signer = createSigV4Signer({ service: vector.service, region: vector.region, credentials: vector.credentials }, (t) => traces.push(t));
    const headers = await signHttpRequest(
      signer,
      {
        method: vector.request.method,
        url: vector.request.url,
        headers: { 'content-type': vector.request.contentType, 'x-amz-content-sha256': payloadHash },
        body: vector.request.body,
      },
      new Date(vector.signingDate),
    );
    expect(headers.authorization).toBe(vector.expected.authorization);
    expect(headers['x-amz-date']).toBe(vector.expected.date);
    expect(headers['x-amz-security-token']).toBe(vector.credentials.sessionToken);
    expect(createHash('sha256').update(traces[0].canonicalRequest).digest('hex')).toBe(vector.expected.canonicalRequestHash);
  });
});

describe('Bedrock auth selection', () => {
  it('sends a Bedrock API key as a bearer token and signs nothing', async () => {
    const authorize = createBedrockRequestAuthorizer({ type: 'bearer', apiKey: 'bedrock-api-key-123' });
    const headers = await authorize({ method: 'POST', url: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse', headers: { accept: 'application/json' }, body: '{}' });
    expect(headers).toEqual({ accept: 'application/json', authorization: 'Bearer bedrock-api-key-123' });
  });

  it('prefers apiKey, then config keys, then the environment', () => {
    const base = { type: 'bedrock' as const, region: 'eu-west-1' };
    expect(resolveBedrockAuth('b', { ...base, apiKey: 'k', accessKeyId: 'A', secretAccessKey: 'S' }, {})).toEqual({ type: 'bearer', apiKey: 'k' });
    expect(resolveBedrockAuth('b', { ...base, accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' }, { AWS_BEARER_TOKEN_BEDROCK: 'env' })).toEqual({
      type: 'sigv4',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' },
    });
    expect(resolveBedrockAuth('b', base, { AWS_BEARER_TOKEN_BEDROCK: 'env-key' })).toEqual({ type: 'bearer', apiKey: 'env-key' });
    expect(resolveBedrockAuth('b', base, { AWS_ACCESS_KEY_ID: 'EA', AWS_SECRET_ACCESS_KEY: 'ES' })).toEqual({
      type: 'sigv4',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'EA', secretAccessKey: 'ES' },
    });
  });

  it('rejects missing or half credentials at start, naming the provider', () => {
    const base = { type: 'bedrock' as const, region: 'eu-west-1' };
    expect(() => resolveBedrockAuth('aws-main', base, {})).toThrow(/aws-main.*no credentials/);
    expect(() => resolveBedrockAuth('aws-main', { ...base, accessKeyId: 'A' }, {})).toThrow(/both accessKeyId and secretAccessKey/);
  });

  it('encodes ARNs and inference profiles as one path segment', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0';
    expect(bedrockOperationUrl('https://x', arn, 'converse')).toBe(
      'https://x/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse',
    );
    expect(bedrockBaseUrl({ region: 'ap-south-1' })).toBe('https://bedrock-runtime.ap-south-1.amazonaws.com');
    expect(bedrockBaseUrl({ region: 'ap-south-1', baseUrl: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9');
  });
});
