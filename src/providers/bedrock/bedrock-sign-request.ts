import type { ProviderCredentials } from '../credentials.js';
import { NodeSha256 } from './node-sha256.js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Authorization of Bedrock Runtime requests, kept apart from translation.
 *
 * SigV4 facts (fixtures README, Bedrock 2): the signing name is `bedrock` (not bedrock-runtime), and
 * the canonical URI is the already-encoded path encoded once more, so a model id's `:` travels as
 * `%3A` on the wire and appears as `%253A` in the canonical request. SignatureV4 does that second
 * encoding itself (`uriEscapePath`, the default); callers pass the wire path. No
 * `x-amz-content-sha256` header is added (`applyChecksum: false`), matching botocore for this service.
 */

export const BEDROCK_SIGNING_NAME = 'bedrock';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type BedrockAuth =
  | { type: 'bearer'; apiKey: string }
  | { type: 'sigv4'; region: string; credentials: AwsCredentials };

/**
 * How to authorize with one set of credentials: a Bedrock API key or bearer token as
 * `Authorization: Bearer …`, AWS keys with SigV4 in the provider's region.
 */
export function bedrockAuthOf(region: string, credentials: Extract<ProviderCredentials, { kind: 'api-key' | 'bearer' | 'aws' }>): BedrockAuth {
  switch (credentials.kind) {
    case 'api-key':
      return { type: 'bearer', apiKey: credentials.apiKey };
    case 'bearer':
      return { type: 'bearer', apiKey: credentials.token };
    case 'aws': {
      const { accessKeyId, secretAccessKey, sessionToken } = credentials;
      return { type: 'sigv4', region, credentials: sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey } };
    }
  }
}

/** A request ready to go out, before authorization. `url` carries the wire-encoded path. */
export interface BedrockHttpRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The intermediate SigV4 values, for tests against reference vectors and for debugging. */
export interface SigningTrace {
  canonicalRequest: string;
  stringToSign: string;
}

export interface SignBedrockOptions {
  /** The clock; defaults to now. */
  signingDate?: Date;
  /** Receives the canonical request and string to sign of this signature. */
  onTrace?: (trace: SigningTrace) => void;
}

/** Authorizes one request: returns the complete header set to send. */
export type BedrockRequestAuthorizer = (request: BedrockHttpRequest, options?: SignBedrockOptions) => Promise<Record<string, string>>;

export function createBedrockRequestAuthorizer(auth: BedrockAuth): BedrockRequestAuthorizer {
  if (auth.type === 'bearer') {
    const authorization = `Bearer ${auth.apiKey}`;
    return async (request) => ({ ...request.headers, authorization });
  }
  const scope = { service: BEDROCK_SIGNING_NAME, region: auth.region, credentials: auth.credentials };
  const signer = createSigV4Signer(scope);
  return (request, options) => signHttpRequest(options?.onTrace ? createSigV4Signer(scope, options.onTrace) : signer, request, options?.signingDate);
}

export interface SigV4Scope {
  /** Signing name: `bedrock` for Bedrock Runtime. */
  service: string;
  region: string;
  credentials: AwsCredentials;
}

/**
 * The SignatureV4 configuration used for every signature: SHA-256 from node:crypto (see node-sha256.ts), the
 * path escaped once more for the canonical URI, no automatic x-amz-content-sha256 header.
 */
export function createSigV4Signer(scope: SigV4Scope, onTrace?: (trace: SigningTrace) => void): SignatureV4 {
  const init = {
    service: scope.service,
    region: scope.region,
    credentials: { ...scope.credentials },
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  };
  return onTrace ? new TracingSignatureV4(init, onTrace) : new SignatureV4(init);
}

/** Signs a request given by URL (host, path and query taken from it); returns every header to send. */
export async function signHttpRequest(
  signer: SignatureV4,
  request: { method: string; url: string; headers: Record<string, string>; body?: string },
  signingDate = new Date(),
): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = url.host;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const unsigned = new HttpRequest({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query,
    headers,
    body: request.body,
  });
  const signed = await signer.sign(unsigned, { signingDate });
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) out[name] = String(value);
  return out;
}

type CanonicalRequestArgs = Parameters<SignatureV4['createCanonicalRequest']>;
type StringToSignArgs = Parameters<SignatureV4['createStringToSign']>;

/** SignatureV4 that reports its canonical request and string to sign (protected extension points). */
class TracingSignatureV4 extends SignatureV4 {
  private canonicalRequest = '';

  constructor(
    init: ConstructorParameters<typeof SignatureV4>[0],
    private readonly onTrace: (trace: SigningTrace) => void,
  ) {
    super(init);
  }

  protected override createCanonicalRequest(...args: CanonicalRequestArgs): string {
    this.canonicalRequest = super.createCanonicalRequest(...args);
    return this.canonicalRequest;
  }

  protected override async createStringToSign(...args: StringToSignArgs): Promise<string> {
    const stringToSign = await super.createStringToSign(...args);
    this.onTrace({ canonicalRequest: this.canonicalRequest, stringToSign });
    return stringToSign;
  }
}
