/**
 * Seeded request fuzzing: realistic OpenAI and Anthropic request bodies, mutated (values swapped for
 * other JSON types, fields deleted, containers duplicated or nested, unicode edge cases, raw-body
 * damage), sent to every client route against a simulated provider and healthy mock upstreams
 * (passthrough and translated paths, streaming and not). Whatever the input, every answer must arrive
 * (per-request timeout), never be a 5xx, and an error must be the route dialect's own error shape with
 * a message; the gateway must still serve a valid request afterwards. Deterministic: a fixed seed and
 * a fixed number of cases (FUZZ_SEED / FUZZ_ITERATIONS widen an ad-hoc campaign).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startBedrockMock, type BedrockMock } from '../mock-upstreams/bedrock-mock.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';
import { jsonSlots as slots, Rng, sendWithDeadline, type FuzzAnswer as Answer, type Json } from '../helpers/fuzz-kit.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 260);
/** Generous for a loaded 2-core machine: only a hang should ever reach it. */
const REQUEST_TIMEOUT_MS = 10_000;
const BEDROCK_KEY = 'bedrock-fuzz-key';

let openaiMock: OpenAIMock;
let anthropicMock: AnthropicMock;
let bedrockMock: BedrockMock;
let gateway: RunningGateway;
let teamKey: string;

/** Models by the path a request takes: the simulated provider, and one per upstream dialect. */
const MODELS = ['sim', 'gpt', 'claude', 'bedrock-claude'] as const;

beforeAll(async () => {
  [openaiMock, anthropicMock, bedrockMock] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startBedrockMock({ apiKey: BEDROCK_KEY })]);
  gateway = await startTestGateway({
    providers: {
      simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 },
      openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: openaiMock.url },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-test', baseUrl: anthropicMock.url },
      bedrock: { type: 'bedrock', region: 'us-east-1', apiKey: BEDROCK_KEY, baseUrl: bedrockMock.url },
    },
    timeouts: { connectMs: 2000, firstByteMs: 8000, idleMs: 8000, totalMs: 9000 },
    models: [
      { id: 'sim', provider: 'simulated', pricing: { inputPerMTok: 2, outputPerMTok: 8 }, capabilities: { tools: true, images: true, json: true, reasoning: true } },
      { id: 'gpt', provider: 'openai', upstreamModel: 'gpt-4.1-mock', capabilities: { tools: true, images: true, json: true, reasoning: true } },
      { id: 'claude', provider: 'anthropic', upstreamModel: 'claude-mock-4', capabilities: { tools: true, images: true, json: true, reasoning: true } },
      { id: 'bedrock-claude', provider: 'bedrock', upstreamModel: 'anthropic.claude-mock-v1:0', capabilities: { tools: true, images: true, json: true, reasoning: true } },
    ],
  });
  const team = await send({ path: '/admin/teams', body: JSON.stringify({ name: 'fuzz-team', budget: { limit_usd: 1000, period: 'month' } }) });
  expect(team.status, team.text).toBe(201);
  const key = await send({ path: '/admin/keys', body: JSON.stringify({ team_id: JSON.parse(team.text).id, name: 'fuzz' }) });
  expect(key.status, key.text).toBe(201);
  teamKey = JSON.parse(key.text).key as string;
}, 30_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([openaiMock?.close(), anthropicMock?.close(), bedrockMock?.close()]);
});

// ---------- realistic starting bodies ----------

type Dialect = 'openai' | 'anthropic';

const PNG_DATA_URL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const PNG_BASE64 = PNG_DATA_URL.slice('data:image/png;base64,'.length);
const WEATHER_SCHEMA: Json = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'integer', minimum: 1, maximum: 7 } },
  required: ['city'],
};

