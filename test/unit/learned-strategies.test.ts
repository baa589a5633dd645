import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { resolveConfig, type ResolvedModel } from '../../src/config/resolve-config.js';
import { InMemoryHealthTracker } from '../../src/routing/health/in-memory-health-tracker.js';
import { learnedContext, promptText, type LearnedRouter } from '../../src/routing/learned/learned-context.js';
import type { PromptProfile, QualityProfile, TaskFamily } from '../../src/routing/learned/learned-types.js';
import { planRequest } from '../../src/routing/plan-request.js';
import { readRequestFeatures } from '../../src/routing/request-features.js';
import { LEARNED_TIE_BREAK } from '../../src/routing/strategies/quality-cost.js';
import { gatewayLearnedRouter } from '../../src/routing/learned/gateway-router.js';

/**
 * The task-tier and quality-cost strategies, through planRequest on resolved configs: the knob, the
 * tiers, the declared tie-break, the receipt, and neutrality (renaming providers and moving the house
 * model changes no decision).
 *
 * The analyzer here is a small deterministic one written for these tests (keywords → family,
 * a "hard" marker → difficulty): it makes the expected decisions computable by hand. The trained
 * analyzer has its own tests.
 */

const FAMILIES: TaskFamily[] = ['reasoning', 'planning', 'code-completion', 'code-generation', 'chat'];

function profileOf(task: TaskFamily, difficulty: number, cluster = 0): PromptProfile {
  const taskProbs = Object.fromEntries(FAMILIES.map((f) => [f, f === task ? 1 : 0])) as Record<TaskFamily, number>;
  return { task, taskProbs, difficulty, cluster };
}

const keywordAnalyzer = {
  version: 'test-keywords',
  analyze(text: string, hints?: { tools?: boolean }): PromptProfile {
    const difficulty = text.includes('HARD') ? 0.9 : text.includes('MEDIUM') ? 0.5 : 0.1;
    if (hints?.tools) return profileOf('planning', difficulty);
    if (/prove|solve|integral/i.test(text)) return profileOf('reasoning', difficulty);
    if (/write a function|python/i.test(text)) return profileOf('code-generation', difficulty);
    return profileOf('chat', difficulty);
  },
};

/** Quality = the declared profile's family score minus a difficulty penalty (monotone, simple). */
const router: LearnedRouter = {
  analyzer: keywordAnalyzer,
  predictor: { predict: (p: QualityProfile, prompt: PromptProfile) => (p.byTask[prompt.task] ?? p.overall) - 0.2 * prompt.difficulty },
  profileFor: (m: ResolvedModel) => m.quality ?? { overall: 0.5, byTask: {} },
};

const PROVIDERS = {
  openai: { type: 'openai', apiKey: 'sk-test-0000000000000000' },
  anthropic: { type: 'anthropic', apiKey: 'sk-ant-test-000000000000' },
  house: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' },
};

function baseDocument(providerOf: Record<string, string>) {
  return {
    providers: PROVIDERS,
    models: [
      { id: 'big', provider: providerOf.big, tier: 'large', pricing: { inputPerMTok: 10, outputPerMTok: 30 }, quality: { overall: 0.9, byTask: { reasoning: 0.92, chat: 0.9 } } },
      { id: 'mid', provider: providerOf.mid, tier: 'medium', pricing: { inputPerMTok: 2, outputPerMTok: 8 }, quality: { overall: 0.8, byTask: { reasoning: 0.8, chat: 0.88 } } },
      { id: 'small', provider: providerOf.small, tier: 'small', pricing: { inputPerMTok: 0.2, outputPerMTok: 0.8 }, quality: { overall: 0.6, byTask: { reasoning: 0.5, chat: 0.85 } } },
    ],
    routes: {
      qc: { candidates: ['big', 'mid', 'small'], strategy: 'quality-cost', qualityCost: { quality: 0.9, min: 0.5, max: 1 } },
      tiers: {
        candidates: ['small', 'mid', 'big'],
        strategy: 'task-tier',
        taskTiers: { tiers: { reasoning: ['large', 'medium'], chat: ['small'], 'code-generation': ['medium'] }, hard: { above: 0.8, tier: 'large' } },
      },
    },
  };
}

const ORIGINAL = { big: 'openai', mid: 'anthropic', small: 'house' };

