/**
 * Simulated model tiers. The tier is read from the upstream model name: a name containing
 * `large` or `small` picks that tier; every other name (`sim-medium`, `house-sim`, …) behaves like medium.
 * A tier fixes how long and how structured the simulated answers are.
 */
export type SimulatedTierName = 'small' | 'medium' | 'large';

export interface SimulatedTier {
  name: SimulatedTierName;
  /** Number of body sentences in a plain answer: [min, max]. */
  sentences: readonly [number, number];
  /** Large answers are a summary, a bullet list and a conclusion; the others are paragraphs. */
  structured: boolean;
  /** Paragraphs a medium answer is split into. */
  paragraphs: number;
  /** Scales the reasoning length derived from budget or effort. */
  reasoningFactor: number;
  /** Announces tool calls with a short sentence before calling (as stronger models tend to). */
  announcesToolCalls: boolean;
}

const TIERS: Readonly<Record<SimulatedTierName, SimulatedTier>> = Object.freeze({
  small: { name: 'small', sentences: [1, 2], structured: false, paragraphs: 1, reasoningFactor: 0.5, announcesToolCalls: false },
  medium: { name: 'medium', sentences: [3, 5], structured: false, paragraphs: 2, reasoningFactor: 1, announcesToolCalls: false },
  large: { name: 'large', sentences: [7, 9], structured: true, paragraphs: 3, reasoningFactor: 1.5, announcesToolCalls: true },
});

export function resolveSimulatedTier(upstreamModel: string): SimulatedTier {
  const name = upstreamModel.toLowerCase();
  if (/(^|[^a-z])large([^a-z]|$)/.test(name)) return TIERS.large;
  if (/(^|[^a-z])small([^a-z]|$)/.test(name)) return TIERS.small;
  return TIERS.medium;
}
