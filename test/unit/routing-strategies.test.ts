import { describe, expect, it } from 'vitest';
import type { ResolvedModel } from '../../src/config/resolve-config.js';
import { toDeployment } from '../../src/routing/deployment.js';
import { InMemoryHealthTracker } from '../../src/routing/health/in-memory-health-tracker.js';
import { estimateCost } from '../../src/routing/strategies/cheapest.js';
import { strategyFor } from '../../src/routing/strategies/index.js';
import { formatCount, formatUsd } from '../../src/routing/strategies/rank-support.js';
import { STRATEGY_NAMES, type Candidate, type LearnedContext, type RankingContext, type StrategyName } from '../../src/routing/strategies/strategy.js';
import { fmix32, fnv1a32, hash32 } from '../../src/routing/hash32.js';
import { GatewayError } from '../../src/spec/errors.js';

const T0 = Date.parse('2025-06-01T12:00:00Z');

interface Spec {
  provider: string;
  id: string;
  pricing?: { inputPerMTok: number; outputPerMTok: number };
  weight?: number;
  providerType?: ResolvedModel['providerType'];
}

function model(spec: Spec): ResolvedModel {
  // Asserted rather than annotated: ResolvedModel is gaining fields (fallbacks …) that strategies never read.
  return {
    id: spec.id,
    provider: spec.provider,
    providerType: spec.providerType ?? 'openai-compatible',
    upstreamModel: spec.id,
    pricing: spec.pricing,
    simulated: false,
    traits: { reasoning: false, tools: true, images: false, json: true, remoteImages: false },
    fallbacks: [],
  } as ResolvedModel;
}

function candidates(specs: Spec[]): Candidate[] {
  return specs.map((spec) => ({ deployment: toDeployment(model(spec)), weight: spec.weight ?? 1 }));
}

function setup(specs: Spec[]) {
  let now = T0;
  const clock = () => now;
  const health = new InMemoryHealthTracker({}, clock);
  const list = candidates(specs);
  const keys = list.map((c) => c.deployment.key);
  const context = (over: Partial<RankingContext> = {}): RankingContext => ({
    requestId: 'req_test',
    inputTokens: 1200,
    outputTokens: 256,
    health,
    now: now,
    learned: PRICE_LEARNED,
    ...over,
  });
  return { health, list, keys, context, advance: (ms: number) => (now += ms) };
}

const ids = (ordered: readonly Candidate[]) => ordered.map((c) => c.deployment.model.id);

/**
 * For the learned strategies in the generic tests: one fixed prompt profile, and a quality that
 * follows a model's declared price (dearer = better here), never its name or provider.
 */
const PRICE_LEARNED: LearnedContext = {
  prompt: () => ({ task: 'reasoning', taskProbs: { reasoning: 1, planning: 0, 'code-completion': 0, 'code-generation': 0, chat: 0 }, difficulty: 0.4, cluster: 0 }),
  profile: (m) => ({ overall: m.pricing ? Math.min(0.95, 0.5 + m.pricing.inputPerMTok / 10) : 0.5, byTask: {} }),
  predict: (m) => (m.pricing ? Math.min(0.95, 0.5 + m.pricing.inputPerMTok / 10) : 0.5),
  version: 'test',
};

function fiveFailures(health: InMemoryHealthTracker, key: string): void {
  for (let i = 0; i < 5; i++) {
    health.started(key);
    health.ended(key, { ok: false, error: new GatewayError({ code: 'SWY_ERR_UPSTREAM', kind: 'upstream_error', origin: 'upstream', upstreamStatus: 500, message: '500' }) });
  }
}

function rateLimited(health: InMemoryHealthTracker, key: string, retryAfterMs: number): void {
  health.started(key);
  health.ended(key, { ok: false, error: new GatewayError({ code: 'SWY_ERR_UPSTREAM_RATE_LIMIT', kind: 'rate_limit', origin: 'upstream', upstreamStatus: 429, retryAfterMs, message: '429' }) });
}