function openaiBodies(model: string): Array<Record<string, Json>> {
  return [
    { model, messages: [{ role: 'user', content: 'Hello there' }] },
    { model, max_tokens: 64, temperature: 0.2, top_p: 0.9, stop: ['\n\n', 'END'], n: 1, seed: 7, messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Count to three.' }] },
    {
      model,
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: WEATHER_SCHEMA } }],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    },
    {
      model,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_SCHEMA } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      ],
    },
    {
      model,
      max_completion_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image_url', image_url: { url: PNG_DATA_URL, detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
      ],
    },
    {
      model,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } } },
      logprobs: true,
      top_logprobs: 2,
      metadata: { trace: 'fuzz' },
      user: 'user-1',
      messages: [{ role: 'developer', content: 'JSON only.' }, { role: 'user', content: 'Answer in JSON.' }],
    },
    { model, response_format: { type: 'json_object' }, reasoning_effort: 'low', messages: [{ role: 'user', content: 'Reply with {}' }] },
    { model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream a haiku' }] },
  ];
}

function anthropicBodies(model: string): Array<Record<string, Json>> {
  return [
    { model, max_tokens: 64, messages: [{ role: 'user', content: 'Hello there' }] },
    { model, max_tokens: 64, system: 'Be terse.', temperature: 0.5, top_k: 5, stop_sequences: ['END'], metadata: { user_id: 'u-1' }, messages: [{ role: 'user', content: 'Count to three.' }] },
    {
      model,
      max_tokens: 200,
      system: [{ type: 'text', text: 'You call tools.', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: WEATHER_SCHEMA }],
      tool_choice: { type: 'auto' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    },
    {
      model,
      max_tokens: 200,
      tools: [{ name: 'get_weather', input_schema: WEATHER_SCHEMA }],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '21C' }] }] },
      ],
    },
    {
      model,
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            { type: 'text', text: 'What is in these images?' },
          ],
        },
      ],
    },
    {
      model,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'Think first.' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm.', signature: 'sig' }, { type: 'text', text: 'Done.' }] },
        { role: 'user', content: 'Again.' },
      ],
    },
    { model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Stream a haiku' }] },
  ];
}

// ---------- mutations ----------

const LONG = 'x'.repeat(100_000);
const ODD_STRINGS = ['', ' ', 'NaN', 'Infinity', '-1', '1e308', '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\u202eevil', '\ufeff', '𝔘𝔫𝔦😀', '<|endoftext|>', '{"json":"in a string"}', '\\', '"', LONG];
const ODD_NUMBERS = [0, -1, 1.5, -0.5, 1e308, -1e308, 2 ** 53 + 1, 4294967296, 1e-320, 99999999999999999999];

function oddValue(rng: Rng): Json {
  switch (rng.int(7)) {
    case 0:
      return null;
    case 1:
      return rng.pick(ODD_NUMBERS);
    case 2:
      return rng.chance(0.5);
    case 3:
      return rng.pick(ODD_STRINGS);
    case 4:
      return rng.pick<Json>([[], [null], [1, 'a', {}], [[[]]]]);
    case 5:
      return rng.pick<Json>([{}, { type: 'mystery' }, { '': null }, { __proto__x: 1, constructor: 'x' }]);
    default:
      return rng.pick<Json>([{ type: 'unknown_part', data: 1 }, { type: 'text' }, { type: 'image_url' }, { type: 'image', source: { type: 'base64' } }, { type: 'tool_use' }]);
  }
}

function nest(value: Json, depth: number, asArray: boolean, wrap: (inner: Json) => Json = (inner) => (asArray ? [inner] : { a: inner })): Json {
  let out = value;
  for (let i = 0; i < depth; i++) out = wrap(out);
  return out;
}

