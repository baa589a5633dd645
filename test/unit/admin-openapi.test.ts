import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { encodeOpenAIChatErrorBody } from '../../src/dialects/openai-chat/encode-openai-chat-error.js';
import { ADMIN_OPENAPI } from '../../src/server/routes/admin-openapi.js';
import { logsQueryInput, REQUEST_LOG_DEFAULT_LIMIT, REQUEST_LOG_MAX_LIMIT, requestLogJson } from '../../src/server/routes/request-logs.js';
import { GatewayError, invalidRequest } from '../../src/spec/errors.js';
import {
  budgetInput,
  createKeyInput,
  createTeamInput,
  keyJson,
  nanosToUsd,
  patchTeamInput,
  rateLimitsInput,
  spendQueryInput,
  spendRowJson,
  teamJson,
} from '../../src/tenancy/admin-json.js';
import type { Team, VirtualKey } from '../../src/tenancy/tenancy-types.js';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { SIMULATED_ONLY, startTestGateway } from '../helpers/start-test-gateway.js';

/**
 * The admin OpenAPI document is checked twice: as a document (OpenAPI 3.1 structure, references,
 * operation ids, path parameters, every schema compiling as JSON Schema 2020-12 in Ajv's strict mode,
 * every example valid) and against tenancy/admin-json.ts, so the two cannot drift: the same fields,
 * the same required ones, the same nullability and enums, the same verdict on a table of bodies, and
 * the output of teamJson/keyJson/spendRowJson valid against the response schemas with no field missing.
 */

type Obj = Record<string, any>;
const doc = ADMIN_OPENAPI as Obj;
const DOC_ID = 'https://switchyard.test/admin-openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormatsModule.default(ajv);
  return ajv;
}

const ajv = makeAjv();
ajv.addKeyword('components'); // the document root is not a schema; only its component schemas are compiled
ajv.addSchema({ $id: DOC_ID, components: { schemas: doc.components.schemas } });

function schemaAt(pointer: string): ValidateFunction {
  const validate = ajv.getSchema(`${DOC_ID}#${pointer}`);
  if (!validate) throw new Error(`no schema at ${pointer}`);
  return validate;
}
const component = (name: string) => schemaAt(`/components/schemas/${name}`);

function check(validate: ValidateFunction, value: unknown): string {
  return validate(value) ? 'valid' : ajv.errorsText(validate.errors);
}

/** Every object in the document with its JSON pointer. */
function* walk(node: unknown, pointer = ''): Generator<[string, Obj]> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* walk(item, `${pointer}/${i}`);
  } else if (node && typeof node === 'object') {
    yield [pointer, node as Obj];
    for (const [key, value] of Object.entries(node)) yield* walk(value, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
}

function resolvePointer(pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!node || typeof node !== 'object' || !(key in (node as Obj))) return undefined;
    node = (node as Obj)[key];
  }
  return node;
}

/** Follows $ref (and a nullable anyOf to its non-null branch) to the object schema behind a property. */
function objectSchema(schema: Obj): Obj {
  if (schema.$ref) return objectSchema(resolvePointer(schema.$ref.slice(1)) as Obj);
  if (schema.anyOf) return objectSchema(schema.anyOf.find((s: Obj) => s.type !== 'null'));
  return schema;
}

function operations(): Array<{ path: string; method: string; op: Obj; item: Obj }> {
  const out: Array<{ path: string; method: string; op: Obj; item: Obj }> = [];
  for (const [path, item] of Object.entries(doc.paths as Obj)) {
    for (const method of METHODS) if (item[method]) out.push({ path, method, op: item[method], item });
  }
  return out;
}

/**
 * The parts of the OpenAPI 3.1 meta-schema this document uses, written out: the document, path items,
 * operations, parameters, request bodies, responses, media types and security schemes, with no
 * unknown fields at those levels (x- extensions allowed).
 */
