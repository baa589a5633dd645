/**
 * Cost arithmetic against hand-computed cases, one per provider's usage shape, with catalog prices
 * (their values are checked against the fixture files in price-catalog.test.ts). Usage goes through
 * the adapters' own converters, so each case is the wire shape → Usage → nano-dollars.
 *
 * $P per million tokens = P·1000 nano-dollars per token.
 */
import { describe, expect, it } from 'vitest';
import { computeCostNanos, formatUsdNanos } from '../../src/metering/compute-cost.js';
import { lookupPrice } from '../../src/metering/price-catalog.js';
import { convertAnthropicUsage, readAnthropicUsageFields } from '../../src/providers/anthropic/convert-anthropic-usage.js';
import { convertBedrockUsage } from '../../src/providers/bedrock/convert-bedrock-usage.js';
import { convertOpenAIUsage } from '../../src/providers/openai/convert-openai-usage.js';

describe('OpenAI Chat Completions usage (cached and reasoning tokens inside the totals)', () => {
  // o4-mini: $1.10 input, $0.275 cached input, $4.40 output → 1,100 / 275 / 4,400 nano-dollars per token.
  const usage = convertOpenAIUsage({
    prompt_tokens: 2000,
    completion_tokens: 1000,
    total_tokens: 3000,
    prompt_tokens_details: { cached_tokens: 1500 },
    completion_tokens_details: { reasoning_tokens: 600 },
  });

  it('maps the details as subsets of the totals', () => {
    expect(usage).toEqual({ inputTokens: 2000, outputTokens: 1000, cacheReadTokens: 1500, reasoningTokens: 600 });
  });

  it('bills cached input at the cached price and reasoning once, inside the output', () => {
    const pricing = lookupPrice('openai', 'o4-mini');
    // 500 uncached × 1,100 + 1,500 cached × 275 + 400 output × 4,400 + 600 reasoning × 4,400
    // = 550,000 + 412,500 + 1,760,000 + 2,640,000 = 5,362,500 (adding reasoning on top would be 7,002,500)
    expect(computeCostNanos(usage, pricing)).toBe(5_362_500);
  });

  it('prices reasoning apart when the pricing says so', () => {
    // 550,000 + 412,500 + 400 × 4,400 + 600 × 9,000 = 550,000 + 412,500 + 1,760,000 + 5,400,000
    expect(computeCostNanos(usage, { inputPerMTok: 1.1, outputPerMTok: 4.4, cacheReadPerMTok: 0.275, reasoningPerMTok: 9 })).toBe(8_122_500);
  });

  it('bills OpenAI cache writes (prompt_tokens_details.cache_write_tokens) at the cache-write price', () => {
    const withWrites = convertOpenAIUsage({ prompt_tokens: 1000, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 200, cache_write_tokens: 300 } });
    // gpt-5.6-terra: $2.50 input, $0.25 cache read, $3.125 cache write, $15 output
    const pricing = lookupPrice('openai', 'gpt-5.6-terra');
    expect(pricing).toMatchObject({ inputPerMTok: 2.5, cacheReadPerMTok: 0.25, cacheWritePerMTok: 3.125, outputPerMTok: 15 });
    // 500 × 2,500 + 200 × 250 + 300 × 3,125 + 10 × 15,000 = 1,250,000 + 50,000 + 937,500 + 150,000
    expect(computeCostNanos(withWrites, pricing)).toBe(2_387_500);
  });
});