const MUTATIONS: Array<(body: Record<string, Json>, rng: Rng) => void> = [
  // replace any value with another JSON type
  (body, rng) => {
    const slot = rng.pick(slots(body));
    (slot.parent as Record<string, Json>)[slot.key] = oddValue(rng);
  },
  // delete a field (or array item)
  (body, rng) => {
    const slot = rng.pick(slots(body));
    if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
    else delete slot.parent[slot.key];
  },
  // duplicate an array's items, or copy a value into a new key
  (body, rng) => {
    const slot = rng.pick(slots(body));
    const value = (slot.parent as Record<string, Json>)[slot.key];
    if (Array.isArray(value)) value.push(...structuredClone(value));
    else (slot.parent as Record<string, Json>)[`${slot.key}_copy`] = structuredClone(value);
  },
  // nest a value a few levels deeper
  (body, rng) => {
    const slot = rng.pick(slots(body));
    const parent = slot.parent as Record<string, Json>;
    parent[slot.key] = nest(parent[slot.key], 1 + rng.int(6), rng.chance(0.5));
  },
  // top-level field set to an odd value (including unknown fields)
  (body, rng) => {
    const field = rng.pick(['model', 'messages', 'stream', 'max_tokens', 'max_completion_tokens', 'tools', 'tool_choice', 'system', 'stop', 'stop_sequences', 'n', 'temperature', 'response_format', 'thinking', 'stream_options', 'metadata', 'logprobs', 'top_logprobs', 'reasoning_effort', 'mystery_field']);
    body[field] = oddValue(rng);
  },
  // a message of an odd role or shape
  (body, rng) => {
    if (!Array.isArray(body.messages)) return;
    const message = rng.pick<Json>([
      { role: rng.pick(['user', 'assistant', 'system', 'tool', 'developer', 'function', 'robot', '']), content: oddValue(rng) },
      { role: 'user', content: [oddValue(rng)] },
      { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: oddValue(rng), arguments: rng.pick<Json>(['{', '[]', 'null', '{"a":1}', 7]) } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: oddValue(rng), content: oddValue(rng) }] },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: rng.pick(['data:', 'data:image/png;base64,@@@', 'data:;base64,', 'ftp://x', 'not a url', `data:image/png;base64,${'A'.repeat(200_000)}`]) } }] },
      { role: 'user', content: [{ type: 'image', source: { type: rng.pick(['base64', 'url', 'file', 'x']), media_type: oddValue(rng), data: oddValue(rng), url: oddValue(rng) } }] },
    ]);
    body.messages.splice(rng.int(body.messages.length + 1), 0, message);
  },
  // a JSON schema (tool parameters, response_format) with odd or extreme keywords
  (body, rng) => {
    const schemas = slots(body).filter((slot) => ['parameters', 'input_schema', 'schema', 'properties', 'items'].includes(String(slot.key)));
    if (schemas.length === 0) return;
    const slot = rng.pick(schemas);
    const parent = slot.parent as Record<string, Json>;
    const keyword = rng.pick(['minLength', 'maxLength', 'minItems', 'maxItems', 'minimum', 'maximum', 'exclusiveMinimum', 'type', 'required', 'enum', 'items', 'properties', 'anyOf', 'allOf', '$ref', 'default', 'format']);
    const value: Json = rng.chance(0.5) ? rng.pick<Json>([1e308, 1e9, 2 ** 31, -1, 1.5, 'x', null, [], {}]) : oddValue(rng);
    const schema = parent[slot.key];
    if (schema !== null && typeof schema === 'object' && !Array.isArray(schema)) schema[keyword] = value;
    else parent[slot.key] = { type: rng.pick(['string', 'array', 'object', 'integer']), [keyword]: value };
  },
  // stream flipped
  (body) => {
    body.stream = body.stream !== true;
  },
];

// ---------- raw-body and whole-request cases ----------

interface Case {
  label: string;
  path: string;
  method?: string;
  body?: Buffer | string;
  headers?: Record<string, string | undefined>;
  /** The key to call with (default the master key). */
  key?: string;
}

