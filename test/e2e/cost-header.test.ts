/**
 * x-switchyard-cost-usd against the ledger, with catalog prices (no model here has `pricing` in its
 * configuration): the header of a complete answer and the trailer of a stream equal the sum of the
 * request's cost_nanos rows, and equal the price computed by hand from the usage the client saw. A
 * stream cut by the client is billed on an estimate, not at $0.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { postJson, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';

let openai: OpenAIMock;
let anthropic: AnthropicMock;
let gateway: RunningGateway;

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startOpenAIMock({ delayMs: 30_000 }), startAnthropicMock({ slowMs: 30_000 })]);
  gateway = await startTestGateway({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-openai-test', baseUrl: openai.url },
      // The same mock, told by a configured header to stall, so a catalog-priced model id can still stall.
      'openai-stalls': { type: 'openai', apiKey: 'sk-openai-test', baseUrl: openai.url, headers: { 'x-mock-behaviour': 'stall-after-content' } },
      'openai-slow': { type: 'openai', apiKey: 'sk-openai-test', baseUrl: openai.url, headers: { 'x-mock-behaviour': 'slow-body' } },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-test', baseUrl: anthropic.url },
    },
    models: [
      { id: 'mini', provider: 'openai', upstreamModel: 'gpt-4o-mini' },
      { id: 'mini-stalls', provider: 'openai-stalls', upstreamModel: 'gpt-4o-mini' },
      { id: 'mini-slow', provider: 'openai-slow', upstreamModel: 'gpt-4o-mini' },
      { id: 'sonnet', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5-20250929' },
    ],
    routes: { hedged: { candidates: ['mini-slow', 'sonnet'], hedge: { delayMs: 150 }, retries: { attempts: 0 } } },
  });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([openai?.close(), anthropic?.close()]);
});

// Catalog prices in nano-dollars per token ($P per MTok = P·1000): gpt-4o-mini $0.15 / $0.60;
// claude-sonnet-4-5 $3 input, $0.30 cache read, $6 one-hour cache write, $15 output.
const MINI = { input: 150, output: 600 };
const SONNET = { input: 3000, cacheRead: 300, cacheWrite1h: 6000, output: 15_000 };

const usd = (nanos: number) => `${Math.floor(nanos / 1e9)}.${String(nanos % 1e9).padStart(9, '0')}`;

async function ledgerRows(requestId: string) {
  let rows: Array<Record<string, any>> = [];
  for (let i = 0; i < 50; i++) {
    await gateway.ledger.flush();
    rows = await gateway.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', requestId).orderBy('attempt').execute();
    if (rows.length > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return rows;
}

const totalCost = (rows: Array<Record<string, any>>) => rows.reduce((sum, row) => sum + Number(row.cost_nanos), 0);

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  trailers: NodeJS.Dict<string>;
  text: string;
}

/** A POST over node:http, which exposes HTTP trailers (fetch does not). */
function postRaw(path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const url = new URL(`${gateway.url}${path}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}`, ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const anthropicHeaders = { authorization: '', 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01' };

describe('complete answers carry the cost in a header', () => {
  it('OpenAI passthrough: header = ledger cost_nanos = usage × catalog price', async () => {
    const res = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'mini', messages: [{ role: 'user', content: 'what does this cost?' }] });
    expect(res.status).toBe(200);
    const { prompt_tokens, completion_tokens } = res.json.usage as { prompt_tokens: number; completion_tokens: number };
    const expected = prompt_tokens * MINI.input + completion_tokens * MINI.output;
    expect(expected).toBeGreaterThan(0);
    expect(res.headers.get('x-switchyard-cost-usd')).toBe(usd(expected));
    const rows = await ledgerRows(res.headers.get('x-switchyard-request-id')!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ cost_nanos: expected, usage_source: 'reported' });
  });

  it('Anthropic passthrough with a one-hour cache write, then a cache read: each priced at its own rate', async () => {
    const body = {
      model: 'sonnet',
      max_tokens: 64,
      system: [{ type: 'text', text: 'You are a careful accountant. '.repeat(40), cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: 'price me' }],
    };
    const first = await postJson(`${gateway.url}/v1/messages`, body, anthropicHeaders);
    expect(first.status).toBe(200);
    const written = first.json.usage;
    expect(written.cache_creation).toMatchObject({ ephemeral_1h_input_tokens: written.cache_creation_input_tokens });
    expect(written.cache_creation_input_tokens).toBeGreaterThan(0);
    const firstCost = written.input_tokens * SONNET.input + written.cache_creation_input_tokens * SONNET.cacheWrite1h + written.output_tokens * SONNET.output;
    expect(first.headers.get('x-switchyard-cost-usd')).toBe(usd(firstCost));
    expect(totalCost(await ledgerRows(first.headers.get('x-switchyard-request-id')!))).toBe(firstCost);

    const second = await postJson(`${gateway.url}/v1/messages`, body, anthropicHeaders);
    const read = second.json.usage;
    expect(read.cache_read_input_tokens).toBe(written.cache_creation_input_tokens);
    const secondCost = read.input_tokens * SONNET.input + read.cache_read_input_tokens * SONNET.cacheRead + read.output_tokens * SONNET.output;
    expect(second.headers.get('x-switchyard-cost-usd')).toBe(usd(secondCost));
    expect(totalCost(await ledgerRows(second.headers.get('x-switchyard-request-id')!))).toBe(secondCost);
  });
});

