import { createBedrockProvider } from '../../src/providers/bedrock/bedrock-provider.js';
import { startBedrockMock } from '../mock-upstreams/bedrock-mock.js';
import { runProviderConformance, type ConformanceErrorCase } from './provider-conformance.js';

/**
 * The `bedrock` adapter against the mock Converse / ConverseStream API (test/mock-upstreams/bedrock-mock.ts),
 * signing every request with SigV4 that the mock verifies. The (URL-encoded) model id picks the
 * behaviour: `error:<ExceptionName>`, `stream-exception:<camelCaseType>`, `stream-error-frame`,
 * `truncated`, `slow-headers`, or a deterministic echo (a signed reasoning block when `thinking` is
 * sent, which the adapter does for Anthropic model ids).
 */
const CREDENTIALS = { accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'conformance-secret-key' };
const REGION = 'us-east-1';

const errorCases: ConformanceErrorCase[] = [
  { name: 'ThrottlingException (429)', upstreamModel: 'error:ThrottlingException', expected: { kind: 'rate_limit', status: 429, retryable: true } },
  { name: 'ModelNotReadyException (429)', upstreamModel: 'error:ModelNotReadyException', expected: { kind: 'rate_limit', status: 429, retryable: true } },
  { name: 'ServiceQuotaExceededException (400)', upstreamModel: 'error:ServiceQuotaExceededException', expected: { kind: 'quota_exceeded', status: 429, retryable: false } },
  { name: 'ValidationException (400)', upstreamModel: 'error:ValidationException', expected: { kind: 'invalid_request', status: 400, retryable: false } },
  { name: 'ModelTimeoutException (408)', upstreamModel: 'error:ModelTimeoutException', expected: { kind: 'timeout', status: 504, retryable: true } },
  { name: 'ModelErrorException (424)', upstreamModel: 'error:ModelErrorException', expected: { kind: 'upstream_error', status: 502, retryable: false } },
  { name: 'InternalServerException (500)', upstreamModel: 'error:InternalServerException', expected: { kind: 'upstream_error', status: 502, retryable: true } },
  { name: 'ServiceUnavailableException (503)', upstreamModel: 'error:ServiceUnavailableException', expected: { kind: 'overloaded', status: 529, retryable: true } },
  // Upstream credential and routing failures are the operator's problem: the client sees 502.
  { name: 'AccessDeniedException (403)', upstreamModel: 'error:AccessDeniedException', expected: { kind: 'permission', status: 502, retryable: false } },
  { name: 'ResourceNotFoundException (404)', upstreamModel: 'error:ResourceNotFoundException', expected: { kind: 'not_found', status: 502, retryable: false } },
];

runProviderConformance({
  name: 'bedrock (mock upstream, SigV4)',
  createAdapter: async () => {
    // slow-headers holds the response back 1 s: long enough that an abort always lands in flight.
    const upstream = await startBedrockMock({ credentials: CREDENTIALS, region: REGION, slowMs: 1000 });
    const adapter = createBedrockProvider('bedrock', { type: 'bedrock', region: REGION, baseUrl: upstream.url, ...CREDENTIALS }, { env: {} });
    return {
      adapter,
      // An inference profile with a `:` in it, so every call also checks path encoding under SigV4.
      upstreamModel: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
      close: async () => {
        await adapter.close?.();
        await upstream.close();
      },
    };
  },
  // jsonResponseFormat: false — Converse has no JSON mode; the adapter returns an unsupported-setting
  // warning for json_object / json_schema and the model answers in free text.
  capabilities: { tools: true, parallelToolCalls: true, images: true, reasoning: true, usageInStream: true, jsonResponseFormat: false },
  errorCases,
  // Exception frames after the first delta (camelCase :exception-type), an unmodeled error frame, and a
  // stream cut off before messageStop.
  midstreamError: [
    { name: 'throttlingException frame', upstreamModel: 'stream-exception:throttlingException', expected: { kind: 'rate_limit', status: 429, retryable: true } },
    { name: 'serviceUnavailableException frame', upstreamModel: 'stream-exception:serviceUnavailableException', expected: { kind: 'overloaded', status: 529, retryable: true } },
    { name: 'internalServerException frame', upstreamModel: 'stream-exception:internalServerException', expected: { kind: 'upstream_error', status: 502, retryable: true } },
    { name: 'validationException frame', upstreamModel: 'stream-exception:validationException', expected: { kind: 'invalid_request', status: 400, retryable: false } },
    { name: 'modelStreamErrorException frame', upstreamModel: 'stream-exception:modelStreamErrorException', expected: { kind: 'upstream_error', status: 502 } },
    { name: ':message-type error frame', upstreamModel: 'stream-error-frame', expected: { kind: 'upstream_error', status: 502 } },
    {
      name: 'connection closed before messageStop',
      upstreamModel: 'truncated',
      expected: { kind: 'upstream_error', retryable: true, code: 'SWY_ERR_UPSTREAM_STREAM_TRUNCATED' },
    },
  ],
  // The mock's slow-body slows only ConverseStream; slow-headers delays both operations.
  slowRequest: { upstreamModel: 'slow-headers' },
});
