import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { fixturePath } from './fixtures.js';

/**
 * Validates bodies against OpenAI's published OpenAPI spec (../shared/fixtures/openai/openapi.yaml),
 * so tests prove that what Switchyard sends is what an OpenAI client can expect.
 *
 * The spec is OpenAPI 3.1 but still mixes in 3.0-style `nullable: true`; following the fixtures README
 * ("Conformance results") it is rewritten to JSON Schema 2020-12 before compiling:
 *   - `{type: T, nullable: true}`  → `{type: [T, 'null']}` (and `null` is added to an `enum`);
 *   - `nullable: true` without a `type` (e.g. beside a `$ref`) → `anyOf: [<schema>, {type:'null'}]`;
 *   - `system_fingerprint` also accepts null (OpenAI itself returns null there; README).
 * Only the component schemas reachable from the three roots are compiled, as one document with an
 * `$id`, so the spec's `#/components/schemas/…` references resolve inside it. The spec (3 MB) is
 * loaded and compiled once per process.
 */

export interface ValidationResult {
  valid: boolean;
  errors: ErrorObject[];
}

const DOCUMENT_ID = 'https://switchyard.test/openai-openapi.json';
const ROOTS = ['CreateChatCompletionResponse', 'CreateChatCompletionStreamResponse', 'ErrorResponse'] as const;
type Root = (typeof ROOTS)[number];

type Json = unknown;
type JsonObject = Record<string, Json>;

let validators: Map<Root, ValidateFunction> | undefined;

export function validateChatCompletion(body: unknown): ValidationResult {
  return run('CreateChatCompletionResponse', body);
}

export function validateChatCompletionChunk(chunk: unknown): ValidationResult {
  return run('CreateChatCompletionStreamResponse', chunk);
}

export function validateOpenAIError(body: unknown): ValidationResult {
  return run('ErrorResponse', body);
}

function run(root: Root, value: unknown): ValidationResult {
  const validate = compiled().get(root);
  if (!validate) throw new Error(`no validator for ${root}`);
  const valid = validate(value) === true;
  return { valid, errors: valid ? [] : [...(validate.errors ?? [])] };
}

function compiled(): Map<Root, ValidateFunction> {
  if (validators) return validators;
  const spec = parseYaml(readFileSync(fixturePath('openai/openapi.yaml'), 'utf8'), { maxAliasCount: -1 }) as JsonObject;
  const all = ((spec.components as JsonObject).schemas ?? {}) as JsonObject;
  const schemas: JsonObject = {};
  for (const name of reachableSchemas(all, ROOTS)) schemas[name] = rewriteNullable(all[name]);
  allowNullFingerprint(schemas);

  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  const addFormats = addFormatsModule.default;
  addFormats(ajv);
  ajv.addFormat('unixtime', true);
  ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas } });
  const map = new Map<Root, ValidateFunction>();
  for (const root of ROOTS) {
    const validate = ajv.getSchema(`${DOCUMENT_ID}#/components/schemas/${root}`);
    if (!validate) throw new Error(`openapi.yaml has no schema ${root}`);
    map.set(root, validate);
  }
  validators = map;
  return map;
}

/** Names of the component schemas reachable from `roots` through `#/components/schemas/…` refs. */
function reachableSchemas(all: JsonObject, roots: readonly string[]): Set<string> {
  const found = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (found.has(name) || !(name in all)) continue;
    found.add(name);
    collectRefs(all[name], (ref) => queue.push(ref));
  }
  return found;
}

function collectRefs(node: Json, onRef: (name: string) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, onRef);
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        onRef(value.slice('#/components/schemas/'.length));
      } else {
        collectRefs(value, onRef);
      }
    }
  }
}

/** Returns a copy of `node` with every 3.0-style `nullable: true` expressed in JSON Schema 2020-12. */
function rewriteNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  // A property *named* "nullable" inside `properties` holds a schema object, never `true`, so only the keyword matches below.
  for (const [key, value] of Object.entries(node)) out[key] = rewriteNullable(value);
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (typeof out.type === 'string' || Array.isArray(out.type)) {
    const types = Array.isArray(out.type) ? out.type : [out.type];
    if (!types.includes('null')) out.type = [...types, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function allowNullFingerprint(schemas: JsonObject): void {
  for (const name of ['CreateChatCompletionResponse', 'CreateChatCompletionStreamResponse']) {
    const properties = (schemas[name] as JsonObject | undefined)?.properties as JsonObject | undefined;
    const fingerprint = properties?.system_fingerprint as JsonObject | undefined;
    if (fingerprint && typeof fingerprint.type === 'string') fingerprint.type = [fingerprint.type, 'null'];
  }
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short human-readable summary of validation errors, for assertion messages. */
export function describeErrors(errors: readonly ErrorObject[]): string {
  return errors
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('; ');
}