const FOUR: Spec[] = [
  { provider: 'p1', id: 'big', pricing: { inputPerMTok: 10, outputPerMTok: 30 } },
  { provider: 'p2', id: 'mid', pricing: { inputPerMTok: 3, outputPerMTok: 15 } },
  { provider: 'p3', id: 'small', pricing: { inputPerMTok: 0.5, outputPerMTok: 1.5 } },
  { provider: 'p4', id: 'house' },
];

describe('strategy registry', () => {
  it('has every strategy under its name', () => {
    for (const name of STRATEGY_NAMES) expect(strategyFor(name).name).toBe(name);
    expect(() => strategyFor('random' as StrategyName)).toThrow(RangeError);
    expect(() => strategyFor('toString' as StrategyName)).toThrow(RangeError);
  });
});

describe('priority', () => {
  it('keeps the declared order', () => {
    const { list, context } = setup(FOUR);
    const ranking = strategyFor('priority').rank(list, context());
    expect(ids(ranking.ordered)).toEqual(['big', 'mid', 'small', 'house']);
    expect(ranking.reason).toBe('priority: declared order');
  });

  it('moves unavailable deployments (open breaker, cooldown) to the end, still listed, and says why', () => {
    const { list, keys, health, context } = setup(FOUR);
    fiveFailures(health, keys[0]);
    rateLimited(health, keys[2], 1500);
    const ranking = strategyFor('priority').rank(list, context());
    expect(ids(ranking.ordered)).toEqual(['mid', 'house', 'big', 'small']);
    expect(ranking.reason).toBe('priority: declared order; 2 unavailable moved last');
    expect(ranking.scores?.['p1/big']).toBe('unavailable (breaker open); declared #1');
    expect(ranking.scores?.['p3/small']).toBe('unavailable (cooling down 1.5 s more); declared #3');
    expect(ranking.scores?.['p2/mid']).toBe('declared #2');
  });

  it('a half-open deployment whose probe is out is unavailable; once the probe is back it ranks normally', () => {
    const { list, keys, health, context, advance } = setup(FOUR);
    fiveFailures(health, keys[0]);
    advance(30_000);
    expect(ids(strategyFor('priority').rank(list, context()).ordered)).toEqual(['big', 'mid', 'small', 'house']);
    expect(health.tryAcquire(keys[0])).toBe(true);
    health.started(keys[0]);
    const during = strategyFor('priority').rank(list, context());
    expect(ids(during.ordered)).toEqual(['mid', 'small', 'house', 'big']);
    expect(during.scores?.['p1/big']).toBe('unavailable (breaker half-open, probe in flight); declared #1');
    health.ended(keys[0], { ok: true, latencyMs: 300 });
    expect(ids(strategyFor('priority').rank(list, context()).ordered)).toEqual(['big', 'mid', 'small', 'house']);
  });

  it('lists everything, in order, when nothing is available', () => {
    const { list, keys, health, context } = setup(FOUR);
    for (const key of keys) fiveFailures(health, key);
    const ranking = strategyFor('priority').rank(list, context());
    expect(ids(ranking.ordered)).toEqual(['big', 'mid', 'small', 'house']);
    expect(ranking.reason).toMatch(/^priority: no candidate is available/);
  });
});