describe('Anthropic Messages usage (input excludes the cache; writes split by TTL)', () => {
  // claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 5-minute write, $6 one-hour write, $15 output.
  const raw = {
    input_tokens: 100,
    cache_read_input_tokens: 2000,
    cache_creation_input_tokens: 3000,
    cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
    output_tokens: 500,
  };

  it('maps to inclusive totals with the one-hour writes as a subset', () => {
    expect(convertAnthropicUsage(readAnthropicUsageFields(raw))).toEqual({
      inputTokens: 5100,
      outputTokens: 500,
      cacheReadTokens: 2000,
      cacheWriteTokens: 3000,
      cacheWrite1hTokens: 2000,
    });
  });

  it('bills cache reads, 5-minute and one-hour writes at their own prices', () => {
    const usage = convertAnthropicUsage(readAnthropicUsageFields(raw));
    // 100 × 3,000 + 2,000 × 300 + 1,000 × 3,750 + 2,000 × 6,000 + 500 × 15,000
    // = 300,000 + 600,000 + 3,750,000 + 12,000,000 + 7,500,000 = 24,150,000
    expect(computeCostNanos(usage, lookupPrice('anthropic', 'claude-sonnet-4-5-20250929'))).toBe(24_150_000);
  });

  it('stream usage: message_start then a cumulative message_delta give the same bill', () => {
    const start = readAnthropicUsageFields({ ...raw, output_tokens: 1 });
    const delta = readAnthropicUsageFields({ output_tokens: 500 });
    expect(computeCostNanos(convertAnthropicUsage({ ...start, ...delta }), lookupPrice('anthropic', 'claude-sonnet-4-5'))).toBe(24_150_000);
  });

  it('without a TTL split every write is a 5-minute write', () => {
    const usage = convertAnthropicUsage(readAnthropicUsageFields({ input_tokens: 100, cache_read_input_tokens: 2000, cache_creation_input_tokens: 3000, output_tokens: 500 }));
    expect(usage.cacheWrite1hTokens).toBeUndefined();
    // 300,000 + 600,000 + 3,000 × 3,750 + 7,500,000 = 19,650,000
    expect(computeCostNanos(usage, lookupPrice('anthropic', 'claude-sonnet-4-5'))).toBe(19_650_000);
  });
});

describe('Bedrock Converse usage (inputTokens excludes cache reads and writes)', () => {
  // us.anthropic.claude-sonnet-4-5 (regional): $3.30 input, $0.33 read, $4.125 write, $6.60 one-hour write, $16.50 output.
  const pricing = lookupPrice('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0');

  it('bills cache reads and writes', () => {
    const usage = convertBedrockUsage({ inputTokens: 200, outputTokens: 300, totalTokens: 2000, cacheReadInputTokens: 1000, cacheWriteInputTokens: 500 });
    expect(usage).toEqual({ inputTokens: 1700, outputTokens: 300, cacheReadTokens: 1000, cacheWriteTokens: 500 });
    // 200 × 3,300 + 1,000 × 330 + 500 × 4,125 + 300 × 16,500 = 660,000 + 330,000 + 2,062,500 + 4,950,000
    expect(computeCostNanos(usage, pricing)).toBe(8_002_500);
  });

  it('bills one-hour writes from cacheDetails at their price', () => {
    const usage = convertBedrockUsage({
      inputTokens: 200,
      outputTokens: 300,
      totalTokens: 2000,
      cacheReadInputTokens: 1000,
      cacheWriteInputTokens: 500,
      cacheDetails: [
        { ttl: '1h', inputTokens: 200 },
        { ttl: '5m', inputTokens: 300 },
      ],
    });
    expect(usage.cacheWrite1hTokens).toBe(200);
    // 660,000 + 330,000 + 300 × 4,125 + 200 × 6,600 + 4,950,000 = 660,000 + 330,000 + 1,237,500 + 1,320,000 + 4,950,000
    expect(computeCostNanos(usage, pricing)).toBe(8_497_500);
  });

  it('prices below a tenth of a cent per MTok are exact, rounded once per request (Nova Micro: $0.035 / $0.00875 / $0.14)', () => {
    const nova = lookupPrice('bedrock', 'us.amazon.nova-micro-v1:0');
    // 1,000 × 0.035 + 3 × 0.00875 + 7 × 0.14 = 36.00625 µ$ = 36,006.25 nano-dollars → 36,006
    expect(computeCostNanos(convertBedrockUsage({ inputTokens: 1000, outputTokens: 7, totalTokens: 1010, cacheReadInputTokens: 3 }), nova)).toBe(36_006);
    // 1,000 × 0.035 + 2 × 0.00875 + 7 × 0.14 = 35.9975 µ$ = 35,997.5 → halves round up → 35,998
    expect(computeCostNanos(convertBedrockUsage({ inputTokens: 1000, outputTokens: 7, totalTokens: 1009, cacheReadInputTokens: 2 }), nova)).toBe(35_998);
  });
});

