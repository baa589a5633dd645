import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeArray, encodeArray, type RouterArtifact } from '../../src/routing/learned/artifact.js';
import type { RoutingRow } from '../../src/routing/learned/dataset.js';
import { createLearnedEvalRouter, DifficultyOracle } from '../../src/routing/learned/eval-router.js';
import { learnedRouterFromArtifact, loadLearnedRouter } from '../../src/routing/learned/load.js';
import { NEUTRAL_PROFILE, profileIdForms, resolveQualityProfile } from '../../src/routing/learned/profiles.js';
import { trainRouter } from '../../src/routing/learned/train.js';

const WEIGHTS = new URL('../../src/routing/learned/router-weights.json', import.meta.url);

/** A small synthetic routing dataset: arithmetic (reasoning), code requests and trivia (chat). */
function syntheticRows(): RoutingRow[] {
  const rows: RoutingRow[] = [];
  for (let i = 0; i < 30; i += 1) {
    const hard = i % 3 === 0;
    const split = i % 5 === 4 ? 'test' : 'train';
    const models = (weakScore: number) => ({ big: { score: 1 }, small: { score: weakScore }, tiny: { score: hard ? 0 : weakScore } });
    rows.push({ task: 'gsm8k', split, prompt: `If Tom has ${i + 3} apples and buys ${2 * i + 1} more, then gives away ${i}, how many apples does he have${hard ? ' after multiplying by 7 and dividing by the remainder' : ''}?`, models: models(hard ? 0 : 1) });
    rows.push({ task: 'mbpp', split, prompt: `Write a function to ${['reverse a list', 'sum the digits of a number', 'find the longest word'][i % 3]} in variant ${i}.`, models: models(i % 2) });
    rows.push({ task: 'trivia_qa', split, prompt: `Who was the ${i + 1}th person to ${['walk on the moon', 'win the Tour de France', 'climb Everest'][i % 3]}?`, models: models(hard ? 0 : 1) });
  }
  return rows;
}

describe('training', () => {
  it('is reproducible: the same rows and seed give the same weights and content hash; another seed gives others', () => {
    const data = [{ name: 'synthetic', rows: syntheticRows() }];
    const a = trainRouter(data, { seed: 3, epochs: 3, clusters: 4, date: '2025-01-02' });
    const b = trainRouter(data, { seed: 3, epochs: 3, clusters: 4, date: '2025-01-03' });
    expect(b.contentHash).toBe(a.contentHash);
    expect(b.task.weights.data).toBe(a.task.weights.data);
    expect(a.version).toBe(`2025-01-02.${a.contentHash.slice(0, 12)}`);
    expect(b.version).toBe(`2025-01-03.${a.contentHash.slice(0, 12)}`);
    const c = trainRouter(data, { seed: 4, epochs: 3, clusters: 4, date: '2025-01-02' });
    expect(c.contentHash).not.toBe(a.contentHash);
  });

  it('trains on train rows only, fits a profile per dataset model, and the artifact loads into a working analyzer', () => {
    const rows = syntheticRows();
    const artifact = trainRouter([{ name: 'synthetic', rows }], { seed: 1, epochs: 4, clusters: 4, date: '2025-01-02' });
    expect(artifact.training.rows).toBe(rows.filter((r) => r.split === 'train').length);
    expect(artifact.task.classes).toEqual(['reasoning', 'code-generation', 'chat']);
    expect(Object.keys(artifact.profiles).sort()).toEqual(['big', 'small', 'tiny']);
    expect(artifact.profiles.big.overall).toBe(1);
    expect(artifact.profiles.tiny.overall).toBeLessThan(artifact.profiles.small.overall);
    const router = learnedRouterFromArtifact(artifact);
    expect(router.version).toBe(artifact.version);
    expect(router.analyzer.analyze('Write a function to reverse a string.').task).toBe('code-generation');
    expect(router.analyzer.analyze('If Anna has 4 apples and buys 9 more, how many apples does she have?').task).toBe('reasoning');
    expect(router.trainedTasks).toEqual(new Set(['gsm8k', 'mbpp', 'trivia_qa']));
  });

  it('leaves out excluded tasks (aliases included) and train rows that duplicate a test question', () => {
    const rows = syntheticRows();
    const dup = { ...rows.find((r) => r.split === 'test')!, split: 'train' };
    const artifact = trainRouter([{ name: 'synthetic', rows: [...rows, dup] }], { seed: 1, epochs: 1, clusters: 2, excludeTasks: ['trivia_qa'], profiles: false });
    expect(artifact.training.leftOutAsTestDuplicates).toBe(1);
    expect(artifact.task.classes).toEqual(['reasoning', 'code-generation']);
    expect(Object.keys(artifact.profiles)).toEqual([]);
  });

  it('weights survive the int16 encoding to within one step', () => {
    const values = Float32Array.from([0, 1.5, -2.25, 1e-4, -3]);
    const decoded = decodeArray(encodeArray(values));
    for (let i = 0; i < values.length; i += 1) expect(Math.abs(decoded[i] - values[i])).toBeLessThanOrEqual(3 / 32767);
  });
});