const ext = { '^x-': {} };
const refOr = (schema: Obj) => ({ oneOf: [{ type: 'object', required: ['$ref'], properties: { $ref: { type: 'string' }, summary: { type: 'string' }, description: { type: 'string' } }, additionalProperties: false }, schema] });
const mediaType = { type: 'object', properties: { schema: { type: 'object' }, example: {}, examples: { type: 'object', additionalProperties: refOr({ type: 'object', properties: { summary: { type: 'string' }, description: { type: 'string' }, value: {} }, additionalProperties: false }) } }, additionalProperties: false };
const content = { type: 'object', propertyNames: { pattern: '^[a-z]+/[a-z0-9.+-]+$' }, additionalProperties: mediaType };
const parameter = {
  type: 'object',
  required: ['name', 'in', 'schema'],
  properties: { name: { type: 'string', minLength: 1 }, in: { enum: ['query', 'header', 'path', 'cookie'] }, description: { type: 'string' }, required: { type: 'boolean' }, deprecated: { type: 'boolean' }, schema: { type: 'object' } },
  if: { properties: { in: { const: 'path' } } },
  then: { required: ['required'], properties: { required: { const: true } } },
  patternProperties: ext,
  additionalProperties: false,
};
const response = { type: 'object', required: ['description'], properties: { description: { type: 'string' }, headers: { type: 'object' }, content }, patternProperties: ext, additionalProperties: false };
const operation = {
  type: 'object',
  required: ['responses'],
  properties: {
    operationId: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*$' },
    tags: { type: 'array', items: { type: 'string' } },
    summary: { type: 'string' },
    description: { type: 'string' },
    parameters: { type: 'array', items: refOr(parameter) },
    requestBody: refOr({ type: 'object', required: ['content'], properties: { description: { type: 'string' }, required: { type: 'boolean' }, content }, additionalProperties: false }),
    responses: { type: 'object', minProperties: 1, propertyNames: { pattern: '^([1-5](?:[0-9]{2}|XX)|default)$' }, additionalProperties: refOr(response) },
    security: { type: 'array', items: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } },
    deprecated: { type: 'boolean' },
  },
  patternProperties: ext,
  additionalProperties: false,
};
const OPENAPI_SUBSET = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    jsonSchemaDialect: { type: 'string', format: 'uri' },
    info: {
      type: 'object',
      required: ['title', 'version'],
      properties: { title: { type: 'string' }, version: { type: 'string' }, description: { type: 'string' }, license: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, identifier: { type: 'string' }, url: { type: 'string' } }, additionalProperties: false } },
      additionalProperties: false,
    },
    servers: { type: 'array', items: { type: 'object', required: ['url'], properties: { url: { type: 'string' }, description: { type: 'string' } }, additionalProperties: false } },
    security: { type: 'array' },
    tags: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' } }, additionalProperties: false } },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/' },
      additionalProperties: {
        type: 'object',
        properties: { summary: { type: 'string' }, description: { type: 'string' }, parameters: { type: 'array', items: refOr(parameter) }, ...Object.fromEntries(METHODS.map((m) => [m, operation])) },
        patternProperties: ext,
        additionalProperties: false,
      },
    },
    components: {
      type: 'object',
      properties: {
        schemas: { type: 'object', propertyNames: { pattern: '^[a-zA-Z0-9._-]+$' }, additionalProperties: { type: 'object' } },
        responses: { type: 'object', additionalProperties: refOr(response) },
        parameters: { type: 'object', additionalProperties: refOr(parameter) },
        securitySchemes: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            required: ['type'],
            properties: { type: { enum: ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'] }, scheme: { type: 'string' }, bearerFormat: { type: 'string' }, description: { type: 'string' }, name: { type: 'string' }, in: { type: 'string' } },
            if: { properties: { type: { const: 'http' } } },
            then: { required: ['scheme'] },
          },
        },
      },
      additionalProperties: false,
    },
  },
  patternProperties: ext,
  additionalProperties: false,
};

/** Method and OpenAPI-style path of every route a gateway registers (HEAD left out), from Fastify's route tree. */
function parseRouteTree(tree: string): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2];
    stack[depth] = path;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) routes.push({ method, path: path.replace(/:(\w+)/g, '{$1}') });
  }
  return routes;
}

let gateway: RunningGateway;
let servedRoutes: Array<{ method: string; path: string }>;
beforeAll(async () => {
  gateway = await startTestGateway(SIMULATED_ONLY);
  servedRoutes = parseRouteTree(gateway.app.printRoutes({ commonPrefix: false }));
});
afterAll(async () => {
  await gateway?.close();
});

