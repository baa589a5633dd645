/**
 * Where a catalog model's quality profile comes from, in order:
 *
 * 1. `configured`: the model's `quality` in the configuration (always wins);
 * 2. `shipped`: default-profiles.json, public benchmark results of well-known models (each entry names
 *    its source), matched by the model id, then by the upstream id, in the spirit of the price
 *    catalog: lower-cased, without a vendor prefix (`openai/`, `anthropic.`, a Bedrock region prefix),
 *    `-latest`, a Bedrock version suffix (`-v1:0`) or a snapshot date (`-2024-08-06`, `-20241022`);
 * 3. `dataset`: a profile fitted from a routing dataset's train split (router-weights.json) for a
 *    model of that dataset, matched the same way;
 * 4. `neutral`: nothing is known — {overall: 0.5} with the default slope. It says nothing about the
 *    model (not even its price tier); declare a `quality` for such models.
 */
import type { FittedProfile } from './artifact.js';
import defaultProfilesFile from './default-profiles.json' with { type: 'json' };
import type { QualityProfile } from './learned-types.js';
import { loadLearnedRouter } from './load.js';

export interface ShippedProfile extends QualityProfile {
  /** Where the numbers come from. */
  readonly source: string;
  /** Other ids this entry stands for. */
  readonly aliases?: readonly string[];
}

export interface ResolvedQualityProfile {
  readonly profile: QualityProfile;
  readonly source: 'configured' | 'shipped' | 'dataset' | 'neutral';
  /** The entry that matched (shipped, dataset), and the form of the id that matched it. */
  readonly entry?: string;
  readonly matchedAs?: string;
  /** Human-readable provenance (the entry's source). */
  readonly note: string;
}

export const NEUTRAL_PROFILE: QualityProfile = Object.freeze({ byTask: Object.freeze({}), overall: 0.5 });

const shipped = (defaultProfilesFile as unknown as { models: Record<string, ShippedProfile> }).models;

/** Bedrock cross-region prefixes and vendor prefixes (`us.anthropic.`, `meta.`, `openai/`). */
const REGION_PREFIX = /^(?:us-gov|us|eu|apac|au|jp|ca|global)\./;
const VENDOR_PREFIX = /^(?:anthropic|meta|mistral|amazon|cohere|ai21|openai|qwen|google|deepseek)\./;
const BEDROCK_VERSION = /(?:-v\d+(?::\d+)?|:\d+)$/;
const DATE_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$/;

/** The forms of a model id that are looked up, most specific first. */
export function profileIdForms(id: string): string[] {
  const forms: string[] = [];
  const add = (form: string) => {
    if (form !== '' && !forms.includes(form)) forms.push(form);
  };
  let form = id.trim().toLowerCase();
  add(form);
  if (form.startsWith('arn:')) add((form = form.slice(form.lastIndexOf('/') + 1)));
  add((form = form.replace(REGION_PREFIX, '')));
  add((form = form.replace(VENDOR_PREFIX, '')));
  if (form.includes('/')) add((form = form.slice(form.lastIndexOf('/') + 1)));
  add((form = form.replace(/-latest$/, '')));
  add((form = form.replace(BEDROCK_VERSION, '')));
  add(form.replace(DATE_SUFFIX, ''));
  return forms;
}

function buildIndex<T>(entries: Readonly<Record<string, T & { aliases?: readonly string[] }>>): Map<string, string> {
  const index = new Map<string, string>();
  for (const [key, entry] of Object.entries(entries)) {
    for (const name of [key, ...(entry.aliases ?? [])]) {
      for (const form of profileIdForms(name)) if (!index.has(form)) index.set(form, key);
    }
  }
  return index;
}

const shippedIndex = buildIndex(shipped);
let datasetIndex: { profiles: Readonly<Record<string, FittedProfile>>; index: Map<string, string> } | undefined;

function lookup(index: Map<string, string>, ids: readonly string[]): { entry: string; matchedAs: string } | undefined {
  for (const id of ids) {
    for (const form of profileIdForms(id)) {
      const entry = index.get(form);
      if (entry !== undefined) return { entry, matchedAs: form };
    }
  }
  return undefined;
}

/** The shipped public-benchmark profiles (default-profiles.json), by id. */
export function shippedProfiles(): Readonly<Record<string, ShippedProfile>> {
  return shipped;
}

/**
 * The quality profile of catalog model `modelId` (upstream id `upstreamModel`): the configured one,
 * else a shipped one, else one fitted from a dataset, else the neutral profile.
 */
export function resolveQualityProfile(
  modelId: string,
  upstreamModel: string | undefined,
  configured?: QualityProfile,
  datasetProfiles: Readonly<Record<string, FittedProfile>> = loadLearnedRouter().profiles,
): ResolvedQualityProfile {
  if (configured) return { profile: configured, source: 'configured', note: 'the model configuration (quality)' };
  const ids = upstreamModel && upstreamModel !== modelId ? [modelId, upstreamModel] : [modelId];
  const fromShipped = lookup(shippedIndex, ids);
  if (fromShipped) {
    const { source, aliases: _aliases, ...profile } = shipped[fromShipped.entry];
    return { profile, source: 'shipped', ...fromShipped, note: source };
  }
  if (datasetIndex?.profiles !== datasetProfiles) datasetIndex = { profiles: datasetProfiles, index: buildIndex(datasetProfiles) };
  const fromDataset = lookup(datasetIndex.index, ids);
  if (fromDataset) {
    const { source, rows: _rows, ...profile } = datasetProfiles[fromDataset.entry];
    return { profile, source: 'dataset', ...fromDataset, note: source };
  }
  return { profile: NEUTRAL_PROFILE, source: 'neutral', note: 'no profile known: neutral {overall: 0.5}; declare quality in the model configuration' };
}
