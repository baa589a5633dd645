/**
 * The provider conformance suite: one set of behavioural tests every ProviderAdapter runs
 * (tensorzero-style), so that all adapters speak the same canonical language.
 *
 * Register it from a `*.conformance.test.ts` file:
 *
 *   runProviderConformance({
 *     name: 'openai (mock upstream)',
 *     createAdapter: async () => {
 *       const upstream = await startOpenAIMock();               // your mock upstream
 *       const adapter = createOpenAIProvider('openai', { ...config, baseUrl: upstream.url });
 *       return { adapter, upstreamModel: 'gpt-4o-mini', close: async () => { await adapter.close?.(); await upstream.close(); } };
 *     },
 *     capabilities: { tools: true, parallelToolCalls: true, images: true, reasoning: false, usageInStream: true },
 *     errorCases: [{ name: 'rate limited', upstreamModel: 'mock-error-429', expected: { kind: 'rate_limit', retryable: true } }],
 *   });
 *
 * Options (all but `name`, `createAdapter`, `capabilities` and `errorCases` are optional):
 * - `createAdapter()` is called once per suite (beforeAll); `close()` once at the end (afterAll).
 *   `upstreamModel` is what every call passes as `context.upstreamModel`.
 * - `capabilities` says which tests apply and how strict they are:
 *     tools               single tool call, forced tool choice, tool-result round trip
 *     parallelToolCalls   two tools called in one turn
 *     images              a base64 (data URL) image is accepted; when false the call must be rejected
 *                         with invalid_request or answered with a `dropped-content` warning
 *     reasoning           a reasoning request (budgetTokens 1024) yields reasoning (block or reasoningTokens)
 *     usageInStream       the finish part's usage has real counts (input > 0, output > 0)
 *     jsonResponseFormat  json_object / json_schema answers are valid JSON / valid against the schema (default false)
 *     streamMatchesNonStream  the same request answers with the same text and usage streamed or not
 *                         (default true; set false for mocks replaying unrelated recordings)
 * - `upstreamModelFor`: a different upstream model per scenario (mock upstreams that pick a recording by
 *   model name). Scenarios: text, max-tokens, tool, forced-tool, parallel-tools, tool-result, image,
 *   reasoning, json, abort.
 * - `errorCases`: requests the upstream fails; each names the upstream model and/or text appended to the
 *   user message that provokes the failure, and the GatewayError fields expected (kind, and optionally
 *   status, retryable, retryAfterMs, code). chat() must reject with it; chatStream() must reject with it
 *   or stream an `error` part carrying it (and no finish).
 * - `midstreamError`: a request whose stream starts (at least one delta) and then fails with an error part;
 *   or several such requests (e.g. an in-stream error event, an exception frame, a stream cut off before
 *   its finish), each its own test.
 * - `slowRequest`: a request the upstream answers slowly (seconds, streamed in paced deltas). With it the
 *   suite also aborts a call in flight and a stream after its first delta; without it only a signal that
 *   is already aborted is tested.
 * - `modelTraits` / `timeouts`: override the CallContext defaults (traits derive from capabilities).
 *
 * Abort errors are accepted as GatewayError SWY_ERR_CLIENT_CLOSED or an Error named AbortError.
 */
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext, CallTimeouts, ModelTraits, ProviderAdapter } from '../../src/providers/provider.js';
import { GatewayError, type ErrorKind } from '../../src/spec/errors.js';
import type { ChatRequest, ChatResult, ChatStreamPart, Message, ToolDefinition, Usage } from '../../src/spec/index.js';
import { testCallContext } from './call-context.js';
import { assertStreamGrammar, collectStream, type CollectedStream, type ReassembledStream } from '../helpers/stream-invariants.js';

export interface ConformanceTarget {
  adapter: ProviderAdapter;
  upstreamModel: string;
  close(): Promise<void>;
}

export interface ConformanceCapabilities {
  tools: boolean;
  parallelToolCalls: boolean;
  images: boolean;
  reasoning: boolean;
  usageInStream: boolean;
  jsonResponseFormat?: boolean;
  streamMatchesNonStream?: boolean;
}

export type ConformanceScenario =
  | 'text'
  | 'max-tokens'
  | 'tool'
  | 'forced-tool'
  | 'parallel-tools'
  | 'tool-result'
  | 'image'
  | 'reasoning'
  | 'json'
  | 'abort';