describe('cheapest', () => {
  it('orders by estimated cost for the request, unpriced last, with the dollar estimate in the reason', () => {
    const { list, context } = setup(FOUR);
    expect(estimateCost(list[0], 1200, 256)).toBeCloseTo(0.01968, 10);
    expect(estimateCost(list[1], 1200, 256)).toBeCloseTo(0.00744, 10);
    expect(estimateCost(list[2], 1200, 256)).toBeCloseTo(0.000984, 10);
    expect(estimateCost(list[3], 1200, 256)).toBeUndefined();
    const ranking = strategyFor('cheapest').rank(list, context());
    expect(ids(ranking.ordered)).toEqual(['small', 'mid', 'big', 'house']);
    expect(ranking.reason).toBe('cheapest: $0.000984 est. for 1,200 in + 256 out on p3/small');
    expect(ranking.scores).toMatchObject({ 'p1/big': '$0.0197 est.', 'p4/house': 'no pricing (cost unknown, ranked last)' });
  });

  it('depends on the request shape: output-heavy requests favour cheap output', () => {
    const specs: Spec[] = [
      { provider: 'a', id: 'cheap-in', pricing: { inputPerMTok: 1, outputPerMTok: 20 } },
      { provider: 'b', id: 'cheap-out', pricing: { inputPerMTok: 5, outputPerMTok: 5 } },
    ];
    const { list, context } = setup(specs);
    // 10 000 in + 100 out: 0.012 vs 0.0505 → cheap-in; 100 in + 10 000 out: 0.2001 vs 0.0505 → cheap-out.
    expect(ids(strategyFor('cheapest').rank(list, context({ inputTokens: 10_000, outputTokens: 100 })).ordered)).toEqual(['cheap-in', 'cheap-out']);
    expect(ids(strategyFor('cheapest').rank(list, context({ inputTokens: 100, outputTokens: 10_000 })).ordered)).toEqual(['cheap-out', 'cheap-in']);
  });

  it('ties keep the declared order; unpriced keep theirs', () => {
    const specs: Spec[] = [
      { provider: 'a', id: 'u1' },
      { provider: 'b', id: 't1', pricing: { inputPerMTok: 2, outputPerMTok: 2 } },
      { provider: 'c', id: 'u2' },
      { provider: 'd', id: 't2', pricing: { inputPerMTok: 2, outputPerMTok: 2 } },
    ];
    const { list, context } = setup(specs);
    expect(ids(strategyFor('cheapest').rank(list, context()).ordered)).toEqual(['t1', 't2', 'u1', 'u2']);
  });

  it('puts an unavailable cheapest deployment last', () => {
    const { list, keys, health, context } = setup(FOUR);
    rateLimited(health, keys[2], 2000);
    expect(ids(strategyFor('cheapest').rank(list, context()).ordered)).toEqual(['mid', 'big', 'house', 'small']);
  });

  it('formats dollars readably', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.0012)).toBe('$0.0012');
    expect(formatUsd(0.000035)).toBe('$0.000035');
    expect(formatUsd(1.5)).toBe('$1.50');
    expect(formatUsd(0.01968)).toBe('$0.0197');
    expect(formatUsd(1234.5678)).toBe('$1234.57');
    expect([0, 12, 999, 1000, 1200, 123456, 1234567, -4500].map(formatCount)).toEqual(['0', '12', '999', '1,000', '1,200', '123,456', '1,234,567', '-4,500']);
  });
});

describe('fastest', () => {
  it('orders by EWMA TTFT (latency when no TTFT), unmeasured after measured, ties declared', () => {
    const specs: Spec[] = [
      { provider: 'a', id: 'slow' },
      { provider: 'b', id: 'new1' },
      { provider: 'c', id: 'batch' },
      { provider: 'd', id: 'quick' },
      { provider: 'e', id: 'new2' },
      { provider: 'f', id: 'quick-too' },
    ];
    const { list, keys, health, context } = setup(specs);
    const ok = (key: string, latencyMs?: number, ttftMs?: number) => {
      health.started(key);
      health.ended(key, { ok: true, latencyMs, ttftMs });
    };
    ok(keys[0], 3000, 900);
    ok(keys[2], 400); // non-streaming only: latency 400
    ok(keys[3], 1000, 100);
    ok(keys[5], 2000, 100);
    const ranking = strategyFor('fastest').rank(list, context());
    expect(ids(ranking.ordered)).toEqual(['quick', 'quick-too', 'batch', 'slow', 'new1', 'new2']);
    expect(ranking.reason).toBe('fastest: d/quick ttft 100 ms (EWMA), the lowest');
    expect(ranking.scores).toMatchObject({ 'c/batch': 'latency 400 ms (EWMA)', 'b/new1': 'unmeasured (ranked after measured)' });
  });

  it('follows the EWMA as measurements change', () => {
    const specs: Spec[] = [
      { provider: 'a', id: 'x' },
      { provider: 'b', id: 'y' },
    ];
    const { list, keys, health, context } = setup(specs);
    const ok = (key: string, ttftMs: number) => {
      health.started(key);
      health.ended(key, { ok: true, ttftMs });
    };
    ok(keys[0], 200);
    ok(keys[1], 300);
    expect(ids(strategyFor('fastest').rank(list, context()).ordered)).toEqual(['x', 'y']);
    ok(keys[0], 1000); // 200 → 360
    ok(keys[0], 1000); // 360 → 488
    expect(health.get(keys[0]).ttftMs).toBeCloseTo(488);
    expect(ids(strategyFor('fastest').rank(list, context()).ordered)).toEqual(['y', 'x']);
  });

  it('puts an open-breaker fast deployment last', () => {
    const specs: Spec[] = [
      { provider: 'a', id: 'fast' },
      { provider: 'b', id: 'slow' },
    ];
    const { list, keys, health, context } = setup(specs);
    health.started(keys[0]);
    health.ended(keys[0], { ok: true, ttftMs: 50 });
    health.started(keys[1]);
    health.ended(keys[1], { ok: true, ttftMs: 500 });
    fiveFailures(health, keys[0]);
    const ranking = strategyFor('fastest').rank(list, context());
    expect(ids(ranking.ordered)).toEqual(['slow', 'fast']);
    expect(ranking.scores?.['a/fast']).toBe('unavailable (breaker open); ttft 50 ms (EWMA)');
  });
});