function plan(document: ReturnType<typeof baseDocument>, route: string, text: string, options: { quality?: number; tools?: boolean; router?: LearnedRouter } = {}) {
  const config = resolveConfig(parseConfig(document, {}), {});
  const body: Record<string, unknown> = { model: route, messages: [{ role: 'user', content: text }], max_tokens: 100 };
  if (options.tools) body.tools = [{ type: 'function', function: { name: 'search', parameters: { type: 'object' } } }];
  const features = readRequestFeatures('openai-chat', body);
  return planRequest(config, route, {
    requestId: 'req_1',
    features,
    health: new InMemoryHealthTracker({}),
    now: Date.now(),
    inputTokens: () => 1000,
    filters: [],
    learned: learnedContext(options.router ?? router, body, { tools: features.tools, ...(options.quality !== undefined ? { requestedQuality: options.quality } : {}) }),
  });
}

const first = (p: ReturnType<typeof plan>) => p.steps[0].deployment.model.id;

describe('quality-cost', () => {
  it('chooses the cheapest candidate predicted within (1 − quality) of the best', () => {
    // chat, easy (d=0.1): big 0.88, mid 0.86, small 0.83. Knob 0.9 → tolerance 0.1 → all eligible → small.
    expect(first(plan(baseDocument(ORIGINAL), 'qc', 'hello there'))).toBe('small');
    // reasoning, easy: big 0.90, mid 0.78, small 0.48 → within 0.1 of 0.90: big only → big.
    expect(first(plan(baseDocument(ORIGINAL), 'qc', 'solve x^2 = 4'))).toBe('big');
  });

  it('takes the x-switchyard-quality knob, clamped to the route range', () => {
    // chat: knob 1 → tolerance 0 → big (best); knob 0 is clamped to the route's min 0.5 → tolerance 0.5 → small.
    expect(first(plan(baseDocument(ORIGINAL), 'qc', 'hello there', { quality: 1 }))).toBe('big');
    expect(first(plan(baseDocument(ORIGINAL), 'qc', 'hello there', { quality: 0 }))).toBe('small');
    // reasoning with knob 0.75 (tolerance 0.25): big 0.90, mid 0.78 → mid is cheaper within tolerance.
    expect(first(plan(baseDocument(ORIGINAL), 'qc', 'solve x^2 = 4', { quality: 0.75 }))).toBe('mid');
  });

  it('orders the rest of the plan by predicted quality (a failure moves up, not down)', () => {
    const p = plan(baseDocument(ORIGINAL), 'qc', 'hello there');
    expect(p.steps.map((s) => s.deployment.model.id)).toEqual(['small', 'big', 'mid']);
  });

  it('writes a receipt: policy, every candidate with quality and cost, the tie-break rule, the choice', () => {
    const p = plan(baseDocument(ORIGINAL), 'qc', 'solve x^2 = 4', { quality: 0.75 });
    const receipt = p.receipt!;
    expect(receipt.strategy).toBe('quality-cost');
    expect(receipt.policy).toEqual({ strategy: 'quality-cost', route: 'qc', quality: 0.9, min: 0.5, max: 1, analyzer: 'test-keywords' });
    expect(receipt.applied).toEqual({ quality: 0.75, tolerance: 0.25 });
    expect(receipt.choice).toBe('anthropic/mid');
    expect(receipt.tie_break).toBe(LEARNED_TIE_BREAK);
    const mid = receipt.candidates.find((c) => c.model === 'mid')!;
    expect(mid).toMatchObject({ provider: 'anthropic', quality: 0.78, available: true, note: 'within tolerance' });
    expect(mid.cost_usd).toBeCloseTo((1000 * 2 + 100 * 8) / 1e6, 9);
    expect(receipt.candidates.find((c) => c.model === 'small')!.note).toBe('outside tolerance');
    expect(receipt.prompt).toMatchObject({ task: 'reasoning', analyzer: 'test-keywords' });
  });

  it('breaks ties by the declared rule, not by name: equal quality and price go to declared order', () => {
    const document = baseDocument(ORIGINAL);
    const same = { pricing: { inputPerMTok: 1, outputPerMTok: 1 }, quality: { overall: 0.7, byTask: {} } };
    document.models = [
      { id: 'zeta', provider: 'openai', tier: 'large', ...same },
      { id: 'alpha', provider: 'anthropic', tier: 'large', ...same },
    ] as typeof document.models;
    document.routes = { qc: { candidates: ['zeta', 'alpha'], strategy: 'quality-cost' } } as unknown as typeof document.routes;
    expect(first(plan(document, 'qc', 'hello'))).toBe('zeta');
    (document.routes as unknown as { qc: { candidates: string[] } }).qc.candidates = ['alpha', 'zeta'];
    expect(first(plan(document, 'qc', 'hello'))).toBe('alpha');
  });
});

