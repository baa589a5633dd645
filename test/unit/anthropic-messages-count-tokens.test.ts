import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
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
