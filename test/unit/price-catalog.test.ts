/**
 * The built-in price catalog: the generator reproduces the committed JSON byte for byte, entries equal
 * the prices in the fixture files (looked up by hand below), and upstream ids resolve by the documented
 * matching rule.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { defaultConfig } from '../../src/config/default-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { catalogCandidates, findCatalogPrice, lookupPrice } from '../../src/metering/price-catalog.js';
import { fixturesDir, readFixtureJson } from '../helpers/fixtures.js';

const CHECKOUT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COMMITTED = resolve(CHECKOUT, 'src/metering/price-catalog.json');
const temp = mkdtempSync(join(tmpdir(), 'swy-prices-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function generate(out: string): void {
  execFileSync(process.execPath, [resolve(CHECKOUT, 'scripts/generate-price-catalog.mjs'), '--out', out], {
    env: { ...process.env, SWITCHYARD_FIXTURES: fixturesDir() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

describe('generator', () => {
  it('reproduces the committed catalog byte for byte, every time', () => {
    const first = join(temp, 'first.json');
    const second = join(temp, 'second.json');
    generate(first);
    generate(second);
    const committed = readFileSync(COMMITTED);
    expect(readFileSync(first).equals(committed)).toBe(true);
    expect(readFileSync(second).equals(committed)).toBe(true);
  });
});

type GenaiModel = { id: string; prices: unknown };
type GenaiProvider = { id: string; models: GenaiModel[] };
type LitellmEntry = Record<string, number | string>;

const genai = readFixtureJson<GenaiProvider[]>('prices/genai-prices-data.json');
const litellm = readFixtureJson<Record<string, LitellmEntry>>('prices/litellm-prices-subset-openai-anthropic-bedrock.json');
const genaiPrices = (provider: string, model: string) => genai.find((p) => p.id === provider)!.models.find((m) => m.id === model)!.prices;
/** litellm's per-token price as USD per million tokens (its floats times 1e6, compared to 9 significant digits). */
const perMTok = (id: string, field: string) => Number((Number(litellm[id][field]) * 1e6).toPrecision(9));