describe('task-tier', () => {
  it('maps the task family to the declared tiers, cheapest first inside a tier', () => {
    expect(first(plan(baseDocument(ORIGINAL), 'tiers', 'hello there'))).toBe('small');
    expect(first(plan(baseDocument(ORIGINAL), 'tiers', 'solve the integral MEDIUM'))).toBe('big');
    expect(first(plan(baseDocument(ORIGINAL), 'tiers', 'write a function in python'))).toBe('mid');
  });

  it('sends hard prompts to the hard tier first, and tools to the planning mapping (unmapped: best predicted)', () => {
    expect(first(plan(baseDocument(ORIGINAL), 'tiers', 'hello there HARD'))).toBe('big');
    // planning is not mapped: ranked by predicted quality (overall: big 0.9 → first).
    const p = plan(baseDocument(ORIGINAL), 'tiers', 'book a flight', { tools: true });
    expect(p.steps.map((s) => s.deployment.model.id)).toEqual(['big', 'mid', 'small']);
    expect(p.receipt!.candidates.find((c) => c.model === 'big')!.note).toContain('not mapped for planning');
  });
});

describe('neutrality', () => {
  const PROMPTS = ['hello there', 'solve x^2 = 4', 'solve the integral HARD', 'write a function in python', 'summarize MEDIUM', 'prove it MEDIUM', 'book a flight'];

  it('holds with the shipped analyzer and profiles too', () => {
    const shipped = gatewayLearnedRouter();
    const worlds = [ORIGINAL, { big: 'house', mid: 'openai', small: 'anthropic' }];
    for (const route of ['qc', 'tiers']) {
      for (const text of PROMPTS) {
        const [a, b] = worlds.map((world) => {
          const p = plan(baseDocument(world), route, text, { router: shipped });
          return JSON.stringify({ order: p.steps.map((s) => s.deployment.model.id), candidates: p.receipt!.candidates.map(({ provider: _p, deployment: _d, ...rest }) => rest) });
        });
        expect(b, `${route} "${text}"`).toBe(a);
      }
    }
  });

  it('renaming providers and marking a different model as the house model changes no decision', () => {
    // The "house" provider serves `small` in one world and `big` in the other; providers are shuffled.
    const worlds = [ORIGINAL, { big: 'house', mid: 'openai', small: 'anthropic' }, { big: 'anthropic', mid: 'house', small: 'openai' }];
    for (const route of ['qc', 'tiers']) {
      for (const [i, text] of PROMPTS.entries()) {
        for (const quality of [undefined, 0.5, 0.8, 1]) {
          const decisions = worlds.map((world) => {
            const p = plan(baseDocument(world), route, text, { tools: i === PROMPTS.length - 1, ...(quality !== undefined ? { quality } : {}) });
            const receipt = p.receipt!;
            // What a decision is: the order of models, and every score in the receipt (without the provider names).
            return JSON.stringify({
              order: p.steps.map((s) => s.deployment.model.id),
              reason: p.reason.replace(/\b(openai|anthropic|house)\//g, ''),
              candidates: receipt.candidates.map(({ provider: _p, deployment: _d, ...rest }) => rest),
              choice: receipt.choice.split('/')[1],
              policy: receipt.policy,
            });
          });
          expect(decisions[1], `${route} "${text}" q=${quality}`).toBe(decisions[0]);
          expect(decisions[2], `${route} "${text}" q=${quality}`).toBe(decisions[0]);
        }
      }
    }
  });
});

describe('promptText', () => {
  it('reads the last user message (string or text parts), bounded', () => {
    expect(promptText({ messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'x' }, { role: 'user', content: [{ type: 'text', text: 'last' }] }] })).toBe('last');
    const huge = `${'a'.repeat(10_000)}MIDDLE${'b'.repeat(10_000)}`;
    const bounded = promptText({ messages: [{ role: 'user', content: huge }] });
    expect(bounded.length).toBeLessThan(6_100);
    expect(bounded).not.toContain('MIDDLE');
    expect(promptText({ system: 'sys only', messages: [] })).toBe('sys only');
  });
});
