import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-upstreams/anthropic-mock.js';
import { startBedrockMock, type BedrockMock } from '../mock-upstreams/bedrock-mock.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-upstreams/openai-mock.js';
import { postJson, startTestGateway } from '../helpers/start-test-gateway.js';

/**
 * The attempt loop end to end: every fault a real upstream shows, before the first content part, is
 * absorbed by a healthy fallback in another provider family (the client sees no failure); after the
 * first content part the client gets its dialect's in-stream error and the attempt is billed.
 */

const BEDROCK_KEY = 'bedrock-api-key-for-tests-0123';

/** Faults that happen before any content, per family: [name, upstream model behaviour]. */
const PRE_CONTENT: Record<'openai' | 'anthropic' | 'bedrock', Array<[string, string]>> = {
  openai: [
    ['429 with retry-after', 'error:429'],
    ['500', 'error:500'],
    ['503', 'error:503'],
    ['reset before headers', 'reset'],
    ['stall before the first byte', 'slow-headers'],
    ['stall before the first content', 'slow-body'],
    ['malformed body / SSE', 'malformed'],
  ],
  anthropic: [
    ['529 overloaded', 'error:529'],
    ['429', 'error:429'],
    ['500', 'error:500'],
    ['reset before headers', 'reset'],
    ['error event after message_start', 'error-after-start'],
    ['stall before the first byte', 'slow-headers'],
  ],
  bedrock: [
    ['ThrottlingException (HTTP)', 'error:ThrottlingException'],
    ['ServiceUnavailableException', 'error:ServiceUnavailableException'],
    ['throttling in-stream before content', 'exception-after-start:throttlingException'],
    ['event-stream frame with a bad CRC', 'bad-crc'],
  ],
};

/** Healthy fallback in another family for each faulty family. */
const FALLBACK = { openai: 'claude-ok', anthropic: 'gpt-ok', bedrock: 'gpt-ok' } as const;

let openai: OpenAIMock;
let anthropic: AnthropicMock;
let bedrock: BedrockMock;
let gateway: RunningGateway;