function routeDialect(path: string): Dialect {
  return path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

function rawCases(): Case[] {
  const chat = '/v1/chat/completions';
  const messages = '/v1/messages';
  const count = '/v1/messages/count_tokens';
  const valid = (dialect: Dialect, model: string): Record<string, Json> => (dialect === 'openai' ? openaiBodies(model)[0] : anthropicBodies(model)[0]);
  const cases: Case[] = [];
  for (const path of [chat, messages, count, '/v1/feedback']) {
    const dialect = routeDialect(path);
    const good = JSON.stringify(valid(dialect, 'sim'));
    cases.push(
      { label: 'empty body', path, body: '' },
      { label: 'whitespace body', path, body: ' \n\t ' },
      { label: 'no body, no content type', path, headers: { 'content-type': undefined } },
      { label: 'truncated JSON', path, body: good.slice(0, Math.floor(good.length / 2)) },
      { label: 'JSON array body', path, body: '[1,2,3]' },
      { label: 'JSON string body', path, body: '"hello"' },
      { label: 'JSON number body', path, body: '42' },
      { label: 'JSON null body', path, body: 'null' },
      { label: 'text/plain content type', path, body: good, headers: { 'content-type': 'text/plain' } },
      { label: 'form content type', path, body: good, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { label: 'bogus content type', path, body: good, headers: { 'content-type': ';;;/' } },
      { label: 'invalid UTF-8 bytes', path, body: Buffer.concat([Buffer.from(good.slice(0, -3)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}')]) },
      { label: 'invalid UTF-8 inside a string', path, body: Buffer.concat([Buffer.from(good.split('Hello')[0]), Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf8]), Buffer.from(good.split('Hello')[1])]) },
      { label: 'NUL byte outside strings', path, body: `${good.slice(0, 1)}\u0000${good.slice(1)}` },
      { label: '10,000 nested arrays', path, body: `${'['.repeat(10_000)}${']'.repeat(10_000)}` },
      { label: '10,000 nested objects in a field', path, body: `{"model":"sim","max_tokens":5,"messages":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}` },
      { label: 'unbalanced nesting', path, body: `${'['.repeat(5000)}` },
      { label: 'closing brackets first', path, body: `${']'.repeat(5000)}${'['.repeat(100)}` },
      { label: 'lone surrogates and RTL', path, body: good.replace('Hello there', '\\ud800\\udc00\\udfff\\ud800 \\u202e\\u0000 x') },
      { label: 'duplicate keys', path, body: `{"model":"sim","model":1,${good.slice(1)}` },
      { label: 'GET on a POST route', path, method: 'GET' },
      { label: 'no key', path, body: good, headers: { authorization: undefined } },
      { label: 'malformed authorization', path, body: good, headers: { authorization: 'Bearer' } },
      { label: 'team key', path, body: good, key: 'team' },
    );
  }
  cases.push(
    { label: 'models', path: '/v1/models', method: 'GET' },
    { label: 'models (anthropic)', path: '/v1/models', method: 'GET', headers: { 'anthropic-version': '2023-06-01' } },
    { label: 'models with a body', path: '/v1/models', method: 'GET', body: '{', headers: { 'content-type': 'application/json', 'content-length': '1' } },
    { label: 'models POST', path: '/v1/models', method: 'POST', body: '{}' },
    { label: 'chat with a query string', path: `${chat}?x=1&x=2`, body: JSON.stringify(valid('openai', 'sim')) },
    { label: 'messages with a query string', path: `${messages}?beta=true`, body: JSON.stringify(valid('anthropic', 'sim')) },
    { label: 'bad quality header', path: chat, body: JSON.stringify(valid('openai', 'sim')), headers: { 'x-switchyard-quality': 'NaN' } },
    // A client's schema asking for huge samples from the simulated model (a 500, an out-of-memory crash, a stall before the fix).
    ...[1e308, 1e8].map((minItems): Case => ({
      label: `tool schema with minItems ${minItems}`,
      path: chat,
      body: JSON.stringify({ model: 'sim', tool_choice: 'required', tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'array', minItems } }, required: ['a'] } } }], messages: [{ role: 'user', content: 'x' }] }),
    })),
    {
      label: 'tool schema with minLength 1e9 (anthropic, stream)',
      path: messages,
      body: JSON.stringify({ model: 'sim', max_tokens: 50, stream: true, tools: [{ name: 'f', input_schema: { type: 'object', properties: { s: { type: 'string', minLength: 1e9 } } } }], messages: [{ role: 'user', content: 'call f' }] }),
    },
    {
      label: 'response_format json_schema nesting arrays of 1000 items',
      path: chat,
      body: JSON.stringify({ model: 'sim', response_format: { type: 'json_schema', json_schema: { name: 'n', schema: nest({ type: 'string' }, 6, false, (inner) => ({ type: 'array', minItems: 1000, items: inner })) } }, messages: [{ role: 'user', content: 'x' }] }),
    },
    { label: 'feedback: bad score', path: '/v1/feedback', body: JSON.stringify({ request_id: 'req_x', score: 1e308 }), key: 'team' },
    { label: 'feedback: unknown request', path: '/v1/feedback', body: JSON.stringify({ request_id: 'req_x', score: 0.5 }), key: 'team' },
    { label: 'feedback: request_id object', path: '/v1/feedback', body: JSON.stringify({ request_id: { a: 1 }, score: 0.5 }), key: 'team' },
  );
  return cases;
}

