import { describe, expect, it } from 'vitest';
import { SAMPLE_LIMITS, sampleFromSchema } from '../../src/providers/simulated/schema-sample.js';

/** Counts the values in a sample (every array item, object property and scalar). */
function valuesIn(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce<number>((n, item) => n + valuesIn(item), 0);
  if (typeof value === 'object' && value !== null) return 1 + Object.values(value).reduce<number>((n, item) => n + valuesIn(item), 0);
  return 1;
}

describe('sampleFromSchema on a client schema asking for huge sizes', () => {
  it('caps minItems (1e308 threw "Invalid array length", 1e8 ran the process out of memory)', () => {
    for (const minItems of [1e308, 1e8, 2 ** 32]) {
      const sample = sampleFromSchema({ type: 'array', minItems, items: { type: 'integer' } }) as unknown[];
      expect(sample).toHaveLength(SAMPLE_LIMITS.items);
    }
  });

  it('caps minLength (1e7 held the event loop for seconds, 1e9 for minutes)', () => {
    const sample = sampleFromSchema({ type: 'object', properties: { a: { type: 'string', minLength: 1e9 } }, required: ['a'] }) as { a: string };
    expect(sample.a).toHaveLength(SAMPLE_LIMITS.stringLength);
    expect(sample.a.startsWith('a')).toBe(true);
  });

  it('bounds the whole sample when arrays nest in arrays (16^8 items otherwise)', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 8; i++) schema = { type: 'array', minItems: 1000, items: schema };
    expect(valuesIn(sampleFromSchema(schema))).toBeLessThanOrEqual(SAMPLE_LIMITS.values);
  });

  it('bounds a schema with a very wide allOf or required list', () => {
    const allOf = Array.from({ length: 20_000 }, (_, i) => ({ type: 'object', properties: { [`p${i}`]: { type: 'string' } } }));
    expect(valuesIn(sampleFromSchema({ allOf }))).toBeLessThanOrEqual(SAMPLE_LIMITS.values);
    const required = Array.from({ length: 100_000 }, (_, i) => `r${i}`);
    expect(valuesIn(sampleFromSchema({ type: 'object', required }))).toBeLessThanOrEqual(SAMPLE_LIMITS.values);
  });

  it('takes required names that are not strings as their text', () => {
    expect(sampleFromSchema({ type: 'object', properties: { '1': { type: 'string', minLength: 3 } }, required: [1, null] })).toEqual({ '1': '1xx', null: 'null' });
  });

  it('a property named __proto__ is sampled as a property, not set as the prototype; inherited names are not schemas', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"integer"}},"required":["__proto__","toString"]}');
    const sample = sampleFromSchema(schema) as Record<string, unknown>;
    expect(Object.getPrototypeOf(sample)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(sample))).toEqual(JSON.parse('{"__proto__":1,"toString":"toString"}'));
  });

  it('still meets ordinary minItems and minLength', () => {
    expect(sampleFromSchema({ type: 'array', minItems: 3, items: { type: 'string', minLength: 4 } })).toEqual(['value1', 'value2', 'value3']);
    expect(sampleFromSchema({ type: 'object', properties: { id: { type: 'string', minLength: 5, maxLength: 5 } } })).toEqual({ id: 'idxxx' });
  });
});
