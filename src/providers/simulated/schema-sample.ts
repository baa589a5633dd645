/**
 * Builds a deterministic value that fits a JSON Schema: used by the simulated models (and the mock
 * upstreams in tests) to call a tool with arguments that validate against its input schema.
 * Handles the subset tool schemas use: type (incl. arrays of types), properties/required, items,
 * enum, const, default, examples, anyOf/oneOf/allOf, min/max bounds, minItems, minLength, format.
 */
type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

export function sampleFromSchema(schema: unknown, seed = 'value', depth = 0): unknown {
  if (schema === true || schema === undefined || schema === null) return seed;
  if (typeof schema !== 'object' || depth > MAX_DEPTH) return null;
  const s = schema as Schema;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    return s.allOf.reduce<unknown>((acc, part) => mergeSamples(acc, sampleFromSchema(part, seed, depth + 1)), undefined);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) {
      const nonNull = options.find((o) => !(typeof o === 'object' && o !== null && (o as Schema).type === 'null'));
      return sampleFromSchema(nonNull ?? options[0], seed, depth + 1);
    }
  }
  const type = pickType(s);
  switch (type) {
    case 'object':
      return sampleObject(s, depth);
    case 'array': {
      const count = Math.max(1, typeof s.minItems === 'number' ? s.minItems : 1);
      return Array.from({ length: count }, (_, i) => sampleFromSchema(s.items, `${seed}${i + 1}`, depth + 1));
    }
    case 'integer':
    case 'number':
      return sampleNumber(s, type === 'integer');
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      return sampleString(s, seed);
    default:
      return seed;
  }
}

function pickType(s: Schema): string | undefined {
  if (typeof s.type === 'string') return s.type;
  if (Array.isArray(s.type)) return (s.type as string[]).find((t) => t !== 'null') ?? 'null';
  if (s.properties !== undefined) return 'object';
  if (s.items !== undefined) return 'array';
  return undefined;
}

function sampleObject(s: Schema, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(s.required) ? (s.required as string[]) : Object.keys(properties);
  for (const name of required) out[name] = sampleFromSchema(properties[name], name, depth + 1);
  return out;
}

function sampleNumber(s: Schema, integer: boolean): number {
  const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - 1 : undefined;
  let value = min ?? (max !== undefined ? Math.min(1, max) : 1);
  if (integer) value = Math.ceil(value);
  return value;
}

function sampleString(s: Schema, seed: string): string {
  switch (s.format) {
    case 'date-time':
      return '2026-01-01T00:00:00Z';
    case 'date':
      return '2026-01-01';
    case 'email':
      return 'user@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    default: {
      let value = seed;
      const minLength = typeof s.minLength === 'number' ? s.minLength : 0;
      while (value.length < minLength) value += 'x';
      if (typeof s.maxLength === 'number') value = value.slice(0, s.maxLength);
      return value;
    }
  }
}

function mergeSamples(a: unknown, b: unknown): unknown {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) return { ...a, ...b };
  return b ?? a;
}