/** Big bodies: many messages, a big image, many tools with big schemas (each once per dialect). */
function bigCases(): Case[] {
  const cases: Case[] = [];
  const manyOpenAI = Array.from({ length: 100_000 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: 'hi' }));
  const manyAnthropic = Array.from({ length: 100_000 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: 'hi' }));
  const bigImage = `data:image/png;base64,${'A'.repeat(8 * 1024 * 1024)}`;
  const bigSchema = { type: 'object', properties: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field_${i}`, { type: 'string', description: `Field number ${i} `.repeat(10) }])) };
  const openaiTools = Array.from({ length: 64 }, (_, i) => ({ type: 'function', function: { name: `tool_${i}`, description: 'A tool. '.repeat(20), parameters: bigSchema } }));
  const anthropicTools = Array.from({ length: 64 }, (_, i) => ({ name: `tool_${i}`, description: 'A tool. '.repeat(20), input_schema: bigSchema }));
  // Each path once where it is costly (the simulated model, passthrough, translation), every model where it is cheap.
  cases.push(
    { label: '100k messages (openai, sim)', path: '/v1/chat/completions', body: JSON.stringify({ model: 'sim', messages: manyOpenAI }) },
    { label: '100k messages (anthropic → anthropic)', path: '/v1/messages', body: JSON.stringify({ model: 'claude', max_tokens: 16, messages: [...manyAnthropic, { role: 'user', content: 'hi' }] }) },
    { label: '100k messages (anthropic → openai, stream)', path: '/v1/messages', body: JSON.stringify({ model: 'gpt', max_tokens: 16, stream: true, messages: [...manyAnthropic, { role: 'user', content: 'hi' }] }) },
    { label: '8 MB image data URL (openai, sim)', path: '/v1/chat/completions', body: JSON.stringify({ model: 'sim', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: bigImage } }] }] }) },
    { label: '8 MB image data URL (openai → bedrock)', path: '/v1/chat/completions', body: JSON.stringify({ model: 'bedrock-claude', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: bigImage } }] }] }) },
  );
  for (const model of MODELS) {
    cases.push(
      { label: `many big tools (openai, ${model}, stream)`, path: '/v1/chat/completions', body: JSON.stringify({ model, stream: true, tools: openaiTools, messages: [{ role: 'user', content: 'use a tool' }] }) },
      { label: `many big tools (anthropic, ${model})`, path: '/v1/messages', body: JSON.stringify({ model, max_tokens: 4096, tools: anthropicTools, messages: [{ role: 'user', content: 'use a tool' }] }) },
    );
  }
  cases.push(
    { label: '100k messages (count_tokens)', path: '/v1/messages/count_tokens', body: JSON.stringify({ model: 'sim', messages: manyAnthropic }) },
    { label: '1 MB run of one character (count_tokens)', path: '/v1/messages/count_tokens', body: JSON.stringify({ model: 'sim', messages: [{ role: 'user', content: 'a'.repeat(1024 * 1024) }] }) },
    { label: 'body over the limit', path: '/v1/chat/completions', body: Buffer.alloc(21 * 1024 * 1024, 0x20) },
  );
  return cases;
}

function fuzzCases(seed: number, count: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const path = rng.pick(['/v1/chat/completions', '/v1/chat/completions', '/v1/messages', '/v1/messages', '/v1/messages/count_tokens']);
    const dialect = routeDialect(path);
    const model = rng.pick(MODELS);
    const body = structuredClone(rng.pick(dialect === 'openai' ? openaiBodies(model) : anthropicBodies(model)));
    if (rng.chance(0.35)) body.stream = true;
    const mutations = 1 + rng.int(3);
    for (let m = 0; m < mutations; m++) rng.pick(MUTATIONS)(body, rng);
    let text = JSON.stringify(body);
    // Occasionally damage the raw text: a cut, or a stray byte.
    if (rng.chance(0.05)) text = text.slice(0, rng.int(text.length));
    cases.push({ label: `fuzz #${i} seed ${seed}`, path, body: text, key: rng.chance(0.2) ? 'team' : undefined });
  }
  return cases;
}

