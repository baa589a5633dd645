/**
 * The headline figures of a run (top level of latest.json) and whether the targets hold.
 * A figure that could not be measured is null with `<name>_reason` beside it.
 */
const ms = (us) => (us === null || us === undefined ? null : us / 1000);

function figure(out, name, compute, reasonIfMissing) {
  let value = null;
  try {
    value = compute();
  } catch {
    value = null;
  }
  out[name] = Number.isFinite(value) ? value : null;
  if (out[name] === null) out[`${name}_reason`] = reasonIfMissing();
}

export function headline(raw, gateway = 'switchyard-passthrough') {
  const sat = raw.saturation ?? {};
  const fixed1000 = raw.fixedRate?.[1000] ?? {};
  const timing = raw.streamTiming ?? {};
  const slow = raw.slowStreams ?? {};
  const why = (name) => raw.unavailable?.[name] ?? `${name} was not measured in this mode (${raw.mode})`;
  const out = {};
  figure(out, 'throughput_vs_portkey', () => sat[gateway].rps / sat.portkey.rps, () => (sat[gateway] ? why('portkey') : why(gateway)));
  figure(out, 'throughput_vs_bare_proxy', () => sat[gateway].rps / sat.bare.rps, () => (sat[gateway] ? why('bare') : why(gateway)));
  figure(out, 'added_p99_ms_at_1000rps', () => ms(fixed1000[gateway].latencyUs.p99 - fixed1000.direct.latencyUs.p99), () => why(gateway));
  figure(out, 'added_p50_ms_at_1000rps', () => ms(fixed1000[gateway].latencyUs.p50 - fixed1000.direct.latencyUs.p50), () => why(gateway));
  figure(out, 'added_ttfb_ms', () => ms(timing[gateway].ttfbUs.p50 - timing.direct.ttfbUs.p50), () => timing[gateway]?.firstFailure ?? why(gateway));
  figure(out, 'rss_mb_1000_streams', () => slow[gateway].rssPeakMb, () => why(gateway));
  figure(out, 'rss_mb_1000_streams_added', () => slow[gateway].rssAddedMb, () => why(gateway));
  figure(out, 'streams_open_at_once', () => slow[gateway].peakOpen, () => why(gateway));
  figure(out, 'router_decision_p99_us', () => raw.router.p99Us, () => raw.router?.error ?? 'router micro-benchmark did not run');
  return out;
}

export const TARGETS = {
  throughput_vs_portkey: { atLeast: 10 },
  throughput_vs_bare_proxy: { atLeast: 0.7 },
  added_p99_ms_at_1000rps: { atMost: 1 },
  added_ttfb_ms: { atMost: 1 },
  rss_mb_1000_streams: { atMost: 200 },
  router_decision_p99_us: { atMost: 50 },
};

export function targetsMet(figures) {
  const met = {};
  for (const [name, rule] of Object.entries(TARGETS)) {
    const value = figures[name];
    if (value === null || value === undefined) met[name] = null;
    else met[name] = rule.atLeast !== undefined ? value >= rule.atLeast : value <= rule.atMost;
  }
  return met;
}
