/**
 * Durations, rates and targets per mode. The full run takes ~10 minutes (bounded well under 15 on a
 * busy 2-core machine), --quick about one; --soak is its own flow (soak.mjs).
 */
export const CPU_TARGET = '0'; // the system under test (proxy, gateway, Portkey) has core 0 to itself
export const CPU_LOAD = '1'; // mock upstream, load generator and this script share core 1

export function settingsFor({ quick }) {
  if (quick) {
    return {
      mode: 'quick',
      targets: ['direct', 'bare', 'switchyard-passthrough', 'switchyard-routed', 'switchyard-failover', 'switchyard-fleet', 'portkey'],
      warmupS: 1,
      rounds: 1,
      rates: [1000],
      fixedRateS: 2,
      saturationS: 2,
      connections: 64,
      pairs: 2,
      pairedS: 1,
      streamSaturationS: 0,
      streamTimingS: 2,
      streamConcurrency: 8,
      slowStreamTargets: ['switchyard-passthrough'],
      slowStreamCount: 1000,
      slowChunks: 20,
      slowIntervalMs: 100,
      routerIterations: 100_000,
      fleetReplicas: 2,
      admissionRequests: 0, // the admission micro-benchmark and admission-cost.mjs: full runs only
    };
  }
  return {
    mode: 'full',
    targets: ['direct', 'bare', 'switchyard-passthrough', 'switchyard-passthrough-noteam', 'switchyard-translated', 'switchyard-routed', 'switchyard-learned', 'switchyard-failover', 'switchyard-fleet', 'portkey'],
    warmupS: 2,
    rounds: 3,
    rates: [500, 1000],
    fixedRateS: 3,
    saturationS: 3,
    connections: 64,
    pairs: 6,
    pairedS: 2,
    streamSaturationS: 3,
    streamSaturationRounds: 2,
    streamTimingS: 3,
    streamConcurrency: 8,
    slowStreamTargets: ['bare', 'switchyard-passthrough', 'switchyard-translated'],
    slowStreamCount: 1000,
    slowChunks: 40,
    slowIntervalMs: 100,
    routerIterations: 100_000,
    fleetReplicas: 2,
    admissionRequests: 100_000,
  };
}

/** Round r visits the targets starting at a different one each time, so drift hits all alike. */
export function roundOrder(names, round) {
  const shift = round % names.length;
  return [...names.slice(shift), ...names.slice(0, shift)];
}