describe('catalog entries equal the fixtures', () => {
  it('OpenAI gpt-4o-mini and o4-mini: genai-prices', () => {
    expect(genaiPrices('openai', 'gpt-4o-mini')).toEqual({ input_mtok: 0.15, cache_read_mtok: 0.075, output_mtok: 0.6 });
    expect(lookupPrice('openai', 'gpt-4o-mini')).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6, cacheReadPerMTok: 0.075 });
    expect(genaiPrices('openai', 'o4-mini')).toEqual({ input_mtok: 1.1, cache_read_mtok: 0.275, output_mtok: 4.4 });
    expect(lookupPrice('openai', 'o4-mini-2025-04-16')).toEqual({ inputPerMTok: 1.1, outputPerMTok: 4.4, cacheReadPerMTok: 0.275 });
  });

  it('OpenAI gpt-4o-2024-05-13: litellm, which lists the snapshot at its own $5/$15', () => {
    expect([perMTok('gpt-4o-2024-05-13', 'input_cost_per_token'), perMTok('gpt-4o-2024-05-13', 'output_cost_per_token')]).toEqual([5, 15]);
    expect(findCatalogPrice('openai', 'gpt-4o-2024-05-13')).toMatchObject({ pricing: { inputPerMTok: 5, outputPerMTok: 15 }, source: 'litellm' });
    expect(lookupPrice('openai', 'gpt-4o-2024-08-06')).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10, cacheReadPerMTok: 1.25 });
  });

  it('Anthropic claude-sonnet-4-5: genai-prices, with the one-hour write at 2 × input (litellm lists the same)', () => {
    expect(genaiPrices('anthropic', 'claude-sonnet-4-5')).toMatchObject({
      input_mtok: { base: 3 },
      cache_write_mtok: { base: 3.75 },
      cache_read_mtok: { base: 0.3 },
      output_mtok: { base: 15 },
    });
    expect(perMTok('claude-sonnet-4-5-20250929', 'cache_creation_input_token_cost_above_1hr')).toBe(6);
    const expected = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75, cacheWrite1hPerMTok: 6 };
    expect(lookupPrice('anthropic', 'claude-sonnet-4-5-20250929')).toEqual(expected);
    expect(lookupPrice('anthropic', 'claude-sonnet-4-5')).toEqual(expected);
  });

  it('Anthropic claude-3-haiku: the one-hour write is 2 × input ($0.50), not litellm\'s $6', () => {
    expect(genaiPrices('anthropic', 'claude-3-haiku')).toEqual({ input_mtok: 0.25, cache_write_mtok: 0.3, cache_read_mtok: 0.03, output_mtok: 1.25 });
    expect(perMTok('claude-3-haiku-20240307', 'cache_creation_input_token_cost_above_1hr')).toBe(6);
    expect(lookupPrice('anthropic', 'claude-3-haiku-20240307')).toEqual({ inputPerMTok: 0.25, outputPerMTok: 1.25, cacheReadPerMTok: 0.03, cacheWritePerMTok: 0.3, cacheWrite1hPerMTok: 0.5 });
  });

  it('Bedrock Claude Sonnet 4.5: regional profiles at the regional price, global at the base price', () => {
    expect(genaiPrices('aws', 'regional.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({ input_mtok: 3.3, cache_write_mtok: 4.125, cache_read_mtok: 0.33, output_mtok: 16.5 });
    expect(genaiPrices('aws', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({ input_mtok: 3, cache_write_mtok: 3.75, cache_read_mtok: 0.3, output_mtok: 15 });
    expect(perMTok('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'cache_creation_input_token_cost_above_1hr')).toBe(6.6);
    const regional = { inputPerMTok: 3.3, outputPerMTok: 16.5, cacheReadPerMTok: 0.33, cacheWritePerMTok: 4.125, cacheWrite1hPerMTok: 6.6 };
    expect(lookupPrice('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual(regional);
    expect(lookupPrice('bedrock', 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual(regional);
    expect(lookupPrice('bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual(regional);
    expect(lookupPrice('bedrock', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({ inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75, cacheWrite1hPerMTok: 6 });
  });

  it('Bedrock Claude 3.5 Sonnet (the base and us. ids) and Nova Micro (prices below a tenth of a cent)', () => {
    expect(genaiPrices('aws', 'regional.anthropic.claude-3-5-sonnet-20240620-v1:0')).toEqual({ input_mtok: 3, cache_write_mtok: 3.75, cache_read_mtok: 0.3, output_mtok: 15 });
    const sonnet = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75, cacheWrite1hPerMTok: 6 };
    expect(lookupPrice('bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0')).toEqual(sonnet);
    expect(lookupPrice('bedrock', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0')).toEqual(sonnet);
    expect(genaiPrices('aws', 'amazon.nova-micro-v1:0')).toEqual({ input_mtok: 0.035, cache_read_mtok: 0.00875, output_mtok: 0.14 });
    expect(lookupPrice('bedrock', 'amazon.nova-micro-v1:0')).toEqual({ inputPerMTok: 0.035, outputPerMTok: 0.14, cacheReadPerMTok: 0.00875 });
  });

  it('Bedrock ids genai-prices does not match come from litellm (Nova 2 Lite in-region)', () => {
    expect([perMTok('amazon.nova-2-lite-v1:0', 'input_cost_per_token'), perMTok('amazon.nova-2-lite-v1:0', 'output_cost_per_token'), perMTok('amazon.nova-2-lite-v1:0', 'cache_read_input_token_cost')]).toEqual([0.3, 2.5, 0.075]);
    expect(findCatalogPrice('bedrock', 'amazon.nova-2-lite-v1:0')).toMatchObject({ pricing: { inputPerMTok: 0.3, outputPerMTok: 2.5, cacheReadPerMTok: 0.075 }, source: 'litellm' });
  });
});

describe('matching rule', () => {
  it('lists the forms tried, in order', () => {
    expect(catalogCandidates('bedrock', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/US.anthropic.claude-3-5-sonnet-20240620-v1:0')).toEqual([
      'us.anthropic.claude-3-5-sonnet-20240620-v1:0',
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'anthropic.claude-3-5-sonnet-20240620',
      'anthropic.claude-3-5-sonnet',
    ]);
    expect(catalogCandidates('openai', 'gpt-4.1-2031-01-01')).toEqual(['gpt-4.1-2031-01-01', 'gpt-4.1']);
    expect(catalogCandidates('anthropic', 'claude-3-7-sonnet-latest')).toEqual(['claude-3-7-sonnet-latest', 'claude-3-7-sonnet']);
  });

  it('resolves ARNs, dated and undated ids, -latest, and a future snapshot of a known model', () => {
    expect(findCatalogPrice('bedrock', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toMatchObject({
      pricing: { inputPerMTok: 3.3 },
      matchedAs: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    });
    expect(lookupPrice('anthropic', 'claude-3-5-haiku-latest')).toMatchObject({ inputPerMTok: 0.8, outputPerMTok: 4 });
    expect(lookupPrice('anthropic', 'claude-3-5-haiku-20241022')).toMatchObject({ inputPerMTok: 0.8, outputPerMTok: 4 });
    expect(findCatalogPrice('openai', 'gpt-4.1-2031-01-01')).toMatchObject({ pricing: { inputPerMTok: 2, outputPerMTok: 8 }, catalogId: 'gpt-4.1', matchedAs: 'gpt-4.1' });
    expect(lookupPrice('openai', 'GPT-4.1')).toMatchObject({ inputPerMTok: 2 });
  });

  it('prices nothing for unknown ids, simulated models and OpenAI-compatible servers', () => {
    expect(lookupPrice('openai', 'my-house-model')).toBeUndefined();
    expect(lookupPrice('simulated', 'gpt-4o-mini')).toBeUndefined();
    expect(lookupPrice('openai-compatible', 'gpt-4o-mini')).toBeUndefined();
    expect(lookupPrice('anthropic', 'gpt-4o-mini')).toBeUndefined();
  });
});

describe('configuration', () => {
  const resolved = (models: unknown[]) =>
    resolveConfig(
      parseConfig(
        {
          providers: {
            openai: { type: 'openai', apiKey: 'sk-test' },
            bedrock: { type: 'bedrock', region: 'us-east-1', apiKey: 'bedrock-key' },
            house: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' },
            simulated: { type: 'simulated' },
          },
          models,
        },
        {},
      ),
      {},
    );

  it('configured pricing wins over the catalog; unpriced models take the catalog\'s', () => {
    const config = resolved([
      { id: 'mine', provider: 'openai', upstreamModel: 'gpt-4o-mini', pricing: { inputPerMTok: 1, outputPerMTok: 2 } },
      { id: 'gpt-4o-mini', provider: 'openai' },
      { id: 'sonnet', provider: 'bedrock', upstreamModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
    ]);
    expect(config.findModel('mine')!.pricing).toEqual({ inputPerMTok: 1, outputPerMTok: 2 });
    expect(config.findModel('gpt-4o-mini')!.pricing).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6, cacheReadPerMTok: 0.075 });
    expect(config.findModel('sonnet')!.pricing).toMatchObject({ inputPerMTok: 3.3, cacheWrite1hPerMTok: 6.6 });
  });

  it('simulated models and compatible servers stay unpriced unless configured', () => {
    const config = resolved([
      { id: 'gpt-4o-mini', provider: 'simulated' },
      { id: 'house-gpt', provider: 'house', upstreamModel: 'gpt-4o-mini' },
      { id: 'priced-sim', provider: 'simulated', pricing: { inputPerMTok: 2, outputPerMTok: 8 } },
    ]);
    expect(config.findModel('gpt-4o-mini')!.pricing).toBeUndefined();
    expect(config.findModel('house-gpt')!.pricing).toBeUndefined();
    expect(config.findModel('priced-sim')!.pricing).toEqual({ inputPerMTok: 2, outputPerMTok: 8 });
  });

  it('the embedded defaults price every real model from the catalog (Bedrock Sonnet 4.5 at the regional price)', () => {
    const env = { OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'sk-a', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    const config = resolveConfig(parseConfig(defaultConfig(env), {}), env);
    for (const model of config.models) expect(model.pricing, model.id).toBeDefined();
    expect(config.findModel('bedrock-claude-sonnet-4-5')!.pricing).toMatchObject({ inputPerMTok: 3.3, outputPerMTok: 16.5, cacheWrite1hPerMTok: 6.6 });
    expect(config.findModel('claude-haiku-4-5')!.pricing).toEqual({ inputPerMTok: 1, outputPerMTok: 5, cacheReadPerMTok: 0.1, cacheWritePerMTok: 1.25, cacheWrite1hPerMTok: 2 });
  });

  it('accepts one-hour cache-write and reasoning prices and still rejects unknown keys', () => {
    const config = resolved([{ id: 'r', provider: 'openai', upstreamModel: 'o4-mini', pricing: { inputPerMTok: 1, outputPerMTok: 4, cacheWrite1hPerMTok: 2, reasoningPerMTok: 6 } }]);
    expect(config.findModel('r')!.pricing).toEqual({ inputPerMTok: 1, outputPerMTok: 4, cacheWrite1hPerMTok: 2, reasoningPerMTok: 6 });
    expect(() => resolved([{ id: 'x', provider: 'openai', pricing: { inputPerMTok: 1, outputPerMTok: 4, thinkingPerMTok: 6 } }])).toThrow(/thinkingPerMTok/);
  });
});
