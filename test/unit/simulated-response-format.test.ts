import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import type { ChatRequest, ChatResult } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';

const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });

function ask(extra: Partial<ChatRequest>): ChatRequest {
  return { model: 'any', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe Lisbon.' }] }], ...extra };
}

function textOf(result: ChatResult): string {
  return result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
}

const CITY_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    population: { type: 'integer', minimum: 1 },
    districts: { type: 'array', items: { type: 'string' }, minItems: 2 },
    coastal: { type: 'boolean' },
  },
  required: ['name', 'population', 'districts', 'coastal'],
  additionalProperties: false,
};

describe('simulated response formats', () => {
  it('json_object answers are a JSON object naming the model', async () => {
    for (const model of ['sim-small', 'sim-large']) {
      const result = await provider.chat(ask({ responseFormat: { type: 'json_object' } }), testCallContext(model));
      const value = JSON.parse(textOf(result)) as { model: string; answer: string };
      expect(value.model).toBe(model);
      expect(value.answer).toContain('Describe Lisbon.');
      expect(result.warnings).toEqual([]);
    }
  });

  it('json_schema answers validate against the schema', async () => {
    const validate = new Ajv({ strict: false }).compile(CITY_SCHEMA);
    const result = await provider.chat(ask({ responseFormat: { type: 'json_schema', name: 'city', schema: CITY_SCHEMA, strict: true } }), testCallContext('sim-medium'));
    expect(validate(JSON.parse(textOf(result))), JSON.stringify(validate.errors)).toBe(true);
    expect(result.finishReason).toBe('stop');
  });

  it('a model without JSON mode answers in text and warns', async () => {
    const result = await provider.chat(ask({ responseFormat: { type: 'json_object' } }), testCallContext('sim-medium', { model: { json: false } }));
    expect(textOf(result).startsWith('[simulated sim-medium]')).toBe(true);
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'response_format' })]);
  });

  it('text format is plain prose', async () => {
    const result = await provider.chat(ask({ responseFormat: { type: 'text' } }), testCallContext('sim-medium'));
    expect(() => JSON.parse(textOf(result))).toThrow();
  });
});
