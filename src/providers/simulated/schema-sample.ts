/**
 * Builds a deterministic value that fits a JSON Schema: used by the simulated models (and the mock
 * upstreams in tests) to call a tool with arguments that validate against its input schema.
 * Handles the subset tool schemas use: type (incl. arrays of types), properties/required, items,
 * enum, const, default, examples, anyOf/oneOf/allOf, min/max bounds, minItems, minLength, format.
 *
 * The schema is the client's (tool parameters, response_format), so the sample is bounded whatever it
 * asks for: `minItems: 1e8` or `minLength: 1e9` (or arrays nested in arrays) would otherwise take the
 * memory or hold the event loop. Past SAMPLE_LIMITS the sample is cut short (and may then not validate).
 */
type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

export const SAMPLE_LIMITS = Object.freeze({
  /** Items per array (minItems beyond it is not met). */
  items: 16,
  /** Characters per string (minLength beyond it is not met). */
  stringLength: 1024,
  /** Values in one sample; once spent, the rest are null. */
  values: 1000,
});

/** What is left of a sample's SAMPLE_LIMITS.values. */
interface Budget {
  values: number;
}

export function sampleFromSchema(schema: unknown, seed = 'value'): unknown {
  return sampleValue(schema, seed, 0, { values: SAMPLE_LIMITS.values });
}

function sampleValue(schema: unknown, seed: string, depth: number, budget: Budget): unknown {
  if (budget.values <= 0) return null;
  budget.values--;
  if (schema === true || schema === undefined || schema === null) return seed;
  if (typeof schema !== 'object' || depth > MAX_DEPTH) return null;
  const s = schema as Schema;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    return s.allOf.reduce<unknown>((acc, part) => mergeSamples(acc, sampleValue(part, seed, depth + 1, budget)), undefined);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) {
      const nonNull = options.find((o) => !(typeof o === 'object' && o !== null && (o as Schema).type === 'null'));
      return sampleValue(nonNull ?? options[0], seed, depth + 1, budget);
    }
  }
  const type = pickType(s);
  switch (type) {
    case 'object':
      return sampleObject(s, depth, budget);
    case 'array':
      return sampleArray(s, seed, depth, budget);
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

function sampleObject(s: Schema, depth: number, budget: Budget): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  const required: unknown[] = Array.isArray(s.required) ? s.required : Object.keys(properties);
  for (const entry of required) {
    if (budget.values <= 0) break;
    const name = String(entry);
    // Defined, not assigned: a property named "__proto__" must be a property, not the prototype.
    Object.defineProperty(out, name, { value: sampleValue(Object.hasOwn(properties, name) ? properties[name] : undefined, name, depth + 1, budget), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function sampleArray(s: Schema, seed: string, depth: number, budget: Budget): unknown[] {
  const count = Math.min(SAMPLE_LIMITS.items, Math.max(1, typeof s.minItems === 'number' ? Math.floor(s.minItems) : 1));
  const out: unknown[] = [];
  for (let i = 0; i < count && budget.values > 0; i++) out.push(sampleValue(s.items, `${seed}${i + 1}`, depth + 1, budget));
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
      const minLength = typeof s.minLength === 'number' ? Math.min(SAMPLE_LIMITS.stringLength, s.minLength) : 0;
      const value = seed.padEnd(minLength, 'x');
      return typeof s.maxLength === 'number' ? value.slice(0, s.maxLength) : value;
    }
  }
}

function mergeSamples(a: unknown, b: unknown): unknown {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) return { ...a, ...b };
  return b ?? a;
}
