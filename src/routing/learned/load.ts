/**
 * Loads the learned router once: the committed weights file (router-weights.json, written by
 * `npm run train:router`) becomes an analyzer, a quality predictor with the file's reference
 * difficulties, and the profiles fitted from the datasets' train splits.
 */
import { analyzerWeightsFromArtifact, createPromptAnalyzer } from './analyzer.js';
import { ARTIFACT_FORMAT, type FittedProfile, type RouterArtifact } from './artifact.js';
import { canonicalTask } from './dataset.js';
import type { PromptAnalyzer, QualityPredictor, QualityProfile } from './learned-types.js';
import { resolveQualityProfile } from './profiles.js';
import { createQualityPredictor, type DifficultyReference } from './quality.js';
import weightsFile from './router-weights.json' with { type: 'json' };

export interface LearnedRouter {
  /** The weights' version (`<date>.<content hash>`), for decision receipts. */
  readonly version: string;
  readonly analyzer: PromptAnalyzer;
  readonly predictor: QualityPredictor;
  /** Mean training difficulty per family (the predictor's reference points). */
  readonly reference: DifficultyReference;
  /** Profiles fitted from the datasets' train splits, by dataset model name. */
  readonly profiles: Readonly<Record<string, FittedProfile>>;
  /** The dataset tasks the analyzer was trained on (canonical names, e.g. `arc-challenge`). */
  readonly trainedTasks: ReadonlySet<string>;
  /** A catalog model's profile: configured, else shipped, else dataset-fitted, else neutral (profiles.ts). */
  profileFor(model: CatalogModelRef): QualityProfile;
}

/** What profileFor reads of a catalog model (a ResolvedModel fits). */
export interface CatalogModelRef {
  readonly id: string;
  readonly upstreamModel?: string;
  readonly quality?: QualityProfile;
}

/** Builds a learned router from an artifact (the committed one, or one trained in process). */
export function learnedRouterFromArtifact(artifact: RouterArtifact): LearnedRouter {
  if (artifact.format !== ARTIFACT_FORMAT) {
    throw new Error(`learned router weights: unknown format ${String(artifact.format)} (expected ${ARTIFACT_FORMAT})`);
  }
  const analyzer = createPromptAnalyzer(analyzerWeightsFromArtifact(artifact));
  const reference = Object.freeze({ ...artifact.difficulty.reference });
  const perTask = (artifact.training.perTask ?? {}) as Record<string, number>;
  const resolved = new Map<string, QualityProfile>();
  const profiles = Object.freeze({ ...artifact.profiles });
  return Object.freeze({
    version: artifact.version,
    profileFor(model: CatalogModelRef): QualityProfile {
      if (model.quality) return model.quality;
      const key = `${model.id}\u0000${model.upstreamModel ?? ''}`;
      let profile = resolved.get(key);
      if (profile === undefined) {
        profile = resolveQualityProfile(model.id, model.upstreamModel, undefined, profiles).profile;
        resolved.set(key, profile);
      }
      return profile;
    },
    analyzer,
    predictor: createQualityPredictor(reference),
    reference,
    profiles,
    trainedTasks: new Set(Object.keys(perTask).map((key) => canonicalTask(key.slice(key.indexOf(':') + 1)))),
  });
}

let loaded: LearnedRouter | undefined;

/** The shipped learned router, decoded on first use and kept. */
export function loadLearnedRouter(): LearnedRouter {
  loaded ??= learnedRouterFromArtifact(weightsFile as unknown as RouterArtifact);
  return loaded;
}
