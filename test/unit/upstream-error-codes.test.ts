import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errors as undiciErrors } from 'undici';
import { describe, expect, it } from 'vitest';
import { badUpstreamResponse as anthropicBadResponse, mapAnthropicHttpError, mapAnthropicStreamError } from '../../src/providers/anthropic/anthropic-errors.js';
import {
  bedrockHttpError,
  bedrockInvalidResponse,
  bedrockStreamErrorFrame,
  bedrockStreamException,
  bedrockStreamInvalid,
  bedrockStreamTruncated,
} from '../../src/providers/bedrock/bedrock-errors.js';
import { badUpstreamResponse as openAIBadResponse, mapOpenAIErrorObject, mapOpenAIHttpError, streamTruncated } from '../../src/providers/openai/openai-errors.js';
import { mapBodyReadError, mapNetworkError } from '../../src/providers/shared/upstream-http.js';
import { simulatedInvalidRequest, simulatedMidstreamError, simulatedStatusError } from '../../src/providers/simulated/simulated-errors.js';
import { isUpstreamErrorCode, UPSTREAM_ERROR_CODES, upstreamErrorCode, type ErrorKind, type GatewayError } from '../../src/spec/errors.js';

/**
 * One vocabulary of upstream error codes (src/spec/errors.ts UPSTREAM_ERROR_CODES): every adapter's
 * mapper, over a matrix of statuses, bodies and in-stream errors, produces only codes from it, and the
 * same kind gets the same code whichever provider failed.
 */

const STATUSES = [400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529];
const OPENAI_TYPES = [undefined, 'invalid_request_error', 'insufficient_quota', 'rate_limit_exceeded', 'server_error', 'requests', 'tokens', 'model_not_found', 'overloaded'];
const ANTHROPIC_TYPES = [
  undefined,
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'billing_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'timeout_error',
  'overloaded_error',
  'something_new_error',
];
const BEDROCK_TYPES = [
  undefined,
  'ValidationException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'ResourceNotFoundException',
  'ModelTimeoutException',
  'ModelErrorException',
  'ModelStreamErrorException',
  'ThrottlingException',
  'ModelNotReadyException',
  'ServiceQuotaExceededException',
  'InternalServerException',
  'ServiceUnavailableException',
  'SomethingNewException',
  'toString',
];

const KINDS: ErrorKind[] = ['invalid_request', 'authentication', 'permission', 'not_found', 'request_too_large', 'rate_limit', 'quota_exceeded', 'timeout', 'overloaded', 'upstream_error', 'internal'];

interface Produced {
  source: string;
  error: GatewayError;
}

function openAIErrors(): Produced[] {
  const out: Produced[] = [];
  for (const status of STATUSES) {
    for (const type of OPENAI_TYPES) {
      const body = JSON.stringify({ error: { message: 'Invalid model', type, code: type } });
      out.push({ source: `openai http ${status} ${type}`, error: mapOpenAIHttpError(status, {}, body, 'openai') });
    }
    out.push({ source: `openai http ${status} html`, error: mapOpenAIHttpError(status, {}, '<html>Bad Gateway</html>', 'openai') });
  }
  for (const type of OPENAI_TYPES) out.push({ source: `openai stream ${type}`, error: mapOpenAIErrorObject({ message: 'x', type }, { provider: 'openai' }) });
  out.push({ source: 'openai bad response', error: openAIBadResponse('openai', 'no choices') });
  out.push({ source: 'openai truncated', error: streamTruncated('openai') });
  return out;
}

function anthropicErrors(): Produced[] {
  const out: Produced[] = [];
  for (const status of STATUSES) {
    for (const type of ANTHROPIC_TYPES) {
      const bodyText = type ? JSON.stringify({ type: 'error', error: { type, message: 'Invalid model' } }) : 'upstream connect error';
      out.push({ source: `anthropic http ${status} ${type}`, error: mapAnthropicHttpError({ provider: 'anthropic', status, headers: {}, bodyText }) });
    }
  }
  for (const type of ANTHROPIC_TYPES) {
    out.push({ source: `anthropic stream ${type}`, error: mapAnthropicStreamError({ type: 'error', error: { type, message: 'x' } }, 'anthropic') });
  }
  out.push({ source: 'anthropic bad response', error: anthropicBadResponse('anthropic', 'not JSON') });
  return out;
}