describe('streams carry it in a trailer', () => {
  it('OpenAI stream: Trailer declared, trailer = ledger cost = usage × catalog price', async () => {
    const res = await postRaw('/v1/chat/completions', { model: 'mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream the bill' }] });
    expect(res.status).toBe(200);
    expect(res.headers.trailer).toBe('x-switchyard-cost-usd');
    expect(res.headers['x-switchyard-cost-usd']).toBeUndefined();
    const usage = res.text
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice('data: '.length)))
      .find((chunk) => chunk.usage)?.usage as { prompt_tokens: number; completion_tokens: number };
    const expected = usage.prompt_tokens * MINI.input + usage.completion_tokens * MINI.output;
    expect(res.trailers['x-switchyard-cost-usd']).toBe(usd(expected));
    const rows = await ledgerRows(String(res.headers['x-switchyard-request-id']));
    expect(rows[0]).toMatchObject({ cost_nanos: expected, usage_source: 'reported', stream: 1 });
  });

  it('Anthropic passthrough stream: trailer = ledger cost', async () => {
    const res = await postRaw('/v1/messages', { model: 'sonnet', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'stream me a bill' }] }, anthropicHeaders);
    expect(res.status).toBe(200);
    expect(res.text).toContain('event: message_stop');
    const rows = await ledgerRows(String(res.headers['x-switchyard-request-id']));
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].cost_nanos)).toBeGreaterThan(0);
    expect(rows[0].cost_nanos).toBe(rows[0].input_tokens * SONNET.input + rows[0].output_tokens * SONNET.output);
    expect(res.trailers['x-switchyard-cost-usd']).toBe(usd(Number(rows[0].cost_nanos)));
  });

  it('translated stream (OpenAI client → Anthropic): trailer = ledger cost', async () => {
    const res = await postRaw('/v1/chat/completions', { model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'translate the bill' }] });
    expect(res.status).toBe(200);
    const rows = await ledgerRows(String(res.headers['x-switchyard-request-id']));
    expect(Number(rows[0].cost_nanos)).toBeGreaterThan(0);
    expect(res.trailers['x-switchyard-cost-usd']).toBe(usd(Number(rows[0].cost_nanos)));
  });

  it('a hedged stream: the trailer is the sum of both billed attempts (the loser had answered 200), as on the ledger', async () => {
    const res = await postRaw('/v1/chat/completions', { model: 'hedged', stream: true, messages: [{ role: 'user', content: 'race' }] });
    expect(res.status).toBe(200);
    expect(res.headers['x-switchyard-model']).toBe('sonnet');
    const rows = await ledgerRows(String(res.headers['x-switchyard-request-id']));
    expect(rows.map((row) => [row.model, row.usage_source])).toEqual([
      ['mini-slow', 'estimated'],
      ['sonnet', 'reported'],
    ]);
    expect(Number(rows[0].cost_nanos)).toBeGreaterThan(0);
    expect(res.trailers['x-switchyard-cost-usd']).toBe(usd(totalCost(rows)));
  }, 20_000);
});

describe('a stream cut by the client', () => {
  it('is billed on an estimate at the catalog price, not $0', async () => {
    const url = new URL(`${gateway.url}/v1/chat/completions`);
    const requestId = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' } },
        (res) => {
          res.on('data', (chunk: Buffer) => {
            // the first content delta arrived; the upstream now stalls and the client walks away
            if (chunk.toString('utf8').includes('"content"')) {
              resolve(String(res.headers['x-switchyard-request-id']));
              req.destroy();
            }
          });
        },
      );
      req.on('error', () => undefined);
      req.end(JSON.stringify({ model: 'mini-stalls', stream: true, messages: [{ role: 'user', content: 'Tell me a long story about invoices.' }] }));
      setTimeout(() => reject(new Error('no content arrived')), 10_000);
    });
    const rows = await ledgerRows(requestId);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({ error_code: 'SWY_ERR_CLIENT_CLOSED', usage_source: 'estimated', model: 'mini-stalls' });
    expect(row.input_tokens).toBeGreaterThan(0);
    expect(row.output_tokens).toBeGreaterThan(0);
    expect(Number(row.cost_nanos)).toBeGreaterThan(0);
    expect(row.cost_nanos).toBe(row.input_tokens * MINI.input + row.output_tokens * MINI.output);
  });
});
