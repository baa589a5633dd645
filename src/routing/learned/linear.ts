/**
 * The small linear learners the router's training uses, in plain TypeScript: a seeded PRNG, SGD for
 * multinomial logistic regression (task family) and for logistic regression on soft targets in [0, 1]
 * (difficulty), and k-means++ (prompt clusters). Deterministic for a given seed and input order.
 */
import { sparseDot, type SparseVector } from './features.js';

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher–Yates shuffle of 0 … n−1. */
export function shuffledIndices(n: number, rng: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
export const logit = (p: number): number => {
  const q = Math.min(Math.max(p, 1e-4), 1 - 1e-4);
  return Math.log(q / (1 - q));
};

export interface SgdOptions {
  epochs?: number;
  /** Initial learning rate. */
  lr?: number;
  /** L2 regularisation strength. */
  l2?: number;
  seed?: number;
  /** Per-example weights (default 1). */
  weights?: readonly number[];
}

/**
 * Binary cross-entropy SGD on targets in [0, 1] (soft labels allowed). Returns the weight vector
 * (the bias is a feature that is always 1). L2 is applied lazily through a shared scale.
 */
export function trainLogistic(x: readonly SparseVector[], y: readonly number[], dims: number, options: SgdOptions = {}): Float32Array {
  const { epochs = 8, lr = 0.5, l2 = 1e-5, seed = 1 } = options;
  const w = new Float64Array(dims);
  const rng = createRng(seed);
  let scale = 1;
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (const i of shuffledIndices(x.length, rng)) {
      const rate = lr / (1 + lr * l2 * t);
      t += 1;
      const p = sigmoid(scale * sparseDot(w, x[i]));
      const g = (p - y[i]) * (options.weights?.[i] ?? 1);
      scale *= 1 - rate * l2;
      const step = (rate * g) / scale;
      const { index, value } = x[i];
      for (let k = 0; k < index.length; k += 1) w[index[k]] -= step * value[k];
      if (scale < 1e-6) {
        for (let k = 0; k < dims; k += 1) w[k] *= scale;
        scale = 1;
      }
    }
  }
  const out = new Float32Array(dims);
  for (let k = 0; k < dims; k += 1) out[k] = w[k] * scale;
  return out;
}

/** Softmax probabilities of `classes` linear scores stored row by row in `w` (row c at c·dims). */
export function softmaxScores(w: ArrayLike<number>, x: SparseVector, classes: number, dims: number): number[] {
  const z = new Array<number>(classes);
  let max = -Infinity;
  for (let c = 0; c < classes; c += 1) {
    z[c] = sparseDot(w, x, c * dims);
    if (z[c] > max) max = z[c];
  }
  let sum = 0;
  for (let c = 0; c < classes; c += 1) {
    z[c] = Math.exp(z[c] - max);
    sum += z[c];
  }
  for (let c = 0; c < classes; c += 1) z[c] /= sum;
  return z;
}

/** Multinomial logistic regression by SGD; labels are class indices. Returns classes × dims weights. */
export function trainSoftmax(
  x: readonly SparseVector[],
  labels: readonly number[],
  classes: number,
  dims: number,
  options: SgdOptions = {},
): Float32Array {
  const { epochs = 6, lr = 0.5, l2 = 1e-5, seed = 1 } = options;
  const w = new Float64Array(classes * dims);
  const rng = createRng(seed);
  let scale = 1;
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (const i of shuffledIndices(x.length, rng)) {
      const rate = lr / (1 + lr * l2 * t);
      t += 1;
      const z = new Array<number>(classes);
      let max = -Infinity;
      for (let c = 0; c < classes; c += 1) {
        z[c] = scale * sparseDot(w, x[i], c * dims);
        if (z[c] > max) max = z[c];
      }
      let sum = 0;
      for (let c = 0; c < classes; c += 1) sum += (z[c] = Math.exp(z[c] - max));
      scale *= 1 - rate * l2;
      const weight = options.weights?.[i] ?? 1;
      const { index, value } = x[i];
      for (let c = 0; c < classes; c += 1) {
        const g = (z[c] / sum - (labels[i] === c ? 1 : 0)) * weight;
        if (g === 0) continue;
        const step = (rate * g) / scale;
        const offset = c * dims;
        for (let k = 0; k < index.length; k += 1) w[offset + index[k]] -= step * value[k];
      }
      if (scale < 1e-6) {
        for (let k = 0; k < w.length; k += 1) w[k] *= scale;
        scale = 1;
      }
    }
  }
  const out = new Float32Array(classes * dims);
  for (let k = 0; k < out.length; k += 1) out[k] = w[k] * scale;
  return out;
}

function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>, offset: number, dims: number): number {
  let sum = 0;
  for (let i = 0; i < dims; i += 1) {
    const d = a[i] - b[offset + i];
    sum += d * d;
  }
  return sum;
}

/** Index of the nearest of `k` centroids (stored row by row). */
export function nearestCentroid(point: ArrayLike<number>, centroids: ArrayLike<number>, k: number, dims: number): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let c = 0; c < k; c += 1) {
    const d = squaredDistance(point, centroids, c * dims, dims);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/** k-means++ seeding then Lloyd iterations; returns k × dims centroids. */
export function kMeans(points: readonly Float32Array[], k: number, dims: number, options: { seed?: number; iterations?: number } = {}): Float32Array {
  const { seed = 1, iterations = 25 } = options;
  const rng = createRng(seed);
  const centroids = new Float32Array(k * dims);
  if (points.length === 0) return centroids;
  const nearest = new Float64Array(points.length).fill(Infinity);
  let chosen = Math.floor(rng() * points.length);
  for (let c = 0; c < k; c += 1) {
    centroids.set(points[chosen], c * dims);
    let total = 0;
    for (let i = 0; i < points.length; i += 1) {
      nearest[i] = Math.min(nearest[i], squaredDistance(points[i], centroids, c * dims, dims));
      total += nearest[i];
    }
    let target = rng() * total;
    chosen = points.length - 1;
    for (let i = 0; i < points.length; i += 1) {
      target -= nearest[i];
      if (target <= 0) {
        chosen = i;
        break;
      }
    }
  }
  const assignment = new Int32Array(points.length);
  for (let iter = 0; iter < iterations; iter += 1) {
    let moved = 0;
    for (let i = 0; i < points.length; i += 1) {
      const c = nearestCentroid(points[i], centroids, k, dims);
      if (c !== assignment[i] || iter === 0) moved += 1;
      assignment[i] = c;
    }
    const sums = new Float64Array(k * dims);
    const counts = new Int32Array(k);
    for (let i = 0; i < points.length; i += 1) {
      const c = assignment[i];
      counts[c] += 1;
      for (let d = 0; d < dims; d += 1) sums[c * dims + d] += points[i][d];
    }
    for (let c = 0; c < k; c += 1) {
      if (counts[c] === 0) continue; // an empty cluster keeps its centroid
      for (let d = 0; d < dims; d += 1) centroids[c * dims + d] = sums[c * dims + d] / counts[c];
    }
    if (moved === 0) break;
  }
  return centroids;
}
