import { describe, expect, it } from 'vitest';
import type { RoutingRow } from '../../src/routing/learned/dataset.js';
import { TASK_FAMILIES, type PromptProfile, type QualityProfile, type TaskFamily } from '../../src/routing/learned/learned-types.js';
import { createQualityPredictor, DEFAULT_SLOPE, familyLevel, fitQualityProfile, predictQuality } from '../../src/routing/learned/quality.js';

function prompt(difficulty: number, probs: Partial<Record<TaskFamily, number>> = { reasoning: 1 }): PromptProfile {
  const taskProbs = Object.fromEntries(TASK_FAMILIES.map((f) => [f, probs[f] ?? 0])) as Record<TaskFamily, number>;
  const task = TASK_FAMILIES.reduce((best, f) => (taskProbs[f] > taskProbs[best] ? f : best), TASK_FAMILIES[0]);
  return { task, taskProbs, difficulty, cluster: 0 };
}

describe('predictQuality', () => {
  const profiles: QualityProfile[] = [
    { byTask: { reasoning: 0.9, 'code-generation': 0.7 }, overall: 0.85, difficultySlope: 8 },
    { byTask: { reasoning: 0.4 }, overall: 0.5 },
    { byTask: {}, overall: 0.5, difficultySlope: 0.5 },
  ];

  it('is monotone: a harder prompt never gets a higher prediction, whatever the profile or task mixture', () => {
    const mixtures: Partial<Record<TaskFamily, number>>[] = [{ reasoning: 1 }, { chat: 0.5, 'code-generation': 0.5 }, { planning: 0.2, 'code-completion': 0.8 }];
    for (const profile of profiles) {
      for (const mix of mixtures) {
        let previous = Infinity;
        for (let d = 0; d <= 1.0001; d += 0.05) {
          const q = predictQuality(profile, prompt(d, mix), { reasoning: 0.3, chat: 0.5 });
          expect(q).toBeLessThanOrEqual(previous + 1e-12);
          expect(q).toBeGreaterThan(0);
          expect(q).toBeLessThan(1);
          previous = q;
        }
        expect(predictQuality(profile, prompt(0.9, mix))).toBeLessThan(predictQuality(profile, prompt(0.1, mix)));
      }
    }
  });

  it('equals the family level at the family reference difficulty, and mixes families by their probabilities', () => {
    const profile = profiles[0];
    expect(predictQuality(profile, prompt(0.3), { reasoning: 0.3 })).toBeCloseTo(0.9, 6);
    const mixed = predictQuality(profile, prompt(0.3, { reasoning: 0.5, 'code-generation': 0.5 }), { reasoning: 0.3, 'code-generation': 0.3 });
    expect(mixed).toBeCloseTo(0.8, 6);
  });

  it('falls back from a missing family to a related one, then to overall; the default slope applies', () => {
    const profile: QualityProfile = { byTask: { reasoning: 0.8, 'code-generation': 0.6 }, overall: 0.7 };
    expect(familyLevel(profile, 'planning')).toBe(0.8);
    expect(familyLevel(profile, 'code-completion')).toBe(0.6);
    expect(familyLevel(profile, 'chat')).toBe(0.7);
    const at = (d: number) => predictQuality(profile, prompt(d, { chat: 1 }), { chat: 0.5 });
    const logit = (p: number) => Math.log(p / (1 - p));
    expect(logit(at(0.5)) - logit(at(0.6))).toBeCloseTo(DEFAULT_SLOPE * 0.1, 6);
  });

  it('a predictor carries its reference difficulties', () => {
    const predictor = createQualityPredictor({ reasoning: 0.6 });
    expect(predictor.predict(profiles[0], prompt(0.6))).toBeCloseTo(0.9, 6);
  });
});

describe('fitQualityProfile', () => {
  /** Ten models per row; `strong` fails only the hardest rows, `coin` is unrelated to difficulty. */
  function toyRows(): RoutingRow[] {
    const rows: RoutingRow[] = [];
    for (let i = 0; i < 40; i += 1) {
      const failed = i % 10; // 0 … 9 of the 9 others fail
      const models: Record<string, { score: number }> = {};
      for (let m = 0; m < 9; m += 1) models[`other-${m}`] = { score: m < failed ? 0 : 1 };
      models.strong = { score: failed >= 8 ? 0 : 1 };
      models.coin = { score: i % 2 };
      rows.push({ task: i < 20 ? 'gsm8k' : 'mbpp', prompt: `q${i}`, split: 'train', models });
    }
    rows.push({ task: 'unknown-task', prompt: 'x', models: { strong: { score: 0 } } });
    return rows;
  }

  it('byTask is the mean score per family, overall the mean over all rows, and rows of unknown tasks are skipped', () => {
    const profile = fitQualityProfile(toyRows(), 'strong')!;
    expect(profile.byTask.reasoning).toBeCloseTo(0.8, 4);
    expect(profile.byTask['code-generation']).toBeCloseTo(0.8, 4);
    expect(profile.byTask.chat).toBeUndefined();
    expect(profile.overall).toBeCloseTo(0.8, 4);
  });

  it('the slope is large for a model that fails exactly the hard rows and near zero for one that ignores difficulty', () => {
    const strong = fitQualityProfile(toyRows(), 'strong')!;
    const coin = fitQualityProfile(toyRows(), 'coin')!;
    expect(strong.difficultySlope).toBeGreaterThan(8);
    expect(coin.difficultySlope).toBeLessThan(1);
    expect(coin.byTask.reasoning).toBeCloseTo(0.5, 4);
  });

  it('families with fewer than minRows rows get no byTask entry; an unscored model gets no profile', () => {
    const rows = toyRows().slice(0, 23); // 20 reasoning, 3 code
    const profile = fitQualityProfile(rows, 'strong', { minRows: 5 })!;
    expect(profile.byTask.reasoning).toBeDefined();
    expect(profile.byTask['code-generation']).toBeUndefined();
    expect(fitQualityProfile(rows, 'absent')).toBeUndefined();
  });
});