/** How to steer one request: another upstream model, and/or text appended to the last user message. */
export interface ConformanceRequestVariant {
  upstreamModel?: string;
  userText?: string;
}

export interface ExpectedError {
  kind: ErrorKind;
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
  code?: string;
}

export interface ConformanceErrorCase extends ConformanceRequestVariant {
  name: string;
  expected: ExpectedError;
}

export interface ProviderConformanceOptions {
  name: string;
  createAdapter: () => Promise<ConformanceTarget>;
  capabilities: ConformanceCapabilities;
  errorCases: ConformanceErrorCase[];
  midstreamError?: ConformanceErrorCase | ConformanceErrorCase[];
  slowRequest?: ConformanceRequestVariant;
  upstreamModelFor?: Partial<Record<ConformanceScenario, string>>;
  modelTraits?: Partial<ModelTraits>;
  timeouts?: Partial<CallTimeouts>;
}

export const WEATHER_TOOL: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  inputSchema: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'City name, e.g. Paris' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['location'],
    additionalProperties: false,
  },
};

export const TIME_TOOL: ToolDefinition = {
  name: 'get_time',
  description: 'Current local time in an IANA time zone.',
  inputSchema: {
    type: 'object',
    properties: { timezone: { type: 'string', description: 'IANA zone, e.g. Europe/Paris' } },
    required: ['timezone'],
    additionalProperties: false,
  },
};

/** What the tool returns in the round-trip test; the answer must mention "22". */
export const TOOL_RESULT_TEXT = 'Paris: sunny, 22 degrees Celsius';