function slug(family: string, behaviour: string): string {
  return `${family}-${behaviour.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
}

beforeAll(async () => {
  // Stalls last far longer than the gateway's timeouts, which are generous for a loaded machine.
  openai = await startOpenAIMock({ delayMs: 15_000 });
  anthropic = await startAnthropicMock({ slowMs: 15_000 });
  bedrock = await startBedrockMock({ apiKey: BEDROCK_KEY, slowMs: 15_000 });
  const models: Array<Record<string, unknown>> = [
    { id: 'gpt-ok', provider: 'openai', upstreamModel: 'gpt-4o', pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
    { id: 'claude-ok', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5', pricing: { inputPerMTok: 3, outputPerMTok: 15 } },
  ];
  const routes: Record<string, unknown> = {};
  // One deployment per client dialect: an overload after content also puts its deployment in cooldown.
  for (const client of ['openai', 'anthropic']) {
    models.push(
      { id: `gpt-midstream-${client}`, provider: 'openai', upstreamModel: 'midstream-error', pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
      { id: `gpt-truncated-${client}`, provider: 'openai', upstreamModel: 'truncated', pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
      { id: `claude-midstream-${client}`, provider: 'anthropic', upstreamModel: 'midstream-error', pricing: { inputPerMTok: 3, outputPerMTok: 15 } },
    );
    routes[`after-content-openai-${client}`] = { candidates: [`gpt-midstream-${client}`], fallbacks: ['claude-ok'], retries: { attempts: 0 } };
    routes[`after-content-openai-truncated-${client}`] = { candidates: [`gpt-truncated-${client}`], fallbacks: ['claude-ok'], retries: { attempts: 0 } };
    routes[`after-content-anthropic-${client}`] = { candidates: [`claude-midstream-${client}`], fallbacks: ['gpt-ok'], retries: { attempts: 0 } };
  }
  for (const [family, faults] of Object.entries(PRE_CONTENT) as Array<[keyof typeof PRE_CONTENT, Array<[string, string]>]>) {
    for (const [, behaviour] of faults) {
      const id = slug(family, behaviour);
      models.push({ id, provider: family, upstreamModel: behaviour, pricing: { inputPerMTok: 1, outputPerMTok: 2 } });
      routes[`r-${id}`] = { candidates: [id], fallbacks: [FALLBACK[family]], retries: { attempts: 0 } };
    }
  }
  gateway = await startTestGateway({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-test-openai-key', baseUrl: openai.url },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-test-key', baseUrl: anthropic.url },
      bedrock: { type: 'bedrock', region: 'us-east-1', apiKey: BEDROCK_KEY, baseUrl: bedrock.url },
    },
    models,
    routes,
    timeouts: { connectMs: 5000, firstByteMs: 1500, idleMs: 1500, totalMs: 30000 },
    // Every request here falls over once on purpose: the budget must not be what is tested.
    routing: { retryBudget: { ratio: 2, floor: 1000 } },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([openai?.close(), anthropic?.close(), bedrock?.close()]);
});

async function call(client: 'openai' | 'anthropic', model: string, stream: boolean) {
  if (client === 'openai') {
    return postJson(`${gateway.url}/v1/chat/completions`, { model, stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'ping' }] });
  }
  return postJson(`${gateway.url}/v1/messages`, { model, stream, max_tokens: 64, messages: [{ role: 'user', content: 'ping' }] });
}

async function ledgerRows(requestId: string) {
  await gateway.ledger.flush();
  return gateway.store.db.selectFrom('usage_ledger').selectAll().where('request_id', '=', requestId).orderBy('attempt').execute();
}

describe('a fault before the first content part is absorbed by the fallback', () => {
  for (const [family, faults] of Object.entries(PRE_CONTENT) as Array<[keyof typeof PRE_CONTENT, Array<[string, string]>]>) {
    for (const [name, behaviour] of faults) {
      for (const client of ['openai', 'anthropic'] as const) {
        for (const stream of [false, true]) {
          it(`${family} ${name} → ${FALLBACK[family]} (${client} client, ${stream ? 'stream' : 'non-stream'})`, async () => {
            const route = `r-${slug(family, behaviour)}`;
            const res = await call(client, route, stream);
            expect(res.status, res.text.slice(0, 300)).toBe(200);
            expect(res.headers.get('x-switchyard-model')).toBe(FALLBACK[family]);
            expect(res.headers.get('x-switchyard-route')).toBe(route);
            // The failed attempt is listed; once a 429/overload put the deployment in cooldown, later requests skip it.
            expect(res.headers.get('x-switchyard-attempts')).toMatch(new RegExp(`^(2; 1=${family}/|1; skipped=${family}/)`));
            if (stream) {
              expect(res.text).not.toMatch(/"error"|event: error/);
              expect(res.text).toMatch(client === 'openai' ? /data: \[DONE\]/ : /event: message_stop/);
            } else {
              expect(client === 'openai' ? res.json.choices[0].message.content : res.json.content[0].text).toMatch(/Echo/);
            }
            const rows = await ledgerRows(res.headers.get('x-switchyard-request-id')!);
            const final = rows.find((r) => r.model === FALLBACK[family])!;
            expect(final).toMatchObject({ status: 200, route, error_code: null });
            expect(final.attempt).toBe(final.attempts);
            expect(final.output_tokens).toBeGreaterThan(0);
          }, 30_000);
        }
      }
    }
  }
});

describe('a fault after the first content part', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['after-content-openai', 'OpenAI in-stream error', /server had an error|SWY_ERR_UPSTREAM/i],
    ['after-content-openai-truncated', 'OpenAI truncated stream', /ended before/i],
    ['after-content-anthropic', 'Anthropic in-stream overloaded', /overloaded/i],
  ];
  for (const [route, name, message] of cases) {
    for (const client of ['openai', 'anthropic'] as const) {
      it(`${name}: the ${client} client gets its dialect's in-stream error and the attempt is billed`, async () => {
        const res = await call(client, `${route}-${client}`, true);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-switchyard-attempts')).toBe('1');
        if (client === 'openai') {
          const last = res.text.trim().split('\n\n').at(-1)!;
          expect(JSON.parse(last.slice('data: '.length)).error.message).toMatch(message);
          expect(res.text).not.toContain('[DONE]');
        } else {
          expect(res.text).toMatch(/event: error\ndata: /);
          expect(res.text).not.toContain('message_stop');
        }
        const rows = await ledgerRows(res.headers.get('x-switchyard-request-id')!);
        expect(rows).toHaveLength(1);
        expect(rows[0].error_code).toMatch(/^SWY_ERR_UPSTREAM/);
        expect(rows[0].output_tokens).toBeGreaterThan(0);
        expect(rows[0].input_tokens).toBeGreaterThan(0);
        expect(rows[0].cost_nanos).toBeGreaterThan(0);
      }, 30_000);
    }
  }
});
