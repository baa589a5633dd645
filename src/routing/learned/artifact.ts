/**
 * The learned router's weights file (src/routing/learned/router-weights.json, written by
 * `npm run train:router`): its shape, and how float arrays are stored in it (int16, base64, one scale
 * per array: about 2.7 characters per weight).
 */
import type { QualityProfile, TaskFamily } from './learned-types.js';

export const ARTIFACT_FORMAT = 'switchyard-learned-router/2';

export interface EncodedArray {
  readonly encoding: 'int16-base64';
  readonly length: number;
  /** value = int16 × scale */
  readonly scale: number;
  readonly data: string;
}

/** A profile fitted from a dataset's train split, with what it was fitted on. */
export interface FittedProfile extends QualityProfile {
  readonly source: string;
  readonly rows: number;
}

export interface RouterArtifact {
  readonly format: typeof ARTIFACT_FORMAT;
  /** `<YYYY-MM-DD>.<first 12 hex of the sha256 of the content>`; recorded in decision receipts. */
  readonly version: string;
  /** sha256 of the artifact without `version` and `trainedAt` (equal for equal training inputs and seed). */
  readonly contentHash: string;
  readonly trainedAt: string;
  /** The representation the weights expect; a mismatch with features.ts is an error at load. */
  readonly features: {
    readonly hashBits: number;
    readonly sketchDims: number;
    readonly windowHead: number;
    readonly windowTail: number;
    readonly struct: readonly string[];
  };
  readonly task: { readonly classes: readonly TaskFamily[]; readonly weights: EncodedArray };
  readonly difficulty: {
    /** Names of the dense features (difficulty.ts), in order; a mismatch is an error at load. */
    readonly features: readonly string[];
    /** Ridge coefficients: intercept, then one per feature. */
    readonly coefficients: readonly number[];
    readonly lambda: number;
    /** Document frequency of hashed words over the training prompts (word rarity). */
    readonly rarity: { readonly bits: number; readonly docs: number; readonly df: EncodedArray };
    /** Mean difficulty of the training prompts of each family: the predictor's reference point. */
    readonly reference: Readonly<Partial<Record<TaskFamily, number>>>;
    readonly mean: number;
  };
  readonly clusters: { readonly k: number; readonly dims: number; readonly centroids: EncodedArray };
  /** The benchmark recognizer (benchmarks.ts): one class per canonical dataset task, over the folded features. */
  readonly benchmarks: {
    readonly bits: number;
    readonly names: readonly string[];
    readonly families: readonly TaskFamily[];
    readonly weights: EncodedArray;
  };
  /** Profiles fitted from the datasets' train splits, by the dataset's model name. */
  readonly profiles: Readonly<Record<string, FittedProfile>>;
  readonly training: Readonly<Record<string, unknown>>;
}

export function encodeArray(values: ArrayLike<number>): EncodedArray {
  let max = 0;
  for (let i = 0; i < values.length; i += 1) max = Math.max(max, Math.abs(values[i]));
  const scale = max === 0 ? 1 : max / 32767;
  const ints = new Int16Array(values.length);
  for (let i = 0; i < values.length; i += 1) ints[i] = Math.round(values[i] / scale);
  const bytes = Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength);
  return { encoding: 'int16-base64', length: values.length, scale: Number(scale.toPrecision(9)), data: bytes.toString('base64') };
}

export function decodeArray(encoded: EncodedArray): Float32Array {
  if (encoded.encoding !== 'int16-base64') throw new Error(`unknown weight encoding ${String(encoded.encoding)}`);
  const bytes = Buffer.from(encoded.data, 'base64');
  if (bytes.length !== encoded.length * 2) throw new Error(`weight array: expected ${encoded.length} values, got ${bytes.length / 2}`);
  const out = new Float32Array(encoded.length);
  for (let i = 0; i < encoded.length; i += 1) out[i] = bytes.readInt16LE(i * 2) * encoded.scale;
  return out;
}