/** A 1×1 PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export function runProviderConformance(options: ProviderConformanceOptions): void {
  const caps = options.capabilities;
  const sameAnswer = caps.streamMatchesNonStream ?? true;
  const ajv = new Ajv({ strict: false, allErrors: true });

  describe(`provider conformance: ${options.name}`, () => {
    let target: ConformanceTarget | undefined;

    beforeAll(async () => {
      target = await options.createAdapter();
    });
    afterAll(async () => {
      await target?.close();
    });

    function adapter(): ProviderAdapter {
      if (!target) throw new Error('createAdapter() did not complete');
      return target.adapter;
    }

    function context(scenario: ConformanceScenario | undefined, signal: AbortSignal = new AbortController().signal, variant?: ConformanceRequestVariant): CallContext {
      if (!target) throw new Error('createAdapter() did not complete');
      const upstreamModel = variant?.upstreamModel ?? (scenario ? options.upstreamModelFor?.[scenario] : undefined) ?? target.upstreamModel;
      return testCallContext(upstreamModel, {
        signal,
        timeouts: options.timeouts,
        model: {
          reasoning: caps.reasoning,
          tools: caps.tools,
          images: caps.images,
          json: caps.jsonResponseFormat ?? true,
          remoteImages: false,
          ...options.modelTraits,
        },
      });
    }

    async function streamOf(request: ChatRequest, ctx: CallContext): Promise<{ reassembled: ReassembledStream; warnings: unknown[] }> {
      const { stream, warnings } = await adapter().chatStream({ ...request, stream: true }, ctx);
      const collected = await collectStream(stream);
      if (collected.thrown !== undefined) throw collected.thrown;
      return { reassembled: assertStreamGrammar(collected.parts), warnings };
    }

    describe('plain text', () => {
      it('chat() answers with text, finish stop and inclusive usage', async () => {
        const result = await adapter().chat(textRequest(), context('text'));
        expect(typeof result.id).toBe('string');
        expect(result.id).not.toBe('');
        expect(typeof result.model).toBe('string');
        expect(result.finishReason).toBe('stop');
        expect(textOf(result).trim()).not.toBe('');
        expect(Array.isArray(result.warnings)).toBe(true);
        expectInclusiveUsage(result.usage, true);
      });

      it('chatStream() follows the part grammar and agrees with chat()', async () => {
        const nonStream = await adapter().chat(textRequest(), context('text'));
        const { reassembled } = await streamOf(textRequest(), context('text'));
        expect(reassembled.error).toBeUndefined();
        expect(reassembled.finishReason).toBe('stop');
        expect(reassembled.text.trim()).not.toBe('');
        expect(reassembled.content.every((part) => part.type === 'text' || part.type === 'reasoning')).toBe(true);
        expectInclusiveUsage(reassembled.usage, caps.usageInStream);
        if (sameAnswer) {
          expect(reassembled.text).toBe(textOf(nonStream));
          if (caps.usageInStream) expect(reassembled.usage).toEqual(nonStream.usage);
        }
      });
    });

    describe('maxTokens', () => {
      const maxTokens = 16;
      const request = (): ChatRequest =>
        baseRequest([user('Write a detailed, multi-paragraph essay on the history of bridges, with examples from every continent.')], { maxTokens });

      it('chat() stops at maxTokens with finish length, or warns that it could not', async () => {
        const result = await adapter().chat(request(), context('max-tokens'));
        expectMaxTokensHonouredOrWarned(result.finishReason, result.usage, result.warnings, maxTokens);
      });

      it('chatStream() stops at maxTokens with finish length, or warns that it could not', async () => {
        const { reassembled, warnings } = await streamOf(request(), context('max-tokens'));
        expect(reassembled.usage).toBeDefined();
        expectMaxTokensHonouredOrWarned(reassembled.finishReason, reassembled.usage as Usage, warnings, maxTokens, caps.usageInStream);
      });
    });

    if (caps.tools) {
      describe('tools', () => {
        const singleToolRequest = (): ChatRequest =>
          baseRequest([user('What is the weather in Paris right now? Use get_weather.')], { tools: [WEATHER_TOOL], toolChoice: { type: 'auto' } });
        const forcedToolRequest = (): ChatRequest =>
          baseRequest([user('What time is it in Paris?')], { tools: [WEATHER_TOOL, TIME_TOOL], toolChoice: { type: 'tool', name: 'get_time' } });

        it('chat() calls a tool with arguments that validate against its schema', async () => {
          const result = await adapter().chat(singleToolRequest(), context('tool'));
          expect(result.finishReason).toBe('tool-calls');
          const calls = toolCallsOf(result.content);
          expect(calls.length).toBeGreaterThanOrEqual(1);
          for (const call of calls) expectValidArguments(call, [WEATHER_TOOL]);
          expectInclusiveUsage(result.usage, true);
        });

        it('chatStream() streams the tool call in one block per call with valid arguments', async () => {
          const { reassembled } = await streamOf(singleToolRequest(), context('tool'));
          expect(reassembled.finishReason).toBe('tool-calls');
          const calls = toolCallsOf(reassembled.content);
          expect(calls.length).toBeGreaterThanOrEqual(1);
          for (const call of calls) expectValidArguments(call, [WEATHER_TOOL]);
        });

        // OpenAI reports finish "stop" when a specific function is forced; other upstreams report tool use.
        it('chat() honours a forced tool choice', async () => {
          const result = await adapter().chat(forcedToolRequest(), context('forced-tool'));
          expect(['tool-calls', 'stop']).toContain(result.finishReason);
          const calls = toolCallsOf(result.content);
          expect(calls.length).toBeGreaterThanOrEqual(1);
          for (const call of calls) {
            expect(call.name).toBe('get_time');
            expectValidArguments(call, [TIME_TOOL]);
          }
        });

        it('chatStream() honours a forced tool choice', async () => {
          const { reassembled } = await streamOf(forcedToolRequest(), context('forced-tool'));
          expect(['tool-calls', 'stop']).toContain(reassembled.finishReason);
          const calls = toolCallsOf(reassembled.content);
          expect(calls.length).toBeGreaterThanOrEqual(1);
          for (const call of calls) expect(call.name).toBe('get_time');
        });

        const roundTripRequest = (): ChatRequest =>
          baseRequest(
            [
              user('What is the weather in Paris? Use get_weather.'),
              { role: 'assistant', content: [{ type: 'tool-call', id: 'call_conformance_1', name: 'get_weather', argumentsJson: '{"location":"Paris","unit":"celsius"}' }] },
              { role: 'user', content: [{ type: 'tool-result', toolCallId: 'call_conformance_1', content: [{ type: 'text', text: TOOL_RESULT_TEXT }] }] },
            ],
            { tools: [WEATHER_TOOL] },
          );

        it('chat() answers from a tool result (multi-turn round trip)', async () => {
          const result = await adapter().chat(roundTripRequest(), context('tool-result'));
          expect(result.finishReason).toBe('stop');
          expect(toolCallsOf(result.content)).toHaveLength(0);
          expect(textOf(result)).toContain('22');
        });

        it('chatStream() answers from a tool result (multi-turn round trip)', async () => {
          const { reassembled } = await streamOf(roundTripRequest(), context('tool-result'));
          expect(reassembled.finishReason).toBe('stop');
          expect(reassembled.text).toContain('22');
        });

        if (caps.parallelToolCalls) {
          const parallelRequest = (): ChatRequest =>
            baseRequest([user('Call get_weather for Paris and get_time for Europe/Paris, both at once.')], {
              tools: [WEATHER_TOOL, TIME_TOOL],
              parallelToolCalls: true,
            });

          it('chat() calls two tools in parallel, each with valid arguments and its own id', async () => {
            const result = await adapter().chat(parallelRequest(), context('parallel-tools'));
            expect(result.finishReason).toBe('tool-calls');
            const calls = toolCallsOf(result.content);
            expect(new Set(calls.map((call) => call.name))).toEqual(new Set(['get_weather', 'get_time']));
            expect(new Set(calls.map((call) => call.id)).size).toBe(calls.length);
            for (const call of calls) expectValidArguments(call, [WEATHER_TOOL, TIME_TOOL]);
          });

          it('chatStream() streams parallel tool calls as consecutive blocks', async () => {
            const { reassembled } = await streamOf(parallelRequest(), context('parallel-tools'));
            expect(reassembled.finishReason).toBe('tool-calls');
            const calls = toolCallsOf(reassembled.content);
            expect(new Set(calls.map((call) => call.name))).toEqual(new Set(['get_weather', 'get_time']));
            for (const call of calls) expectValidArguments(call, [WEATHER_TOOL, TIME_TOOL]);
          });
        }
      });
    }

    describe('images', () => {
      const imageRequest = (): ChatRequest =>
        baseRequest([
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this image? Answer in one sentence.' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG_BASE64 } },
            ],
          },
        ]);

      if (caps.images) {
        it('chat() accepts a base64 (data URL) image', async () => {
          const result = await adapter().chat(imageRequest(), context('image'));
          expect(result.finishReason).toBe('stop');
          expect(textOf(result).trim()).not.toBe('');
          expect(result.warnings.some((warning) => warning.type === 'dropped-content')).toBe(false);
        });

        it('chatStream() accepts a base64 (data URL) image', async () => {
          const { reassembled } = await streamOf(imageRequest(), context('image'));
          expect(reassembled.finishReason).toBe('stop');
          expect(reassembled.text.trim()).not.toBe('');
        });
      } else {
        it('an image for a model without image input is rejected (invalid_request) or dropped with a warning', async () => {
          let outcome: ChatResult | undefined;
          try {
            outcome = await adapter().chat(imageRequest(), context('image'));
          } catch (error) {
            expect(GatewayError.is(error)).toBe(true);
            expect((error as GatewayError).kind).toBe('invalid_request');
            expect((error as GatewayError).status).toBe(400);
            return;
          }
          expect(outcome.warnings.some((warning) => warning.type === 'dropped-content')).toBe(true);
        });
      }
    });

    if (caps.reasoning) {
      describe('reasoning', () => {
        const reasoningRequest = (): ChatRequest =>
          baseRequest([user('How many prime numbers are there below 30? Think it through.')], { maxTokens: 4096, reasoning: { budgetTokens: 1024 } });

        it('chat() reasons before answering and counts reasoning inside output tokens', async () => {
          const result = await adapter().chat(reasoningRequest(), context('reasoning'));
          const reasoningIndex = result.content.findIndex((part) => part.type === 'reasoning' || part.type === 'redacted-reasoning');
          expect(reasoningIndex !== -1 || (result.usage.reasoningTokens ?? 0) > 0).toBe(true);
          if (reasoningIndex !== -1) {
            const firstText = result.content.findIndex((part) => part.type === 'text');
            if (firstText !== -1) expect(reasoningIndex).toBeLessThan(firstText);
          }
          expectInclusiveUsage(result.usage, true);
          expect(textOf(result).trim()).not.toBe('');
        });

        it('chatStream() streams the reasoning block before the text', async () => {
          const nonStream = await adapter().chat(reasoningRequest(), context('reasoning'));
          const { reassembled } = await streamOf(reasoningRequest(), context('reasoning'));
          expect(reassembled.finishReason).toBe('stop');
          const kinds = reassembled.content.map((part) => part.type);
          if (kinds.includes('reasoning')) expect(kinds.indexOf('reasoning')).toBeLessThan(kinds.indexOf('text'));
          if (sameAnswer) expect(reassembled.content).toEqual(nonStream.content);
        });
      });
    }

    if (caps.jsonResponseFormat) {
      describe('response format', () => {
        const schema = {
          type: 'object',
          properties: { city: { type: 'string' }, population: { type: 'integer', minimum: 0 } },
          required: ['city', 'population'],
          additionalProperties: false,
        };

        it('json_object answers are valid JSON objects', async () => {
          const result = await adapter().chat(
            baseRequest([user('Give me a JSON object describing Paris.')], { responseFormat: { type: 'json_object' } }),
            context('json'),
          );
          const value: unknown = JSON.parse(textOf(result));
          expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
        });

        it('json_schema answers validate against the schema', async () => {
          const result = await adapter().chat(
            baseRequest([user('Describe Paris as JSON.')], { responseFormat: { type: 'json_schema', name: 'city', schema, strict: true } }),
            context('json'),
          );
          const validate = ajv.compile(schema);
          expect(validate(JSON.parse(textOf(result))), JSON.stringify(validate.errors)).toBe(true);
        });
      });
    }

    describe('abort', () => {
      it('chat() with an already aborted signal rejects with an abort error', async () => {
        const controller = new AbortController();
        controller.abort();
        const outcome = await adapter().chat(textRequest(), context('abort', controller.signal)).then(
          () => 'resolved',
          (error: unknown) => error,
        );
        expectAbortError(outcome);
      });

      it('chatStream() with an already aborted signal rejects or ends with an abort error', async () => {
        const controller = new AbortController();
        controller.abort();
        let stream;
        try {
          stream = (await adapter().chatStream({ ...textRequest(), stream: true }, context('abort', controller.signal))).stream;
        } catch (error) {
          expectAbortError(error);
          return;
        }
        expectStreamAborted(await collectStream(stream));
      });

      if (options.slowRequest) {
        const slow = options.slowRequest;
        it('chat() rejects with an abort error when the signal aborts in flight', async () => {
          const controller = new AbortController();
          const pending = adapter().chat(textRequest(slow.userText), context('abort', controller.signal, slow));
          setTimeout(() => controller.abort(), 50);
          expectAbortError(await pending.then(() => 'resolved', (error: unknown) => error));
        });

        it('chatStream() ends with an abort error when the signal aborts after the first delta', async () => {
          const controller = new AbortController();
          const { stream } = await adapter().chatStream({ ...textRequest(slow.userText), stream: true }, context('abort', controller.signal, slow));
          const parts: ChatStreamPart[] = [];
          let thrown: unknown;
          try {
            for await (const part of stream) {
              parts.push(part);
              if (part.type.endsWith('-delta') && !controller.signal.aborted) controller.abort();
            }
          } catch (error) {
            thrown = error;
          }
          expect(controller.signal.aborted).toBe(true);
          expectStreamAborted({ parts, thrown });
        });
      }
    });

    describe('typed errors', () => {
      for (const errorCase of options.errorCases) {
        it(`chat() rejects with a GatewayError: ${errorCase.name}`, async () => {
          const outcome = await adapter()
            .chat(textRequest(errorCase.userText), context(undefined, undefined, errorCase))
            .then(() => 'resolved', (error: unknown) => error);
          expectGatewayError(outcome, errorCase.expected);
        });

        it(`chatStream() rejects or streams an error part: ${errorCase.name}`, async () => {
          let stream;
          try {
            stream = (await adapter().chatStream({ ...textRequest(errorCase.userText), stream: true }, context(undefined, undefined, errorCase))).stream;
          } catch (error) {
            expectGatewayError(error, errorCase.expected);
            return;
          }
          const collected = await collectStream(stream);
          if (collected.thrown !== undefined) throw collected.thrown;
          const reassembled = assertStreamGrammar(collected.parts);
          expect(reassembled.finishReason).toBeUndefined();
          expectGatewayError(reassembled.error, errorCase.expected);
        });
      }

      const midstreamCases = options.midstreamError === undefined ? [] : [options.midstreamError].flat();
      for (const midstream of midstreamCases) {
        it(`chatStream() streams deltas, then an error part: ${midstream.name}`, async () => {
          const { stream } = await adapter().chatStream({ ...textRequest(midstream.userText), stream: true }, context(undefined, undefined, midstream));
          const collected = await collectStream(stream);
          expect(collected.thrown).toBeUndefined();
          const reassembled = assertStreamGrammar(collected.parts);
          expect(reassembled.deltaCount).toBeGreaterThan(0);
          expect(reassembled.finishReason).toBeUndefined();
          expectGatewayError(reassembled.error, midstream.expected);
        });
      }
    });
  });
}

function baseRequest(messages: Message[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'conformance', system: [{ type: 'text', text: 'You are a concise assistant.' }], messages, stream: false, ...extra };
}

function user(text: string): Message {
  return { role: 'user', content: [{ type: 'text', text }] };
}

function textRequest(appended?: string): ChatRequest {
  const text = 'Explain in two sentences why the sky is blue.';
  return baseRequest([user(appended ? `${text} ${appended}` : text)]);
}

function textOf(result: Pick<ChatResult, 'content'>): string {
  return result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
}

function toolCallsOf(content: ChatResult['content']): Array<{ id: string; name: string; argumentsJson: string }> {
  return content.flatMap((part) => (part.type === 'tool-call' ? [part] : []));
}

function expectValidArguments(call: { name: string; argumentsJson: string }, tools: readonly ToolDefinition[]): void {
  const tool = tools.find((candidate) => candidate.name === call.name);
  expect(tool, `the model called an unknown tool ${call.name}`).toBeDefined();
  const validate = new Ajv({ strict: false, allErrors: true }).compile((tool as ToolDefinition).inputSchema);
  const args: unknown = JSON.parse(call.argumentsJson);
  expect(validate(args), `arguments ${call.argumentsJson}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

function expectInclusiveUsage(usage: Usage | undefined, realCounts: boolean): void {
  expect(usage).toBeDefined();
  const u = usage as Usage;
  if (realCounts) {
    expect(u.inputTokens).toBeGreaterThan(0);
    expect(u.outputTokens).toBeGreaterThan(0);
  }
  expect((u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0)).toBeLessThanOrEqual(u.inputTokens);
  expect(u.reasoningTokens ?? 0).toBeLessThanOrEqual(u.outputTokens);
}

function expectMaxTokensHonouredOrWarned(
  finishReason: string | undefined,
  usage: Usage,
  warnings: readonly unknown[],
  maxTokens: number,
  realCounts = true,
): void {
  const warned = warnings.some((warning) => {
    // A field rename (max_tokens → max_completion_tokens) still honours the limit; a dropped or changed value does not.
    const w = warning as { type?: string; setting?: string; from?: string };
    return w.setting === 'max_tokens' && (w.type === 'unsupported-setting' || (w.type === 'changed-setting' && w.from === String(maxTokens)));
  });
  if (warned) return;
  expect(finishReason).toBe('length');
  if (realCounts) {
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeLessThanOrEqual(maxTokens);
  }
}

function isAbortError(error: unknown): boolean {
  if (GatewayError.is(error)) return error.code === 'SWY_ERR_CLIENT_CLOSED';
  return error instanceof Error && error.name === 'AbortError';
}

function expectAbortError(error: unknown): void {
  expect(isAbortError(error), `expected SWY_ERR_CLIENT_CLOSED or an AbortError, got ${describeError(error)}`).toBe(true);
  if (GatewayError.is(error)) {
    expect(error.status).toBe(499);
    expect(error.retryable).toBe(false);
  }
}

function expectStreamAborted(collected: CollectedStream): void {
  expect(collected.parts.some((part) => part.type === 'finish')).toBe(false);
  if (collected.thrown !== undefined) {
    expectAbortError(collected.thrown);
    return;
  }
  const reassembled = assertStreamGrammar(collected.parts);
  expectAbortError(reassembled.error);
}

function expectGatewayError(error: unknown, expected: ExpectedError): void {
  expect(GatewayError.is(error), `expected a GatewayError, got ${describeError(error)}`).toBe(true);
  const e = error as GatewayError;
  expect(e.code).toMatch(/^SWY_ERR_[A-Z0-9_]+$/);
  expect(e.kind).toBe(expected.kind);
  if (expected.status !== undefined) expect(e.status).toBe(expected.status);
  if (expected.retryable !== undefined) expect(e.retryable).toBe(expected.retryable);
  if (expected.retryAfterMs !== undefined) expect(e.retryAfterMs).toBe(expected.retryAfterMs);
  if (expected.code !== undefined) expect(e.code).toBe(expected.code);
}

function describeError(error: unknown): string {
  if (GatewayError.is(error)) return `GatewayError ${error.code} (${error.kind}, ${error.status}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
