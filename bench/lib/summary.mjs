/**
 * The headline figures of a run (top level of latest.json) and whether the issue's targets hold.
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
  // The same, measured back to back with the bare proxy pair by pair (the median pair): robust to the machine's speed drifting.
  figure(out, 'throughput_vs_bare_proxy_paired', () => raw.paired[gateway].throughputRatio, () => `the paired measurement did not run (${raw.mode})`);
  figure(out, 'cpu_ratio_vs_bare_proxy_paired', () => raw.paired[gateway].cpuRatio, () => `the paired measurement did not run (${raw.mode})`);
  // What the throughput ratio tends to when both are limited by their own pinned core: bare's CPU per request over the gateway's.
  figure(out, 'cpu_ratio_vs_bare_proxy', () => sat.bare.cpuUsPerReq / sat[gateway].cpuUsPerReq, () => (sat[gateway] ? why('bare') : why(gateway)));
  // How much of its core the bare proxy used at saturation: well below 1, the load generator's core was the limit and the throughput ratio flatters the gateway.
  figure(out, 'bare_proxy_core_share', () => (sat.bare.rps * sat.bare.cpuUsPerReq) / 1e6, () => why('bare'));
  figure(out, 'added_p99_ms_at_1000rps', () => ms(fixed1000[gateway].latencyUs.p99 - fixed1000.direct.latencyUs.p99), () => why(gateway));
  figure(out, 'added_p50_ms_at_1000rps', () => ms(fixed1000[gateway].latencyUs.p50 - fixed1000.direct.latencyUs.p50), () => why(gateway));
  figure(out, 'added_ttfb_ms', () => ms(timing[gateway].ttfbUs.p50 - timing.direct.ttfbUs.p50), () => timing[gateway]?.firstFailure ?? why(gateway));
  const single = raw.streamTimingSingle ?? {};
  figure(out, 'added_ttfb_one_client_ms', () => ms(single[gateway].ttfbUs.p50 - single.direct.ttfbUs.p50), () => single[gateway]?.firstFailure ?? why(gateway));
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

const finite = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Admission's cost: the in-process micro-benchmark (the figure issue 8 bounds at 10 µs: a team key's
 * auth + rate limits + budget reservation + settle), the shared counters alone (admission-cost.mjs, in
 * memory and on Redis), and — for scale, inside the run-to-run noise — the CPU difference of the
 * passthrough row (team key) over the no-team row at saturation.
 */
export function admissionFigures(raw) {
  const micro = raw.admission?.inProcess;
  const counters = raw.admission?.counters;
  const sat = raw.saturation ?? {};
  const out = {};
  if (!micro || micro.error) {
    out.admission_cpu_us = null;
    out.admission_cpu_us_reason = micro?.error ?? `the admission micro-benchmark runs in full runs only (this was ${raw.mode})`;
  } else {
    out.admission_cpu_us = micro.teamAdmissionUs;
    out.admission_cpu_us_target = { atMost: 10 };
    out.admission_cpu_us_met = micro.teamAdmissionUs <= 10;
    out.master_key_auth_cpu_us = micro.masterKeyAuthUs;
    out.admission_added_over_master_key_cpu_us = micro.teamAdmissionAddedUs;
    out.admission_with_key_limits_too_cpu_us = micro.teamAndKeyAdmissionUs;
  }
  if (counters && !counters.error) {
    out.counters_in_memory_cpu_us = finite(counters.inMemory?.perRequestUs);
    if (counters.redis) {
      out.redis_round_trips_per_request = finite(counters.redis.roundTrips);
      out.redis_request_p50_us_one_at_a_time = finite(counters.redis.calls?.request?.p50);
      out.redis_request_p99_us_one_at_a_time = finite(counters.redis.calls?.request?.p99);
      out.redis_call_p50_us = Object.fromEntries(Object.entries(counters.redis.calls ?? {}).filter(([name]) => name !== 'request').map(([name, s]) => [name, finite(s.p50)]));
      out.redis_client_cpu_us_per_request_64_in_flight = finite(counters.redis.concurrent?.cpuUsPerRequest);
    }
  } else if (counters?.error) out.counters_reason = counters.error;
  const a = sat['switchyard-passthrough']?.cpuUsPerReq;
  const b = sat['switchyard-passthrough-noteam']?.cpuUsPerReq;
  out.http_cpu_us_team_over_no_team = finite(a - b);
  return out;
}

