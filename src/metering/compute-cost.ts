import type { ResolvedModel } from '../config/resolve-config.js';
import type { Usage } from '../spec/usage.js';

type Pricing = NonNullable<ResolvedModel['pricing']>;

/** Prices with more decimals (per million tokens) than this are rounded to it (half up) when compiled. */
const MAX_PRICE_DECIMALS = 12;

/**
 * One pricing compiled for integer arithmetic: every price as an integer count of a unit small enough
 * to hold all of them exactly (10^-decimals dollars per million tokens, decimals ≥ 3), and the divisor
 * that turns a total in that unit into nano-dollars.
 */
interface CompiledPricing {
  /** input, cacheRead, cacheWrite (5 min), cacheWrite1h, output, reasoning. */
  readonly prices: readonly number[];
  readonly bigPrices: readonly bigint[];
  /** 10^(decimals − 3): 1 when every price has at most three decimals (nano-dollars per token exactly). */
  readonly divisor: number;
}

const compiled = new WeakMap<object, CompiledPricing>();

/**
 * Cost of one request in integer nano-dollars (1e-9 USD), exactly:
 *
 *   uncached input × input price
 *   + cache reads × cache-read price (default: input)
 *   + 5-minute cache writes (cacheWriteTokens − cacheWrite1hTokens) × cache-write price (default: input)
 *   + 1-hour cache writes × cacheWrite1h price (default: the cache-write price, then input)
 *   + (output − reasoning) × output price
 *   + reasoning × reasoning price (default: output)
 *
 * Reasoning tokens are part of the output total (OpenAI completion_tokens counts them), so they are
 * billed once, at their own price. Token counts that are missing, negative or not finite count as 0;
 * breakdowns larger than their total are capped at it.
 *
 * Exactness: $P per million tokens is P·1000 nano-dollars per token, an integer for every price with up
 * to three decimals, and then the cost is an exact integer sum. A price with more decimals (the
 * catalog has a few, e.g. Bedrock Nova Micro cache reads at $0.00875) is summed in a unit of
 * 10^-d dollars per million tokens (d = the most decimals of the model's prices, at most 12) and the
 * total is rounded to the nearest nano-dollar, halves up, once per request: never more than half a
 * nano-dollar off the exact price, and never a per-token rounding. Prices are read from their shortest
 * decimal representation, so 0.1 is one tenth, not the binary fraction nearest to it.
 *
 * The sum is done in doubles while it stays below 2^53 (then every product and partial sum is exact),
 * else in BigInt; a result above Number.MAX_SAFE_INTEGER nano-dollars (about $9 million for one
 * request) is returned as Number.MAX_SAFE_INTEGER.
 */
export function computeCostNanos(usage: Usage, pricing: ResolvedModel['pricing']): number {
  if (!pricing) return 0;
  let c = compiled.get(pricing);
  if (c === undefined) {
    c = compile(pricing);
    compiled.set(pricing, c);
  }
  const input = tokens(usage.inputTokens);
  const read = tokens(usage.cacheReadTokens);
  const write = tokens(usage.cacheWriteTokens);
  const write1h = Math.min(tokens(usage.cacheWrite1hTokens), write);
  const uncached = Math.max(0, input - read - write);
  const output = tokens(usage.outputTokens);
  const reasoning = Math.min(tokens(usage.reasoningTokens), output);
  const p = c.prices;
  const total = uncached * p[0] + read * p[1] + (write - write1h) * p[2] + write1h * p[3] + (output - reasoning) * p[4] + reasoning * p[5];
  if (Number.isSafeInteger(total)) return c.divisor === 1 ? total : divideRounded(total, c.divisor);
  const b = c.bigPrices;
  const big =
    BigInt(uncached) * b[0] + BigInt(read) * b[1] + BigInt(write - write1h) * b[2] + BigInt(write1h) * b[3] + BigInt(output - reasoning) * b[4] + BigInt(reasoning) * b[5];
  const divisor = BigInt(c.divisor);
  const nanos = (big + divisor / 2n) / divisor;
  return nanos > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(nanos);
}

/** Nano-dollars as a decimal USD string with nine decimals (`0.000123450`), as x-switchyard-cost-usd carries it. */
export function formatUsdNanos(nanos: number): string {
  let whole = Math.floor(nanos / 1e9);
  let fraction = nanos - whole * 1e9;
  if (fraction < 0) {
    whole -= 1;
    fraction += 1e9;
  } else if (fraction >= 1e9) {
    whole += 1;
    fraction -= 1e9;
  }
  return `${whole}.${String(fraction).padStart(9, '0')}`;
}

function tokens(value: number | undefined): number {
  if (typeof value !== 'number' || !(value > 0)) return 0;
  return value < Number.MAX_SAFE_INTEGER ? Math.floor(value) : Number.MAX_SAFE_INTEGER;
}

/** total / divisor rounded half up, for non-negative safe integers (the correction makes the float division exact). */
function divideRounded(total: number, divisor: number): number {
  let whole = Math.floor(total / divisor);
  let rest = total - whole * divisor;
  if (rest < 0) {
    whole -= 1;
    rest += divisor;
  } else if (rest >= divisor) {
    whole += 1;
    rest -= divisor;
  }
  return rest * 2 >= divisor ? whole + 1 : whole;
}

interface Decimal {
  digits: bigint;
  scale: number;
}

/** A price's exact decimal value, from its shortest representation, rounded half up to MAX_PRICE_DECIMALS. */
function toDecimal(price: number): Decimal {
  if (!(price >= 0) || !Number.isFinite(price)) return { digits: 0n, scale: 0 };
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(price));
  if (!match) return { digits: 0n, scale: 0 };
  let digits = BigInt(match[1] + (match[2] ?? ''));
  let scale = (match[2]?.length ?? 0) - Number(match[3] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  } else if (scale > MAX_PRICE_DECIMALS) {
    const drop = 10n ** BigInt(scale - MAX_PRICE_DECIMALS);
    digits = (digits + drop / 2n) / drop;
    scale = MAX_PRICE_DECIMALS;
  }
  return { digits, scale };
}

function compile(pricing: Pricing): CompiledPricing {
  const input = pricing.inputPerMTok;
  const cacheWrite = pricing.cacheWritePerMTok ?? input;
  const output = pricing.outputPerMTok;
  const decimals = [input, pricing.cacheReadPerMTok ?? input, cacheWrite, pricing.cacheWrite1hPerMTok ?? cacheWrite, output, pricing.reasoningPerMTok ?? output].map(toDecimal);
  const scale = Math.max(3, ...decimals.map((d) => d.scale));
  const bigPrices = decimals.map((d) => d.digits * 10n ** BigInt(scale - d.scale));
  // A price too large for a double (absurd, but configurable) keeps the BigInt path for every request.
  const prices = bigPrices.map((b) => (b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : Number.POSITIVE_INFINITY));
  return { prices, bigPrices, divisor: 10 ** (scale - 3) };
}
