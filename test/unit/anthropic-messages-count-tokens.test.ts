import Fastify from 'fastify';
import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { registerCountTokensRoute } from '../../src/server/routes/count-tokens.js';
import {
  IMAGE_TOKEN_ESTIMATE,
  MESSAGE_OVERHEAD_TOKENS,
  TOOL_USE_SYSTEM_PROMPT_TOKENS,
  countTokensEstimate,
  decodeCountTokensRequest,
} from '../../src/dialects/anthropic-messages/count-tokens.js';

const tokens = (text: string) => encode(text).length;

describe('countTokensEstimate', () => {
  it('counts system and message text plus a per-message overhead', () => {
    const request = decodeCountTokensRequest({
      model: 'm',
      system: 'You are a terse assistant.',
      messages: [
        { role: 'user', content: 'What is the capital of France?' },
        { role: 'assistant', content: 'Paris.' },
      ],
    });
    expect(countTokensEstimate(request)).toBe(
      tokens('You are a terse assistant.') + tokens('What is the capital of France?') + tokens('Paris.') + 2 * MESSAGE_OVERHEAD_TOKENS,
    );
  });

  it('counts images, tool calls, tool results and tool definitions; skips reasoning', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const request = decodeCountTokensRequest({
      model: 'm',
      tools: [{ name: 'get_weather', description: 'Current weather', input_schema: schema }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/p.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'A long chain of thought that is not counted.', signature: 's' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [
                { type: 'text', text: 'Sunny, 21C' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
              ],
            },
          ],
        },
      ],
    });
    const expected =
      3 * MESSAGE_OVERHEAD_TOKENS +
      tokens('Weather here?') +
      IMAGE_TOKEN_ESTIMATE +
      tokens('get_weather') +
      tokens('{"city":"Paris"}') +
      tokens('Sunny, 21C') +
      IMAGE_TOKEN_ESTIMATE +
      TOOL_USE_SYSTEM_PROMPT_TOKENS +
      tokens('get_weather') +
      tokens('Current weather') +
      tokens(JSON.stringify(schema));
    expect(countTokensEstimate(request)).toBe(expected);
  });

  it('grows with the input', () => {
    const short = decodeCountTokensRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const long = decodeCountTokensRequest({ model: 'm', messages: [{ role: 'user', content: 'hi '.repeat(500) }] });
    expect(countTokensEstimate(long)).toBeGreaterThan(countTokensEstimate(short) + 400);
  });
});

/** CPU milliseconds (user + system) the process spent running `run`; a busy machine does not inflate it. */
function cpuMsOf(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

// Issue 6, item A: a long run without spaces used to cost quadratic time (80 KB ~35 s, 1 MB > 10 minutes).
// The bounds are generous on purpose: they only catch a super-linear estimate.
describe('count_tokens on a prompt without spaces', () => {
  const ONE_MB = 1024 * 1024;

  it('estimates a ~1 MB no-space prompt promptly, with a plausible count', () => {
    const request = decodeCountTokensRequest({ model: 'm', system: 'x'.repeat(ONE_MB), messages: [{ role: 'user', content: 'a'.repeat(ONE_MB) }] });
    let total = 0;
    expect(cpuMsOf(() => (total = countTokensEstimate(request)))).toBeLessThan(30_000);
    expect(total).toBeGreaterThan((2 * ONE_MB) / 8);
    expect(total).toBeLessThan(2 * ONE_MB);
  }, 120_000);

  it('answers POST /v1/messages/count_tokens for a ~1 MB no-space prompt with a positive count', async () => {
    const config = resolveConfig(
      parseConfig({ providers: { simulated: { type: 'simulated' } }, models: [{ id: 'sim-small', provider: 'simulated' }] }, {}),
      {},
    );
    const app = Fastify({ bodyLimit: 4 * ONE_MB });
    registerCountTokensRoute(app, config);
    try {
      const before = process.cpuUsage();
      const response = await app.inject({
        method: 'POST',
        url: '/v1/messages/count_tokens',
        payload: { model: 'sim-small', messages: [{ role: 'user', content: '中'.repeat(ONE_MB / 3) + 'z'.repeat(ONE_MB) }] },
      });
      const used = process.cpuUsage(before);
      expect(response.statusCode).toBe(200);
      const inputTokens = (response.json() as { input_tokens: number }).input_tokens;
      expect(inputTokens).toBeGreaterThan(ONE_MB / 8);
      expect((used.user + used.system) / 1000).toBeLessThan(30_000);
    } finally {
      await app.close();
    }
  }, 120_000);
});