/** The fleet row: throughput, CPU, latency against direct and against the single process, and its Redis round trips. */
export function fleetFigures(raw) {
  const name = 'switchyard-fleet';
  const single = 'switchyard-passthrough';
  const sat = raw.saturation?.[name];
  if (!sat) return { measured: false, reason: raw.unavailable?.[name] ?? `not in this run (${raw.mode})` };
  const fixed = raw.fixedRate ?? {};
  const rates = Object.keys(fixed).map(Number).sort((x, y) => x - y);
  const ms = (us) => (us === null || us === undefined || !Number.isFinite(us) ? null : us / 1000);
  const lat = (rate, target, key) => fixed[rate]?.[target]?.latencyUs?.[key];
  const timing = raw.streamTiming ?? {};
  return {
    measured: true,
    replicas: raw.fleet?.replicas ?? null,
    rps: sat.rps,
    throughput_vs_bare_proxy: finite(sat.rps / raw.saturation?.bare?.rps),
    throughput_vs_single_process: finite(sat.rps / raw.saturation?.[single]?.rps),
    cpu_us_per_request_both_replicas: finite(sat.cpuUsPerReq),
    cpu_us_over_single_process: finite(sat.cpuUsPerReq - raw.saturation?.[single]?.cpuUsPerReq),
    added_ms: Object.fromEntries(rates.map((rate) => [rate, { p50: ms(lat(rate, name, 'p50') - lat(rate, 'direct', 'p50')), p99: ms(lat(rate, name, 'p99') - lat(rate, 'direct', 'p99')) }])),
    added_over_single_process_ms: Object.fromEntries(rates.map((rate) => [rate, { p50: ms(lat(rate, name, 'p50') - lat(rate, single, 'p50')), p99: ms(lat(rate, name, 'p99') - lat(rate, single, 'p99')) }])),
    added_ttfb_ms: ms(timing[name]?.ttfbUs?.p50 - timing.direct?.ttfbUs?.p50),
    redis_round_trips_per_request: finite(sat.redis?.commandsPerRequest),
    redis_commands_per_request_by_name: sat.redis?.byNamePerRequest ?? null,
    redis_reply_wait_us_at_saturation: sat.redis?.replyWaitUs ?? null,
    redis_reply_wait_us_at_fixed_rate: Object.fromEntries(rates.map((rate) => [rate, fixed[rate]?.[name]?.redis?.replyWaitUs ?? null])),
    redis_round_trips_per_request_at_fixed_rate: Object.fromEntries(rates.map((rate) => [rate, finite(fixed[rate]?.[name]?.redis?.commandsPerRequest)])),
    redis_server_view_at_saturation: sat.redis?.server ?? null,
    ledger_rows: raw.fleet?.ledgerRows ?? null,
  };
}

/** The issues' own bounds, measured in this run (issue 7: passthrough vs the bare proxy and TTFB; issue 8: admission CPU). */
export function issueTargets(raw, figures) {
  const check = (value, rule) => ({ value: finite(value), ...rule, met: finite(value) === null ? null : rule.atLeast !== undefined ? value >= rule.atLeast : value <= rule.atMost });
  const micro = raw.admission?.inProcess;
  return {
    // Read beside the bare proxy's core share: below ~0.9 it was not saturated and the CPU ratio is the sounder figure.
    issue7_throughput_vs_bare_proxy: { ...check(figures.throughput_vs_bare_proxy, { atLeast: 0.6 }), bare_proxy_core_share: finite(figures.bare_proxy_core_share) },
    issue7_cpu_ratio_vs_bare_proxy: check(figures.cpu_ratio_vs_bare_proxy, { atLeast: 0.6 }),
    // The same two, each the median of back-to-back pairs with the bare proxy (pairedPhase).
    issue7_throughput_vs_bare_proxy_paired: check(figures.throughput_vs_bare_proxy_paired, { atLeast: 0.6 }),
    issue7_cpu_ratio_vs_bare_proxy_paired: check(figures.cpu_ratio_vs_bare_proxy_paired, { atLeast: 0.6 }),
    issue7_added_ttfb_ms: check(figures.added_ttfb_ms, { atMost: 1.5 }),
    issue7_added_ttfb_one_client_ms: check(figures.added_ttfb_one_client_ms, { atMost: 1.5 }),
    issue8_admission_cpu_us: check(micro && !micro.error ? micro.teamAdmissionUs : null, { atMost: 10 }),
  };
}