function bedrockErrors(): Produced[] {
  const out: Produced[] = [];
  for (const status of STATUSES) {
    for (const type of BEDROCK_TYPES) {
      const headers = type ? { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` } : {};
      out.push({ source: `bedrock http ${status} ${type}`, error: bedrockHttpError({ status, headers }, JSON.stringify({ message: 'Invalid model' }), 'aws') });
    }
  }
  for (const type of BEDROCK_TYPES) {
    if (!type) continue;
    const camel = type.charAt(0).toLowerCase() + type.slice(1);
    out.push({ source: `bedrock stream exception ${camel}`, error: bedrockStreamException(camel, { message: 'x' }, 'aws', 'req') });
    out.push({ source: `bedrock error frame ${type}`, error: bedrockStreamErrorFrame(type, 'x', 'aws', 'req') });
  }
  out.push({ source: 'bedrock truncated', error: bedrockStreamTruncated('aws', 'req') });
  out.push({ source: 'bedrock invalid stream', error: bedrockStreamInvalid(new Error('bad crc'), 'aws', 'req') });
  out.push({ source: 'bedrock invalid response', error: bedrockInvalidResponse('not JSON', 'aws', 'req') });
  return out;
}

function simulatedErrors(): Produced[] {
  const out: Produced[] = STATUSES.map((status) => ({ source: `simulated ${status}`, error: simulatedStatusError(status, 'sim', 'req') }));
  out.push({ source: 'simulated midstream', error: simulatedMidstreamError('sim', 'req') });
  out.push({ source: 'simulated invalid', error: simulatedInvalidRequest('no images', 'messages', 'sim', 'req') });
  return out;
}

function transportErrors(): Produced[] {
  const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
  return [
    { source: 'connect timeout', error: mapNetworkError(new undiciErrors.ConnectTimeoutError(), 'p') },
    { source: 'first byte timeout', error: mapNetworkError(new undiciErrors.HeadersTimeoutError(), 'p') },
    { source: 'idle timeout', error: mapNetworkError(new undiciErrors.BodyTimeoutError(), 'p') },
    { source: 'total timeout', error: mapBodyReadError(abort, 'p', new AbortController().signal) },
    { source: 'refused', error: mapNetworkError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'p') },
    { source: 'socket', error: mapNetworkError(new undiciErrors.SocketError('other side closed'), 'p') },
  ];
}

describe('upstream error codes: one vocabulary', () => {
  const all = [...openAIErrors(), ...anthropicErrors(), ...bedrockErrors(), ...simulatedErrors(), ...transportErrors()];

  it('every code an adapter produces is in UPSTREAM_ERROR_CODES', () => {
    const outside = all.filter(({ error }) => !isUpstreamErrorCode(error.code)).map(({ source, error }) => `${source}: ${error.code}`);
    expect(outside).toEqual([]);
  });

  it('the code follows the kind, the same for every provider', () => {
    // A kind's code only on that kind; the specific transport and stream codes may carry any kind.
    const kindCodes = new Set<string>(KINDS.map(upstreamErrorCode));
    const mismatched = all
      .filter(({ error }) => kindCodes.has(error.code) && error.code !== upstreamErrorCode(error.kind))
      .map(({ source, error }) => `${source}: ${error.code} on kind ${error.kind}`);
    expect(mismatched).toEqual([]);
    expect(kindCodes.has(UPSTREAM_ERROR_CODES.ERROR)).toBe(true);
  });

  it('the same failure gets the same code whichever provider reports it', () => {
    const code = (source: string) => all.find((p) => p.source === source)?.error.code;
    expect(code('openai http 429 undefined')).toBe('SWY_ERR_UPSTREAM_RATE_LIMIT');
    expect(code('anthropic http 429 rate_limit_error')).toBe('SWY_ERR_UPSTREAM_RATE_LIMIT');
    expect(code('bedrock http 429 ThrottlingException')).toBe('SWY_ERR_UPSTREAM_RATE_LIMIT');
    expect(code('simulated 429')).toBe('SWY_ERR_UPSTREAM_RATE_LIMIT');
    for (const source of ['openai http 500 undefined', 'anthropic http 500 api_error', 'bedrock http 500 InternalServerException', 'simulated 500']) {
      expect(code(source)).toBe('SWY_ERR_UPSTREAM_ERROR');
    }
    expect(code('bedrock stream exception modelStreamErrorException')).toBe('SWY_ERR_UPSTREAM_ERROR');
    expect(code('bedrock http 400 ValidationException')).toBe('SWY_ERR_UPSTREAM_INVALID_REQUEST');
    expect(code('bedrock http 503 ServiceUnavailableException')).toBe('SWY_ERR_UPSTREAM_OVERLOADED');
    expect(code('anthropic http 529 overloaded_error')).toBe('SWY_ERR_UPSTREAM_OVERLOADED');
  });

  it('upstreamErrorCode covers every kind', () => {
    for (const kind of KINDS) expect(isUpstreamErrorCode(upstreamErrorCode(kind))).toBe(true);
  });

  it('no provider source spells an upstream code outside the vocabulary (or builds one from a kind)', () => {
    const root = join(import.meta.dirname, '../../src/providers');
    const offenders: string[] = [];
    for (const file of listFiles(root)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/SWY_ERR_UPSTREAM[A-Z0-9_]*/g)) {
        if (!isUpstreamErrorCode(match[0])) offenders.push(`${relative(root, file)}: ${match[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}