describe('ADMIN_OPENAPI as an OpenAPI 3.1 document', () => {
  it('has the structure of an OpenAPI 3.1 document', () => {
    const meta = new Ajv2020({ strict: false, allErrors: true });
    addFormatsModule.default(meta);
    const validate = meta.compile(OPENAPI_SUBSET);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toBe(true);
    // plain JSON: survives serialisation unchanged (it is served as application/json)
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('describes every admin endpoint, and only these', () => {
    expect(operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort()).toEqual(
      [
        'POST /admin/teams',
        'GET /admin/teams',
        'GET /admin/teams/{id}',
        'PATCH /admin/teams/{id}',
        'POST /admin/keys',
        'GET /admin/keys',
        'DELETE /admin/keys/{id}',
        'GET /admin/spend',
        'GET /v1/spend',
        'GET /admin/logs',
        'GET /v1/logs',
        'POST /admin/route/explain',
        'GET /admin/health',
        'GET /admin/audit/neutrality',
      ].sort(),
    );
  });

  it('describes exactly the admin routes a gateway serves: every /admin route, and /v1/spend and /v1/logs', () => {
    const all = servedRoutes.map(({ method, path }) => `${method} ${path}`);
    expect(all).toEqual(expect.arrayContaining(['PATCH /admin/teams/{id}', 'DELETE /admin/keys/{id}', 'POST /v1/messages/count_tokens', 'GET /healthz'])); // the tree was read
    const served = servedRoutes.filter(({ path }) => path.startsWith('/admin/') && path !== '/admin/openapi.json');
    const documented = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    for (const { method, path } of served) expect(documented, `${method} ${path} is served: describe it in src/server/routes/admin-openapi.ts`).toContain(`${method} ${path}`);
    for (const operation of documented) expect(all, `${operation} is documented but not served`).toContain(operation);
  });

  it('resolves every $ref, declares every path parameter, and has unique operation ids and known security schemes', () => {
    for (const [pointer, node] of walk(doc)) {
      if (typeof node.$ref === 'string') {
        expect(node.$ref, pointer).toMatch(/^#\//);
        expect(resolvePointer(node.$ref.slice(1)), `${pointer} → ${node.$ref}`).toBeDefined();
      }
    }
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const schemes = Object.keys(doc.components.securitySchemes);
    for (const requirement of [...doc.security, ...operations().flatMap(({ op }) => op.security ?? [])]) {
      for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
    }
    for (const { path, method, op, item } of operations()) {
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Obj) => (p.$ref ? (resolvePointer(p.$ref.slice(1)) as Obj) : p));
      const inPath = params.filter((p) => p.in === 'path').map((p) => p.name);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(inPath.sort(), `${method} ${path}`).toEqual(templated.sort());
      expect(Object.keys(op.responses).some((status) => status.startsWith('2')), `${method} ${path} has a 2xx response`).toBe(true);
      if (['post', 'patch'].includes(method)) expect(op.requestBody?.required, `${method} ${path} body`).toBe(true);
    }
  });

  it('compiles every component schema as JSON Schema 2020-12 in strict mode', () => {
    for (const name of Object.keys(doc.components.schemas)) expect(() => component(name), name).not.toThrow();
  });

  it('every example is valid against its schema (media-type examples and schema examples)', () => {
    let count = 0;
    for (const [pointer, node] of walk(doc)) {
      if (node.schema && node.examples && typeof node.examples === 'object' && !Array.isArray(node.examples)) {
        const validate = node.schema.$ref ? schemaAt(node.schema.$ref.slice(1)) : makeAjv().compile(node.schema);
        for (const [name, example] of Object.entries(node.examples as Obj)) {
          expect(check(validate, example.value), `${pointer}/examples/${name}`).toBe('valid');
          count++;
        }
      }
      if (Array.isArray(node.examples) && pointer.startsWith('/components/schemas/')) {
        const validate = schemaAt(pointer);
        for (const example of node.examples) {
          expect(check(validate, example), `${pointer} example ${JSON.stringify(example)}`).toBe('valid');
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(15);
  });

  it('request examples are accepted by the zod input schemas the server parses with', () => {
    const bodies: Array<[z.ZodType, string]> = [
      [createTeamInput, '/admin/teams'],
      [patchTeamInput, '/admin/teams/{id}'],
      [createKeyInput, '/admin/keys'],
    ];
    for (const [schema, path] of bodies) {
      const item = doc.paths[path];
      const op = item.post ?? item.patch;
      for (const [name, example] of Object.entries(op.requestBody.content['application/json'].examples as Obj)) {
        const parsed = schema.safeParse(example.value);
        expect(parsed.success, `${path} example ${name}: ${parsed.error?.message}`).toBe(true);
      }
    }
  });
});

type AnyZod = z.ZodType & { _zod: { def: Obj } };

/** The type under optional/nullable/default wrappers. */
function unwrap(schema: AnyZod): AnyZod {
  const def = schema._zod.def;
  return ['optional', 'nullable', 'default'].includes(def.type) ? unwrap(def.innerType) : schema;
}

/**
 * Compares a zod object schema with an OpenAPI object schema field by field, recursively: the same
 * fields, required exactly when zod rejects a missing value, nullable exactly when zod accepts null,
 * the same enum values, and both refuse unknown fields.
 */
function expectSameObject(zodObject: AnyZod, pointer: string): void {
  const oa = objectSchema(resolvePointer(pointer) as Obj);
  const shape = (unwrap(zodObject) as unknown as { shape: Record<string, AnyZod> }).shape;
  expect(Object.keys(oa.properties ?? {}).sort(), `${pointer}: fields`).toEqual(Object.keys(shape).sort());
  const required = Object.keys(shape).filter((key) => !shape[key].safeParse(undefined).success);
  expect([...(oa.required ?? [])].sort(), `${pointer}: required`).toEqual(required.sort());
  expect(oa.additionalProperties, `${pointer}: unknown fields refused`).toBe(false);
  for (const [key, field] of Object.entries(shape)) {
    const propertyPointer = `${pointer}/properties/${key}`;
    const validate = schemaAt(propertyPointer);
    expect(validate(null), `${propertyPointer}: null accepted by zod? ${field.safeParse(null).success}`).toBe(field.safeParse(null).success);
    expect((resolvePointer(propertyPointer) as Obj).default, `${propertyPointer}: default`).toEqual(zodDefault(field));
    const inner = unwrap(field);
    const def = inner._zod.def;
    if (def.type === 'object') expectSameObject(inner, propertyPointer.startsWith('/components') ? pathToObject(propertyPointer) : propertyPointer);
    if (def.type === 'enum') expect(objectSchema(resolvePointer(propertyPointer) as Obj).enum, propertyPointer).toEqual(Object.values(def.entries));
    if (def.type === 'record') {
      const values = objectSchema(resolvePointer(propertyPointer) as Obj).additionalProperties as Obj;
      const valueDef = unwrap(def.valueType)._zod.def;
      if (valueDef.type === 'object') expectSameObject(def.valueType, pointerOf(values) ?? `${propertyPointer}/additionalProperties`);
    }
  }
}

/** The default zod fills in for a missing value, if any. */
function zodDefault(schema: AnyZod): unknown {
  const def = schema._zod.def;
  if (def.type === 'default') return typeof def.defaultValue === 'function' ? def.defaultValue() : def.defaultValue;
  return ['optional', 'nullable'].includes(def.type) ? zodDefault(def.innerType) : undefined;
}

/** A pointer to the object schema a property resolves to (its $ref target when there is one). */
function pathToObject(propertyPointer: string): string {
  const schema = resolvePointer(propertyPointer) as Obj;
  return pointerOf(schema) ?? propertyPointer;
}

function pointerOf(schema: Obj): string | undefined {
  if (schema.$ref) return schema.$ref.slice(1);
  const branch = schema.anyOf?.find((s: Obj) => s.type !== 'null');
  return branch?.$ref ? branch.$ref.slice(1) : undefined;
}

describe('ADMIN_OPENAPI mirrors tenancy/admin-json.ts', () => {
  it('request bodies: the same fields, required, nullable, defaults and enums as the zod input schemas', () => {
    expectSameObject(createTeamInput as unknown as AnyZod, '/components/schemas/CreateTeamRequest');
    expectSameObject(patchTeamInput as unknown as AnyZod, '/components/schemas/PatchTeamRequest');
    expectSameObject(createKeyInput as unknown as AnyZod, '/components/schemas/CreateKeyRequest');
    expectSameObject(budgetInput as unknown as AnyZod, '/components/schemas/BudgetInput');
    expectSameObject(rateLimitsInput as unknown as AnyZod, '/components/schemas/RateLimitsInput');
    // the operations use them
    expect(doc.paths['/admin/teams'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateTeamRequest');
    expect(doc.paths['/admin/teams/{id}'].patch.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/PatchTeamRequest');
    expect(doc.paths['/admin/keys'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateKeyRequest');
  });

  it('zod and the OpenAPI schemas give the same verdict on a table of bodies', () => {
    const team = component('CreateTeamRequest');
    const patch = component('PatchTeamRequest');
    const key = component('CreateKeyRequest');
    const teamBodies: unknown[] = [
      { name: 'a' },
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(200) },
      { name: 'x'.repeat(201) },
      {},
      { name: 'a', extra: 1 },
      { name: 'a', budget: { limit_usd: 10, period: 'month' } },
      { name: 'a', budget: { limit_usd: 10, period: 'month', alert_at: 0.8 } },
      { name: 'a', budget: { limit_usd: 10, period: 'week' } },
      { name: 'a', budget: { limit_usd: 10 } },
      { name: 'a', budget: { limit_usd: 0, period: 'day' } },
      { name: 'a', budget: { limit_usd: -1, period: 'day' } },
      { name: 'a', budget: { limit_usd: 2e9, period: 'day' } },
      { name: 'a', budget: { limit_usd: 1, period: 'day', alert_at: 0 } },
      { name: 'a', budget: { limit_usd: 1, period: 'day', alert_at: 1 } },
      { name: 'a', budget: { limit_usd: 1, period: 'day', alert_at: 1.01 } },
      { name: 'a', budget: { limit_usd: 1, period: 'day', extra: true } },
      { name: 'a', budget: null },
      { name: 'a', rate_limits: { rpm: 60, tpm: 1000 } },
      { name: 'a', rate_limits: { rpm: 1.5 } },
      { name: 'a', rate_limits: { rpm: 0 } },
      { name: 'a', rate_limits: { rph: 5 } },
      { name: 'a', rate_limits: {} },
      { name: 'a', rate_limits: null },
      { name: 'a', model_rate_limits: { 'sim-small': { rpm: 5 } } },
      { name: 'a', model_rate_limits: { '': { rpm: 5 } } },
      { name: 'a', model_rate_limits: { 'sim-small': { rpm: -5 } } },
      { name: 'a', model_rate_limits: { 'sim-small': null } },
      { name: 'a', model_rate_limits: null },
      { name: 'a', allowed_models: ['x', 'y'] },
      { name: 'a', allowed_models: [] },
      { name: 'a', allowed_models: [''] },
      { name: 'a', allowed_models: [' '] },
      { name: 'a', allowed_models: 'x' },
      { name: 'a', allowed_models: null },
      { name: 'a', allowed_providers: ['p'] },
      { name: 'a', allowed_providers: [1] },
      { name: 'a', default_route: 'r' },
      { name: 'a', default_route: '' },
      { name: 'a', default_route: null },
      { name: 'a', data_policy: {} },
      { name: 'a', data_policy: { log_prompts: true, retention_days: 7 } },
      { name: 'a', data_policy: { retention_days: 0 } },
      { name: 'a', data_policy: { retention_days: 3650 } },
      { name: 'a', data_policy: { retention_days: 3651 } },
      { name: 'a', data_policy: { retention_days: 7.5 } },
      { name: 'a', data_policy: { log_prompts: 'yes' } },
      { name: 'a', data_policy: null },
      { name: 'a', cache: false },
      { name: 'a', cache: 'off' },
      { name: 'a', cache: null },
      { name: 'a', credentials: { openai: { api_key: 'sk-12345678' } } },
      { name: 'a', credentials: { openai: { api_key: 'short' } } },
      { name: 'a', credentials: { groq: { bearer_token: 'tok-12345678' } } },
      { name: 'a', credentials: { bedrock: { aws_access_key_id: 'AKIA12345678', aws_secret_access_key: 'secret-12345678' } } },
      { name: 'a', credentials: { bedrock: { aws_access_key_id: 'AKIA12345678', aws_secret_access_key: 'secret-12345678', aws_session_token: 'token-12345678' } } },
      { name: 'a', credentials: { bedrock: { aws_access_key_id: 'AKIA12345678' } } },
      { name: 'a', credentials: { openai: { api_key: 'sk-12345678', bearer_token: 'tok-12345678' } } },
      { name: 'a', credentials: { openai: null } },
      { name: 'a', credentials: null },
    ];
    for (const body of teamBodies) {
      expect(check(team, body) === 'valid', `POST /admin/teams ${JSON.stringify(body)}`).toBe(createTeamInput.safeParse(body).success);
      const { name: _name, ...rest } = body as Obj;
      for (const patchBody of [body, rest]) {
        expect(check(patch, patchBody) === 'valid', `PATCH /admin/teams ${JSON.stringify(patchBody)}`).toBe(patchTeamInput.safeParse(patchBody).success);
      }
    }
    const keyBodies: unknown[] = [
      { name: 'ci' },
      { name: 'ci', team_id: 'team_1' },
      { name: 'ci', team_id: '' },
      { name: 'ci', role: 'admin' },
      { name: 'ci', role: 'owner' },
      { name: 'ci', budget: { limit_usd: 5, period: 'total' } },
      { name: 'ci', budget: null },
      { name: 'ci', rate_limits: { tpm: 100 } },
      { name: 'ci', rate_limits: null },
      { name: 'ci', models: ['a'] },
      { name: 'ci', models: null },
      { name: 'ci', expires_at: '2027-01-01T00:00:00Z' },
      { name: 'ci', expires_at: '2027-01-01T00:00:00.123+02:00' },
      { name: 'ci', expires_at: '2027-01-01' },
      { name: 'ci', expires_at: 'tomorrow' },
      { name: 'ci', expires_at: null },
      { name: 'ci', key: 'sk-swy-choose-my-own' },
      { team_id: 'team_1' },
    ];
    for (const body of keyBodies) {
      expect(check(key, body) === 'valid', `POST /admin/keys ${JSON.stringify(body)}`).toBe(createKeyInput.safeParse(body).success);
    }
  });

  it('spend query parameters are the fields of spendQueryInput, with its enum and default', () => {
    const params = doc.paths['/admin/spend'].get.parameters as Obj[];
    expect(params.map((p) => p.name).sort()).toEqual(Object.keys(spendQueryInput.shape).sort());
    expect(params.every((p) => p.in === 'query' && p.required === false)).toBe(true);
    const groupBy = params.find((p) => p.name === 'group_by')!.schema;
    expect(groupBy.enum).toEqual(spendQueryInput.shape.group_by.unwrap().options);
    expect(groupBy.default).toBe(spendQueryInput.parse({}).group_by);
    const timeOrDate = component('TimeOrDate');
    for (const value of ['2026-01-01', '2026-01-01T00:00:00Z', '2026-01-01T10:00:00+02:00', '2026-01-01T00:00:00', 'yesterday', '2026-13-01']) {
      expect(check(timeOrDate, value) === 'valid', value).toBe(spendQueryInput.safeParse({ from: value }).success);
    }
    // /v1/spend: the same window parameters, team-scoped groups, key by default; team_id is not a parameter there
    const teamParams = doc.paths['/v1/spend'].get.parameters as Obj[];
    expect(teamParams.map((p) => p.name).sort()).toEqual(['from', 'group_by', 'to']);
    expect(teamParams.find((p) => p.name === 'group_by')!.schema).toMatchObject({ enum: ['key', 'model', 'provider', 'day'], default: 'key' });
  });

  const fullTeam: Team = {
    id: 'team_abc',
    name: 'research',
    policy: {
      allowedModels: ['sim-small'],
      allowedProviders: ['simulated'],
      defaultRoute: 'sim-small',
      budget: { limitNanos: 250_000_000_000, period: 'month', alertAt: 0.8 },
      rateLimits: { rpm: 60, tpm: 1000 },
      modelRateLimits: { 'sim-small': { rpm: 5 } },
      dataPolicy: { logPrompts: true, retentionDays: 7 },
      cache: false,
    },
    credentialProviders: ['openai', 'bedrock'],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
  };
  const bareTeam: Team = { ...fullTeam, policy: { dataPolicy: { logPrompts: false, retentionDays: 30 }, cache: true }, credentialProviders: [] };
  const fullKey: VirtualKey = {
    id: 'key_abc',
    teamId: 'team_abc',
    name: 'ci',
    role: 'team',
    prefix: 'sk-swy-AbCd',
    policy: { models: ['sim-small'], budget: { limitNanos: 5_000_000_000, period: 'day' }, rateLimits: { tpm: 100 } },
    expiresAt: '2027-01-01T00:00:00.000Z',
    revokedAt: '2026-02-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  const adminKey: VirtualKey = { id: 'key_adm', name: 'ops', role: 'admin', prefix: 'sk-swy-Zz00', policy: {}, createdAt: '2026-01-01T00:00:00.000Z' };

  it('teamJson and keyJson output is valid against Team and Key, and every field they emit is described and required', () => {
    for (const team of [fullTeam, bareTeam]) {
      const json = teamJson(team);
      expect(check(component('Team'), json), JSON.stringify(json)).toBe('valid');
      expect(Object.keys(doc.components.schemas.Team.properties).sort()).toEqual(Object.keys(json).sort());
      expect([...doc.components.schemas.Team.required].sort()).toEqual(Object.keys(json).sort());
    }
    expect(check(component('TeamList'), { object: 'list', data: [teamJson(fullTeam), teamJson(bareTeam)] })).toBe('valid');
    // GET /admin/teams/{id}: the same fields, plus the live budget status (absent without a budget, null when unreadable)
    const detail = doc.components.schemas.TeamDetail;
    expect(Object.keys(detail.properties).sort()).toEqual([...Object.keys(teamJson(fullTeam)), 'budget_status'].sort());
    expect([...detail.required].sort()).toEqual(Object.keys(teamJson(fullTeam)).sort());
    const status = { spent_usd: nanosToUsd(12_500_000_000n), reserved_usd: nanosToUsd(0), remaining_usd: nanosToUsd(237_500_000_000n), resets_at: '2026-02-01T00:00:00.000Z', alerting: false };
    expect(check(component('TeamDetail'), { ...teamJson(fullTeam), budget_status: status })).toBe('valid');
    expect(check(component('TeamDetail'), { ...teamJson(fullTeam), budget_status: { ...status, resets_at: null } })).toBe('valid');
    expect(check(component('TeamDetail'), { ...teamJson(fullTeam), budget_status: null })).toBe('valid');
    expect(check(component('TeamDetail'), teamJson(bareTeam))).toBe('valid');
    expect(check(component('TeamDetail'), { ...teamJson(fullTeam), budget_status: { ...status, spent_usd: 12.5 } })).not.toBe('valid');
    expect(doc.paths['/admin/teams/{id}'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/TeamDetail');
    expect(check(component('Team'), { ...teamJson(fullTeam), secret: 'x' })).not.toBe('valid');
    for (const key of [fullKey, adminKey]) {
      const json = keyJson(key);
      expect(check(component('Key'), json), JSON.stringify(json)).toBe('valid');
      expect(Object.keys(doc.components.schemas.Key.properties).sort()).toEqual(Object.keys(json).sort());
      expect([...doc.components.schemas.Key.required].sort()).toEqual(Object.keys(json).sort());
      const created = { ...json, key: 'sk-swy-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' };
      expect(check(component('CreatedKey'), created)).toBe('valid');
      expect([...doc.components.schemas.CreatedKey.required].sort()).toEqual(Object.keys(created).sort());
      // the secret is only in the create response
      expect(check(component('Key'), created)).not.toBe('valid');
    }
    expect(check(component('KeyList'), { object: 'list', data: [keyJson(fullKey), keyJson(adminKey)] })).toBe('valid');
    // the output budget/rate-limit shapes: the same fields as the input ones
    expect(Object.keys(doc.components.schemas.Budget.properties).sort()).toEqual(Object.keys(budgetInput.shape).sort());
    expect(Object.keys(doc.components.schemas.RateLimits.properties).sort()).toEqual(Object.keys(rateLimitsInput.shape).sort());
  });

  it('spendRowJson output is valid against SpendRow, the total against SpendTotal, the report against SpendReport', () => {
    const big = spendRowJson({ group: 'sim-small', requests: 3, inputTokens: 10, outputTokens: 20, cacheReadTokens: 1, cacheWriteTokens: 2, reasoningTokens: 4, costNanos: 2n ** 63n - 1n });
    expect(check(component('SpendRow'), big)).toBe('valid');
    expect(big.cost_nanos).toBe('9223372036854775807');
    expect([...doc.components.schemas.SpendRow.required].sort()).toEqual(Object.keys(big).sort());
    const { group: _group, ...total } = spendRowJson({ group: 'total', requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costNanos: 0n });
    expect(check(component('SpendTotal'), total)).toBe('valid');
    expect([...doc.components.schemas.SpendTotal.required].sort()).toEqual(Object.keys(total).sort());
    const report = { object: 'spend', group_by: 'model', from: '2026-01-01T00:00:00.000Z', to: null, data: [big], total };
    expect(check(component('SpendReport'), report)).toBe('valid');
    expect(check(component('SpendReport'), { ...report, group_by: 'week' })).not.toBe('valid');
    expect(doc.components.schemas.SpendReport.properties.group_by.enum).toEqual(spendQueryInput.shape.group_by.unwrap().options);
  });

  it('request logs: the query parameters of logsQueryInput, and requestLogJson output valid against RequestLog', () => {
    const params = doc.paths['/admin/logs'].get.parameters as Obj[];
    expect(params.map((p) => p.name).sort()).toEqual(Object.keys(logsQueryInput.shape).sort());
    const limit = params.find((p) => p.name === 'limit')!.schema;
    expect(limit).toMatchObject({ minimum: 1, maximum: REQUEST_LOG_MAX_LIMIT, default: REQUEST_LOG_DEFAULT_LIMIT });
    expect(logsQueryInput.parse({}).limit).toBe(REQUEST_LOG_DEFAULT_LIMIT);
    // /v1/logs: the same without team_id
    expect((doc.paths['/v1/logs'].get.parameters as Obj[]).map((p) => p.name).sort()).toEqual(params.map((p) => p.name).filter((n) => n !== 'team_id').sort());
    const row = { id: 7, request_id: 'req_1', created_at: '2026-01-05T09:40:12.345Z', team_id: 'team_abc', key_id: 'key_abc', model: 'sim-small', status: 200, request: '{"model":"sim-small","messages":[]}', truncated: 0 };
    const whole = requestLogJson(row);
    const cut = requestLogJson({ ...row, request: '{"model":"sim-sm', truncated: 1 });
    for (const json of [whole, cut]) {
      expect(check(component('RequestLog'), json), JSON.stringify(json)).toBe('valid');
      expect([...doc.components.schemas.RequestLog.required].sort()).toEqual(Object.keys(json).sort());
    }
    expect(check(component('RequestLogList'), { object: 'list', data: [whole, cut], has_more: true })).toBe('valid');
  });

  it("errors: the gateway's OpenAI-shaped error bodies are valid against Error", () => {
    const errors = [
      invalidRequest('budget.period: must be day, month or total', 'budget.period'),
      new GatewayError({ code: 'SWY_ERR_TEAM_NOT_FOUND', kind: 'not_found', origin: 'client', message: "No team with id 'x'." }),
      new GatewayError({ code: 'SWY_ERR_INVALID_API_KEY', kind: 'authentication', message: 'Invalid API key.' }),
      new GatewayError({ code: 'SWY_ERR_ADMIN_REQUIRED', kind: 'permission', origin: 'client', message: 'admin only' }),
    ];
    for (const error of errors) expect(check(component('Error'), encodeOpenAIChatErrorBody(error))).toBe('valid');
  });
});