describe('the committed artifact', () => {
  const file = JSON.parse(readFileSync(WEIGHTS, 'utf8')) as RouterArtifact;

  it('is small, versioned as <date>.<content hash>, and its hash matches its content', () => {
    expect(statSync(WEIGHTS).size).toBeLessThan(1_000_000);
    expect(file.version).toMatch(/^\d{4}-\d{2}-\d{2}\.[0-9a-f]{12}$/);
    const { version, contentHash, trainedAt, ...content } = file;
    expect(version).toBe(`${trainedAt}.${contentHash.slice(0, 12)}`);
    expect(createHash('sha256').update(JSON.stringify(content)).digest('hex')).toBe(contentHash);
  });

  it('loads once, with its version, analyzer, predictor and the dataset profiles', () => {
    const router = loadLearnedRouter();
    expect(loadLearnedRouter()).toBe(router);
    expect(router.version).toBe(file.version);
    expect(router.analyzer.version).toBe(file.version);
    expect(router.profiles['gpt-4-1106-preview'].overall).toBeGreaterThan(router.profiles['mistralai/mixtral-8x7b-chat'].overall);
    expect(router.trainedTasks.has('arc-challenge')).toBe(true);
  });
});

describe('resolveQualityProfile', () => {
  it('configured > shipped (dated, Bedrock and vendor-prefixed ids) > dataset-fitted > neutral', () => {
    const configured = { byTask: { reasoning: 0.42 }, overall: 0.4 };
    expect(resolveQualityProfile('gpt-4o', 'gpt-4o', configured)).toMatchObject({ source: 'configured', profile: configured });
    expect(resolveQualityProfile('my-4o', 'gpt-4o-2024-08-06')).toMatchObject({ source: 'shipped', entry: 'gpt-4o', matchedAs: 'gpt-4o' });
    expect(resolveQualityProfile('sonnet', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toMatchObject({ source: 'shipped', entry: 'claude-3-5-sonnet' });
    expect(resolveQualityProfile('claude-sonnet-4-20250514', undefined)).toMatchObject({ source: 'shipped', entry: 'claude-sonnet-4' });
    expect(resolveQualityProfile('llama', 'meta-llama/Llama-3.3-70B-Instruct')).toMatchObject({ source: 'shipped', entry: 'llama-3.3-70b-instruct' });
    expect(resolveQualityProfile('gpt-4.1-mini-2025-04-14', undefined).entry).toBe('gpt-4.1-mini');
    const shipped = resolveQualityProfile('gpt-4o', undefined);
    expect(shipped.note).toMatch(/MMLU/);
    expect(shipped.profile).not.toHaveProperty('source');
    expect(resolveQualityProfile('mixtral', 'mistralai/mixtral-8x7b-chat')).toMatchObject({ source: 'dataset', entry: 'mistralai/mixtral-8x7b-chat' });
    expect(resolveQualityProfile('house-model', 'acme-house-7b')).toMatchObject({ source: 'neutral', profile: NEUTRAL_PROFILE });
    expect(NEUTRAL_PROFILE.overall).toBe(0.5);
  });

  it('profileFor prefers the configured quality and resolves the rest once', () => {
    const router = loadLearnedRouter();
    const quality = { byTask: {}, overall: 0.3 };
    expect(router.profileFor({ id: 'x', upstreamModel: 'gpt-4o', quality })).toBe(quality);
    expect(router.profileFor({ id: 'x', upstreamModel: 'gpt-4o' }).overall).toBeCloseTo(0.775, 3);
    expect(router.profileFor({ id: 'x', upstreamModel: 'gpt-4o' })).toBe(router.profileFor({ id: 'x', upstreamModel: 'gpt-4o' }));
  });

  it('id forms strip region, vendor, version, -latest and date', () => {
    expect(profileIdForms('us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toContain('claude-3-5-sonnet');
    expect(profileIdForms('gpt-4o-2024-08-06')).toContain('gpt-4o');
    expect(profileIdForms('claude-3-7-sonnet-latest')).toContain('claude-3-7-sonnet');
  });
});

describe('createLearnedEvalRouter', () => {
  const rows = syntheticRows().map((r) => ({ ...r, task: r.task!, question: r.prompt }));

  it('fits profiles on the train rows and scores each model by its predicted quality', () => {
    const router = createLearnedEvalRouter();
    router.fit(rows.filter((r) => r.split === 'train'), ['big', 'tiny', 'gpt-4o']);
    const scores = router.score(rows.find((r) => r.split === 'test')!, ['big', 'tiny', 'gpt-4o']);
    expect(Object.keys(scores).sort()).toEqual(['big', 'gpt-4o', 'tiny']);
    expect(scores.big).toBeGreaterThan(scores.tiny);
    for (const v of Object.values(scores)) expect(v).toBeGreaterThan(0);
    expect(router.analyzerSource()).toBe('shipped');
  });

  it('retrains the analyzer on the fit rows when a scored task was held out of them but seen by the shipped weights', () => {
    const router = createLearnedEvalRouter({ seed: 1 });
    router.fit(rows.filter((r) => r.split === 'train' && r.task !== 'mbpp'), ['big', 'tiny']);
    router.score(rows.find((r) => r.task === 'gsm8k')!, ['big', 'tiny']);
    expect(router.analyzerSource()).toBe('shipped');
    router.score(rows.find((r) => r.task === 'mbpp')!, ['big', 'tiny']);
    expect(router.analyzerSource()).toBe('retrained');
  });
});

describe('difficulty-oracle (a ceiling check)', () => {
  /** Rows of one task whose prompts are identical: only the other models' outcomes tell them apart. */
  const sameText = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const others = i % 4; // 0…3 of the three other models fail
      const hard = others >= 2;
      return {
        id: `r${i}`,
        task: 'gsm8k',
        split: i % 5 === 4 ? 'test' : 'train',
        prompt: 'What is 12 times 7, minus 5?',
        question: 'What is 12 times 7, minus 5?',
        models: {
          big: { score: hard && i % 8 === 3 ? 0 : 1 },
          tiny: { score: hard ? 0 : 1 },
          a: { score: others >= 1 ? 0 : 1 },
          b: { score: others >= 2 ? 0 : 1 },
          c: { score: others >= 3 ? 0 : 1 },
        },
      };
    });

  it('orders prompts the learned router cannot tell apart by their recorded difficulty among the other models', async () => {
    const rows = sameText(80);
    const train = rows.filter((r) => r.split === 'train');
    const learned = createLearnedEvalRouter();
    learned.fit(train, ['big', 'tiny']);
    const gap = (router: ReturnType<typeof createLearnedEvalRouter>, row: (typeof rows)[number]) => {
      const s = router.score(row, ['big', 'tiny']);
      return s.big - s.tiny;
    };
    const easy = rows.find((r) => r.split === 'test' && r.models.a.score === 1)!;
    const hard = rows.find((r) => r.split === 'test' && r.models.c.score === 0)!;
    expect(gap(learned, hard)).toBe(gap(learned, easy));

    const oracle = createLearnedEvalRouter({ difficultyOracle: 1 });
    oracle.fit(train, ['big', 'tiny']);
    expect(oracle.name).toBe('difficulty-oracle');
    expect(gap(oracle, hard)).toBeGreaterThan(gap(oracle, easy));

    const { createEvalRouter, UnknownRouterError } = await import('../../src/router-eval/eval-routers.js');
    expect((await createEvalRouter('difficulty-oracle@0.5')).name).toBe('difficulty-oracle@0.5');
    for (const bad of ['difficulty-oracle@0', 'difficulty-oracle@1.5', 'difficulty-oracle@x']) await expect(createEvalRouter(bad)).rejects.toBeInstanceOf(UnknownRouterError);
  });

  it('blurs the recorded difficulty to about the requested correlation, reproducibly', () => {
    const rows = Array.from({ length: 4000 }, (_, i) => ({
      id: `g${i}`,
      task: i % 2 ? 'arc-challenge' : 'mbpp',
      prompt: 'q',
      models: { s: { score: 1 }, w: { score: 0 }, o1: { score: ((i * 7919) % 101) / 100 }, o2: { score: ((i * 104729) % 97) / 96 } },
    }));
    const exact = rows.map((r) => 1 - (r.models.o1.score + r.models.o2.score) / 2);
    for (const r of [0.3, 0.7]) {
      const oracle = new DifficultyOracle(r, 1);
      oracle.fit(rows, ['s', 'w']);
      const blurred = rows.map((row) => oracle.difficulty(row));
      expect(Math.abs(pearson(exact, blurred) - r)).toBeLessThan(0.06);
      const again = new DifficultyOracle(r, 1);
      again.fit(rows, ['s', 'w']);
      expect(rows.slice(0, 50).map((row) => again.difficulty(row))).toEqual(blurred.slice(0, 50));
    }
    const exactOracle = new DifficultyOracle(1, 1);
    exactOracle.fit(rows, ['s', 'w']);
    expect(exactOracle.difficulty(rows[3])).toBeCloseTo(exact[3], 12);
    expect(() => new DifficultyOracle(0, 1)).toThrow(RangeError);
    expect(() => new DifficultyOracle(1, 1).fit(rows, ['s', 'w', 'o1', 'o2'])).toThrow(/no train row has a model outside/);
  });
});

function pearson(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i += 1) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