// ---------- sending and checking ----------

function send(c: Omit<Case, 'label'>): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${c.key === 'team' ? teamKey : TEST_KEY}` };
  for (const [name, value] of Object.entries(c.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  if (c.path.startsWith('/v1/messages') && headers['anthropic-version'] === undefined && c.headers?.['anthropic-version'] === undefined) headers['anthropic-version'] = '2023-06-01';
  const url = new URL(c.path, gateway.url);
  return sendWithDeadline(url, c.method ?? 'POST', headers, c.body, REQUEST_TIMEOUT_MS);
}

/** What is wrong with an answer (undefined when nothing is). */
function problemWith(c: Case, answer: Answer): string | undefined {
  const dialect = c.headers?.['anthropic-version'] !== undefined || c.path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
  if (answer.status >= 500) return `status ${answer.status}: ${answer.text.slice(0, 300)}`;
  const contentType = String(answer.headers['content-type'] ?? '');
  if (answer.status >= 400) {
    let json: any;
    try {
      json = JSON.parse(answer.text);
    } catch {
      return `status ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`;
    }
    const ok =
      dialect === 'openai'
        ? typeof json?.error?.message === 'string' && json.error.message !== '' && typeof json.error.type === 'string'
        : json?.type === 'error' && typeof json.error?.type === 'string' && typeof json.error?.message === 'string' && json.error.message !== '';
    return ok ? undefined : `status ${answer.status}: not the ${dialect} error shape: ${answer.text.slice(0, 300)}`;
  }
  if (contentType.startsWith('text/event-stream')) {
    // In-stream failures must be the client's fault or an upstream's, never the gateway's own.
    if (/"type":"(api_error|server_error)"/.test(answer.text) && !/SWY_ERR_UPSTREAM/.test(answer.text)) return `stream with a server error: ${answer.text.slice(-300)}`;
    return undefined;
  }
  try {
    JSON.parse(answer.text);
  } catch {
    return `status ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`;
  }
  return undefined;
}

async function runCases(cases: Case[]): Promise<string[]> {
  const problems: string[] = [];
  for (const c of cases) {
    const startedAt = performance.now();
    let answer: Answer;
    try {
      answer = await send(c);
    } catch (error) {
      problems.push(`${c.label} ${c.path}: ${(error as Error).message}`);
      continue;
    }
    if (process.env.FUZZ_LOG) console.log(`${Math.round(performance.now() - startedAt)} ms ${c.label} ${c.path} -> ${answer.status} ${answer.text.slice(0, 160).replace(/\n/g, ' ')}`);
    const problem = problemWith(c, answer);
    if (problem) problems.push(`${c.label} ${c.path}: ${problem} [body: ${String(c.body ?? '').slice(0, 300)}]`);
  }
  return problems;
}

async function stillServes(): Promise<void> {
  const openai = await send({ path: '/v1/chat/completions', body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'still there?' }] }) });
  expect(openai.status, openai.text).toBe(200);
  expect(JSON.parse(openai.text).choices[0].message.content).toContain('still there?');
  const anthropic = await send({ path: '/v1/messages', body: JSON.stringify({ model: 'sim', max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'still there?' }] }) });
  expect(anthropic.status, anthropic.text).toBe(200);
  expect(anthropic.text).toContain('event: message_stop');
}

describe('request fuzzing', () => {
  it('answers malformed raw bodies and odd requests in the route dialect, without a 5xx', async () => {
    expect(await runCases(rawCases())).toEqual([]);
    await stillServes();
  });

  it('answers big bodies (100k messages, an 8 MB image, many big tools) without a 5xx or a hang', async () => {
    expect(await runCases(bigCases())).toEqual([]);
    await stillServes();
  }, 60_000);

  it(`answers ${ITERATIONS} seeded mutations of valid requests without a 5xx, in the route dialect`, async () => {
    expect(await runCases(fuzzCases(SEED, ITERATIONS))).toEqual([]);
    await stillServes();
  }, 120_000);
});
