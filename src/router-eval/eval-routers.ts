import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EvalRouter, EvalRouterFactory, EvalRow } from './eval-types.js';
import { fnv1a32 } from '../routing/hash32.js';

/**
 * The routers `switchyard eval --router NAME` can replay, by name. Built in:
 *
 * - `task-prior`: fit on the train rows, it predicts each model's mean train score on the row's
 *   dataset task (the overall train mean for a task it has not seen, e.g. the held-out task with
 *   --loto). It cannot tell two prompts of the same task apart: a simple, honest learned baseline.
 * - `random`: a seeded uniform random prediction per (row, model), reproducible for a given --seed
 *   and independent of row order. Its expected apgr is 0.5.
 * - `oracle`: predicts the recorded score itself. It reads the outcomes, so it is not a router, only a
 *   check that the pipeline reaches the oracle baseline.
 * - `learned`: the trained analyzer and predictor (src/routing/learned/eval-router.ts, exporting
 *   `createLearnedEvalRouter()`), loaded on demand when that module exists.
 * - `difficulty-oracle[@r]`: the learned router given the row's recorded difficulty among the models
 *   not being evaluated, exact or blurred to correlation r (0 < r < 1) within each task. It reads
 *   outcomes, so it is a ceiling check: what a difficulty estimate that good would be worth.
 *
 * Other code registers more with `registerEvalRouter`.
 */

const registry = new Map<string, { description: string; factory: EvalRouterFactory }>();

export function registerEvalRouter(name: string, description: string, factory: EvalRouterFactory): void {
  registry.set(name, { description, factory });
}

/** Names and descriptions of the routers that can be created now (`learned` only when its module exists). */
export function evalRouterNames(): { name: string; description: string }[] {
  const names = [...registry.entries()].map(([name, r]) => ({ name, description: r.description }));
  if (!registry.has('learned') && learnedModuleUrl() !== null) {
    names.push({ name: 'learned', description: 'the trained analyzer and predictor (src/routing/learned)' });
    names.push({ name: 'difficulty-oracle[@r]', description: "ceiling check: the learned router given the row's recorded difficulty (other models' outcomes), blurred to correlation r" });
  }
  return names;
}

export class UnknownRouterError extends Error {}

/** `difficulty-oracle` or `difficulty-oracle@r` with 0 < r ≤ 1. */
const DIFFICULTY_ORACLE = /^difficulty-oracle(?:@(1(?:\.0*)?|0?\.\d*[1-9]\d*))?$/;

export async function createEvalRouter(name: string, options: { seed?: number } = {}): Promise<EvalRouter> {
  const entry = registry.get(name);
  if (entry) return entry.factory(options);
  const ceiling = DIFFICULTY_ORACLE.exec(name);
  if (name === 'learned' || ceiling) {
    const url = learnedModuleUrl();
    if (url === null) throw new UnknownRouterError(`router "${name}" is not available in this build (src/routing/learned/eval-router.ts does not exist yet)`);
    const module = (await import(url)) as { createLearnedEvalRouter?: (options?: { seed?: number; difficultyOracle?: number }) => EvalRouter | Promise<EvalRouter> };
    if (typeof module.createLearnedEvalRouter !== 'function') throw new UnknownRouterError(`router "${name}": routing/learned/eval-router does not export createLearnedEvalRouter()`);
    return module.createLearnedEvalRouter({
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(ceiling ? { difficultyOracle: ceiling[1] === undefined ? 1 : Number(ceiling[1]) } : {}),
    });
  }
  throw new UnknownRouterError(`unknown router "${name}"; available: ${evalRouterNames().map((r) => r.name).join(', ')}`);
}

/** The learned router's module beside this one in the build (…/routing/learned/eval-router.js or .ts under vitest), or null. */
function learnedModuleUrl(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const file of ['eval-router.js', 'eval-router.ts']) {
    const path = join(here, '..', 'routing', 'learned', file);
    if (existsSync(path)) return pathToFileURL(path).href;
  }
  return null;
}

// ---------------------------------------------------------------- built-in routers

/** A uniform number in [0, 1) determined by the seed, the row and the model (mulberry32 finaliser). */
export function seededUniform(seed: number, key: string): number {
  let t = (fnv1a32(key, seed) + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function createRandomRouter(seed: number): EvalRouter {
  return {
    name: 'random',
    score(row: EvalRow, models: string[]) {
      return Object.fromEntries(models.map((m) => [m, seededUniform(seed, `${row.id}\u0000${m}`)]));
    },
  };
}

export function createTaskPriorRouter(): EvalRouter {
  const byTask = new Map<string, Map<string, { sum: number; n: number }>>();
  const overall = new Map<string, { sum: number; n: number }>();
  const add = (table: Map<string, { sum: number; n: number }>, model: string, score: number) => {
    const cell = table.get(model) ?? { sum: 0, n: 0 };
    cell.sum += score;
    cell.n += 1;
    table.set(model, cell);
  };
  const mean = (table: Map<string, { sum: number; n: number }> | undefined, model: string) => {
    const cell = table?.get(model);
    return cell && cell.n > 0 ? cell.sum / cell.n : undefined;
  };
  return {
    name: 'task-prior',
    fit(train: EvalRow[], models: string[]) {
      byTask.clear();
      overall.clear();
      for (const row of train) {
        let table = byTask.get(row.task);
        if (!table) byTask.set(row.task, (table = new Map()));
        for (const model of models) {
          const outcome = row.models[model];
          if (!outcome) continue;
          add(table, model, outcome.score);
          add(overall, model, outcome.score);
        }
      }
    },
    score(row: EvalRow, models: string[]) {
      return Object.fromEntries(models.map((m) => [m, mean(byTask.get(row.task), m) ?? mean(overall, m) ?? 0]));
    },
  };
}

export function createOracleRouter(): EvalRouter {
  return {
    name: 'oracle',
    score(row: EvalRow, models: string[]) {
      return Object.fromEntries(models.map((m) => [m, row.models[m]?.score ?? 0]));
    },
  };
}

registerEvalRouter('task-prior', "each model's mean train score on the row's task (overall train mean for an unseen task)", () => createTaskPriorRouter());
registerEvalRouter('random', 'seeded uniform random predictions (--seed, default 1)', ({ seed }) => createRandomRouter(seed ?? 1));
registerEvalRouter('oracle', 'reads the recorded scores: a check of the pipeline, not a router', () => createOracleRouter());