describe('least-busy', () => {
  it('fewest in flight first, ties in declared order', () => {
    const { list, keys, health, context } = setup(FOUR);
    const start = (key: string, n: number) => {
      for (let i = 0; i < n; i++) health.started(key);
    };
    start(keys[0], 3);
    start(keys[1], 1);
    start(keys[2], 1);
    const ranking = strategyFor('least-busy').rank(list, context());
    expect(ids(ranking.ordered)).toEqual(['house', 'mid', 'small', 'big']);
    expect(ranking.reason).toBe('least-busy: 0 in flight, the fewest');
    expect(ranking.scores?.['p1/big']).toBe('3 in flight');
  });

  it('an idle but unavailable deployment goes last', () => {
    const { list, keys, health, context } = setup(FOUR);
    for (const key of keys.slice(0, 3)) health.started(key);
    rateLimited(health, keys[3], 1000);
    expect(ids(strategyFor('least-busy').rank(list, context()).ordered)).toEqual(['big', 'mid', 'small', 'house']);
  });
});

describe('headroom', () => {
  const SIX: Spec[] = [
    { provider: 'a', id: 'some' },
    { provider: 'b', id: 'lots-no-tokens' },
    { provider: 'c', id: 'exhausted' },
    { provider: 'd', id: 'unknown' },
    { provider: 'e', id: 'lots' },
    { provider: 'f', id: 'stale' },
  ];

  it('most remaining requests, then tokens; unknown after known; zero remaining last', () => {
    const { list, keys, health, context, advance } = setup(SIX);
    health.observeHeaders(keys[5], { 'x-ratelimit-remaining-requests': '9000', 'x-ratelimit-remaining-tokens': '9000000' });
    advance(61_000); // that reading is now stale
    health.observeHeaders(keys[0], { 'x-ratelimit-remaining-requests': '100', 'x-ratelimit-remaining-tokens': '1000' });
    health.observeHeaders(keys[1], { 'anthropic-ratelimit-requests-remaining': '500' });
    health.observeHeaders(keys[2], { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-remaining-tokens': '5000' });
    health.observeHeaders(keys[4], { 'anthropic-ratelimit-requests-remaining': '500', 'anthropic-ratelimit-tokens-remaining': '2000' });
    const ranking = strategyFor('headroom').rank(list, context());
    expect(ids(ranking.ordered)).toEqual(['lots', 'lots-no-tokens', 'some', 'unknown', 'stale', 'exhausted']);
    expect(ranking.reason).toBe('headroom: e/lots has the most headroom: 500 requests, 2,000 tokens remaining');
    expect(ranking.scores).toMatchObject({
      'c/exhausted': '0 requests, 5,000 tokens remaining (exhausted, ranked last) (read 0 ms ago)',
      'd/unknown': 'headroom unknown',
      'f/stale': 'headroom unknown (read 61 s ago)',
    });
  });

  it('exhausted tokens also rank last; a cooled-down deployment goes after all available ones', () => {
    const { list, keys, health, context } = setup(SIX.slice(0, 4));
    health.observeHeaders(keys[0], { 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-remaining-tokens': '0' });
    health.observeHeaders(keys[1], { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' }); // cooling down
    health.observeHeaders(keys[2], { 'x-ratelimit-remaining-requests': '7' });
    expect(ids(strategyFor('headroom').rank(list, context()).ordered)).toEqual(['exhausted', 'unknown', 'some', 'lots-no-tokens']);
  });
});

describe('weighted', () => {
  const THREE: Spec[] = [
    { provider: 'a', id: 'w1', weight: 1 },
    { provider: 'b', id: 'w3', weight: 3 },
    { provider: 'c', id: 'w0', weight: 0 },
  ];

  it('hash32 is FNV-1a with a finaliser (stable values)', () => {
    expect(hash32('')).toBe(hash32(''));
    expect(hash32('req_1')).not.toBe(hash32('req_2'));
    expect(hash32('abc')).toBeGreaterThanOrEqual(0);
    expect(hash32('abc')).toBeLessThan(2 ** 32);
    // FNV-1a 32's published test values, then the finaliser on top.
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(hash32('foobar')).toBe(fmix32(0xbf9cf968));
    expect(fnv1a32('a', 7)).not.toBe(fnv1a32('a'));
  });

  it('is deterministic per request id', () => {
    const { list, context } = setup(THREE);
    for (let i = 0; i < 50; i++) {
      const requestId = `req_${i}`;
      const first = strategyFor('weighted').rank(list, context({ requestId }));
      const second = strategyFor('weighted').rank(list, context({ requestId }));
      expect(ids(second.ordered)).toEqual(ids(first.ordered));
      expect(second.reason).toBe(first.reason);
    }
  });

  it('picks first in proportion to weights over 10,000 ids; the rest follow by weight; weight 0 is never first', () => {
    const { list, context } = setup(THREE);
    const firsts: Record<string, number> = { w1: 0, w3: 0, w0: 0 };
    const prefix = 'req_3f9a1c0b2d4e';
    for (let i = 1; i <= 10_000; i++) {
      const requestId = `${prefix}${i.toString(36).padStart(6, '0')}`;
      const ordered = ids(strategyFor('weighted').rank(list, context({ requestId })).ordered);
      firsts[ordered[0]]++;
      expect(ordered).toEqual(ordered[0] === 'w1' ? ['w1', 'w3', 'w0'] : ['w3', 'w1', 'w0']);
    }
    expect(firsts.w0).toBe(0);
    expect(firsts.w3 / 10_000).toBeGreaterThan(0.7);
    expect(firsts.w3 / 10_000).toBeLessThan(0.8);
    expect(firsts.w1 / 10_000).toBeGreaterThan(0.2);
    expect(firsts.w1 / 10_000).toBeLessThan(0.3);
  });

  it('names the pick and the weights', () => {
    const { list, context } = setup(THREE);
    const ranking = strategyFor('weighted').rank(list, context({ requestId: 'req_x' }));
    const first = ranking.ordered[0].deployment.key;
    expect(ranking.reason).toBe(`weighted: picked ${first} (weight ${first === 'a/w1' ? 1 : 3} of 1:3:0) for request req_x; rest by weight`);
    expect(ranking.scores?.['b/w3']).toMatch(/^weight 3 \(75%\)/);
  });

  it('never picks an unavailable deployment first, and lists it last', () => {
    const { list, keys, health, context } = setup(THREE);
    fiveFailures(health, keys[1]);
    for (let i = 0; i < 200; i++) {
      expect(ids(strategyFor('weighted').rank(list, context({ requestId: `r${i}` })).ordered)).toEqual(['w1', 'w0', 'w3']);
    }
  });

  it('with all weights zero, picks evenly', () => {
    const specs: Spec[] = [
      { provider: 'a', id: 'x', weight: 0 },
      { provider: 'b', id: 'y', weight: 0 },
    ];
    const { list, context } = setup(specs);
    let x = 0;
    for (let i = 0; i < 2000; i++) if (ids(strategyFor('weighted').rank(list, context({ requestId: `q${i}` })).ordered)[0] === 'x') x++;
    expect(x / 2000).toBeGreaterThan(0.45);
    expect(x / 2000).toBeLessThan(0.55);
  });
});

describe('neutrality', () => {
  const SPECS: Spec[] = [
    { provider: 'openai', id: 'gpt', providerType: 'openai', pricing: { inputPerMTok: 2.5, outputPerMTok: 10 }, weight: 2 },
    { provider: 'anthropic', id: 'claude', providerType: 'anthropic', pricing: { inputPerMTok: 3, outputPerMTok: 15 }, weight: 1 },
    { provider: 'bedrock', id: 'claude-bedrock', providerType: 'bedrock', pricing: { inputPerMTok: 3, outputPerMTok: 15 }, weight: 1 },
    { provider: 'vllm', id: 'house', providerType: 'openai-compatible', weight: 3 },
    { provider: 'sim', id: 'sim', providerType: 'simulated', pricing: { inputPerMTok: 0.1, outputPerMTok: 0.2 }, weight: 0 },
  ];
  const RENAMED: Spec[] = SPECS.map((spec, i) => ({
    ...spec,
    provider: `zz-provider-${SPECS.length - i}`,
    id: `model-${String.fromCharCode(122 - i)}`,
    providerType: (['simulated', 'bedrock', 'openai-compatible', 'anthropic', 'openai'] as const)[i],
  }));

  /** The same health history, applied to whatever the deployments are called. */
  function history(health: InMemoryHealthTracker, keys: string[]): void {
    const ok = (key: string, latencyMs: number, ttftMs?: number) => {
      health.started(key);
      health.ended(key, { ok: true, latencyMs, ttftMs });
    };
    ok(keys[0], 900, 300);
    ok(keys[1], 800, 250);
    ok(keys[2], 700);
    ok(keys[3], 1200, 250);
    health.started(keys[0]);
    health.started(keys[0]);
    health.started(keys[3]);
    health.observeHeaders(keys[0], { 'x-ratelimit-remaining-requests': '40' });
    health.observeHeaders(keys[1], { 'anthropic-ratelimit-requests-remaining': '40', 'anthropic-ratelimit-tokens-remaining': '9000' });
    health.observeHeaders(keys[3], { 'x-ratelimit-remaining-requests': '0' });
    fiveFailures(health, keys[4]);
  }

  it('renaming providers, provider types and models changes no strategy’s order', () => {
    const original = setup(SPECS);
    const renamed = setup(RENAMED);
    history(original.health, original.keys);
    history(renamed.health, renamed.keys);
    const positions = (ordered: readonly Candidate[], list: Candidate[]) => ordered.map((c) => list.indexOf(c));
    for (const name of STRATEGY_NAMES) {
      for (let r = 0; r < 40; r++) {
        const context = { requestId: `req_${r}`, inputTokens: 500 + r * 100, outputTokens: 50 + r * 37 };
        const a = strategyFor(name).rank(original.list, original.context(context));
        const b = strategyFor(name).rank(renamed.list, renamed.context(context));
        expect(positions(b.ordered, renamed.list), `${name} ${context.requestId}`).toEqual(positions(a.ordered, original.list));
      }
    }
  });

  it('hand-checked orders for the shared history', () => {
    const { health, keys, list, context } = setup(SPECS);
    history(health, keys);
    const order = (name: StrategyName) => ids(strategyFor(name).rank(list, context()).ordered);
    // sim has an open breaker: last everywhere.
    expect(order('priority')).toEqual(['gpt', 'claude', 'claude-bedrock', 'house', 'sim']);
    // 1200 in + 256 out: gpt 0.00556, claude 0.00744 = claude-bedrock, house unpriced.
    expect(order('cheapest')).toEqual(['gpt', 'claude', 'claude-bedrock', 'house', 'sim']);
    // TTFT: claude 250 = house 250 (declared order), gpt 300; claude-bedrock latency 700.
    expect(order('fastest')).toEqual(['claude', 'house', 'gpt', 'claude-bedrock', 'sim']);
    // In flight: gpt 2, house 1, others 0.
    expect(order('least-busy')).toEqual(['claude', 'claude-bedrock', 'house', 'gpt', 'sim']);
    // Requests 40 = 40, claude has known tokens; claude-bedrock unknown; house exhausted.
    expect(order('headroom')).toEqual(['claude', 'gpt', 'claude-bedrock', 'house', 'sim']);
  });
});