describe('defaults, guards and overflow', () => {
  it('one-hour writes fall back to the cache-write price, then the input price; reasoning to the output price', () => {
    const usage = { inputTokens: 1000, outputTokens: 100, cacheWriteTokens: 400, cacheWrite1hTokens: 100, reasoningTokens: 50 };
    // 600 × 1,000 + 300 × 2,000 + 100 × 2,000 + 100 × 5,000
    expect(computeCostNanos(usage, { inputPerMTok: 1, outputPerMTok: 5, cacheWritePerMTok: 2 })).toBe(1_900_000);
    // 600 × 1,000 + 400 × 1,000 + 100 × 5,000
    expect(computeCostNanos(usage, { inputPerMTok: 1, outputPerMTok: 5 })).toBe(1_500_000);
  });

  it('is zero without pricing, and ignores counts that are missing, negative or not numbers', () => {
    expect(computeCostNanos({ inputTokens: 1000, outputTokens: 1000 }, undefined)).toBe(0);
    expect(computeCostNanos({ inputTokens: -5, outputTokens: Number.NaN, cacheReadTokens: -1 }, { inputPerMTok: 1, outputPerMTok: 1 })).toBe(0);
    // reasoning above the output total is capped at it; 1h writes above the write total likewise
    expect(computeCostNanos({ inputTokens: 0, outputTokens: 10, reasoningTokens: 99 }, { inputPerMTok: 1, outputPerMTok: 1, reasoningPerMTok: 2 })).toBe(20_000);
  });

  it('reads prices as decimals: 0.1 + 0.2 style binary noise never leaks into the total', () => {
    // $0.3 per MTok = 300 nano-dollars per token, exactly, although 0.1 + 0.2 !== 0.3 in binary
    expect(computeCostNanos({ inputTokens: 3, outputTokens: 0 }, { inputPerMTok: 0.3, outputPerMTok: 0 })).toBe(900);
    expect(computeCostNanos({ inputTokens: 1_000_003, outputTokens: 0 }, { inputPerMTok: 0.1, outputPerMTok: 0 })).toBe(100_000_300);
  });

  it('sums past 2^53 in BigInt: exact when the result fits, saturated when it does not', () => {
    // 10^13 tokens × 3,500 units (Nova Micro input, 10^-5 $/MTok) = 3.5 × 10^16 units, above 2^53 → /100 = 3.5 × 10^14 nano-dollars
    expect(computeCostNanos({ inputTokens: 1e13, outputTokens: 0 }, lookupPrice('bedrock', 'amazon.nova-micro-v1:0'))).toBe(350_000_000_000_000);
    expect(computeCostNanos({ inputTokens: 0, outputTokens: 1e15 }, { inputPerMTok: 1, outputPerMTok: 75 })).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('formats nano-dollars as a nine-decimal USD string', () => {
    expect(formatUsdNanos(0)).toBe('0.000000000');
    expect(formatUsdNanos(123_450)).toBe('0.000123450');
    expect(formatUsdNanos(24_150_000)).toBe('0.024150000');
    expect(formatUsdNanos(1_500_000_007)).toBe('1.500000007');
    expect(formatUsdNanos(Number.MAX_SAFE_INTEGER)).toBe('9007199.254740991');
  });
});
