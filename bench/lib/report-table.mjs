/**
 * The one comparison table: a row per target, throughput ratios against direct, the bare proxy and
 * Portkey, CPU and memory, added latency at fixed rates, streaming TTFB/total and RSS under 1,000
 * held streams. Rendered as Markdown (printed, and pasted into the README).
 */
const num = (v, digits = 0) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const msOf = (us, digits = 2) => (us === null || us === undefined ? '–' : num(us / 1000, digits));
const ratio = (a, b) => (a && b ? `${num(a / b, 2)}×` : '–');
const signed = (us) => (us === null || us === undefined || !Number.isFinite(us) ? '–' : `${us >= 0 ? '+' : '−'}${num(Math.abs(us) / 1000, 2)}`);

function addedPair(fixed, name) {
  const row = fixed?.[name];
  const base = fixed?.direct;
  if (!row || row.latencyUs.count === 0) return '–';
  if (name === 'direct') return `${msOf(row.latencyUs.p50)} / ${msOf(row.latencyUs.p99)} (abs.)`;
  if (!base) return '–';
  const overloaded = row.achievedRps !== null && row.achievedRps < 0.95 * Number(row.offered ?? 0);
  return `${signed(row.latencyUs.p50 - base.latencyUs.p50)} / ${signed(row.latencyUs.p99 - base.latencyUs.p99)}${overloaded ? ' (overloaded)' : ''}`;
}

export function tableRows(raw) {
  const rows = [];
  const notes = [];
  const note = (text) => {
    notes.push(text);
    return `see note ${notes.length}`;
  };
  const sat = raw.saturation ?? {};
  const rates = Object.keys(raw.fixedRate ?? {}).map(Number).sort((a, b) => a - b);
  const fixed = Object.fromEntries(rates.map((rate) => [rate, Object.fromEntries(Object.entries(raw.fixedRate[rate]).map(([n, v]) => [n, { ...v, offered: rate }]))]));
  for (const name of raw.targetOrder) {
    const label = raw.labels[name];
    if (raw.unavailable?.[name] && !sat[name]) {
      rows.push({ name, cells: [label, `not measured (${note(`${label}: ${raw.unavailable[name]}`)})`] });
      continue;
    }
    const s = sat[name];
    const timing = raw.streamTiming?.[name];
    const slow = raw.slowStreams?.[name];
    const streamNote = raw.streamUnavailable?.[name] ? `${raw.streamUnavailable[name].split(' (')[0]} (${note(`${label}: ${raw.streamUnavailable[name]}`)})` : undefined;
    const direct = raw.streamTiming?.direct;
    const single = raw.streamTimingSingle?.[name];
    const singleDirect = raw.streamTimingSingle?.direct;
    const fleetNote = name === 'switchyard-fleet' ? fleetText(raw) : undefined;
    const cells = [
      fleetNote ? `${label} (${note(fleetNote)})` : label,
      num(s?.rps),
      ratio(s?.rps, sat.direct?.rps),
      ratio(s?.rps, sat.bare?.rps),
      ratio(s?.rps, sat.portkey?.rps),
      num(s?.cpuUsPerReq),
      num(s?.rssMaxMb),
      ...rates.map((rate) => addedPair(fixed[rate], name)),
      streamNote ? streamNote : timing ? `${msOf(timing.ttfbUs.p50)}${name === 'direct' ? '' : ` (${signed(timing.ttfbUs.p50 - direct.ttfbUs.p50)})`}` : '–',
      streamNote ? '–' : timing ? `${msOf(timing.totalUs.p50)}${name === 'direct' ? '' : ` (${signed(timing.totalUs.p50 - direct.totalUs.p50)})`}` : '–',
      streamNote ? '–' : single?.ttfbUs?.p50 != null && singleDirect ? `${msOf(single.ttfbUs.p50)}${name === 'direct' ? '' : ` (${signed(single.ttfbUs.p50 - singleDirect.ttfbUs.p50)})`}` : '–',
      slow ? `${num(slow.rssPeakMb)} (+${num(slow.rssAddedMb)}; ${num(slow.peakOpen)} open${slow.freshProcess ? '; fresh process' : ''})` : '–',
    ];
    rows.push({ name, cells });
  }
  for (const [name, reason] of Object.entries(raw.notYetMeasurable ?? {})) rows.push({ name, cells: [name, `null (${note(`${name}: ${reason}`)})`] });
  if (slowCapped(raw)) note(slowCapped(raw));
  const admission = admissionText(raw);
  if (admission) note(admission);
  return { rates, rows, notes };
}

/** The fleet row's footnote: what CPU and RSS mean for two processes, and the Redis round trips it made. */
function fleetText(raw) {
  const s = raw.saturation?.['switchyard-fleet'];
  if (!s) return undefined;
  const r = s.redis;
  const parts = [`Switchyard fleet: passthrough with a team key (budget + rate limits) on ${raw.fleet?.replicas ?? 2} replicas (the built CLI) pinned to the one core every other target gets, so CPU and RSS are their sums; PostgreSQL for teams, keys and the ledger, Redis for the counters; the load alternates between the replicas`];
  if (r) {
    const byName = Object.entries(r.byNamePerRequest ?? {}).map(([n, v]) => `${n} ${num(v, 2)}`).join(', ');
    const rates = Object.keys(raw.fixedRate ?? {}).map(Number).sort((a, b) => a - b);
    const low = rates.length ? raw.fixedRate[rates[0]]?.['switchyard-fleet']?.redis : undefined;
    const atLow = low ? `${num(low.replyWaitUs?.p50, 0)} µs p50 (mean ${num(low.replyWaitUs?.mean, 0)}) at ${rates[0].toLocaleString('en-US')}/s, ` : '';
    const server = r.server?.scriptUs ? `; Redis itself ran a script in ${num(r.server.scriptUs, 1)} µs on average (its INFO, server-wide)` : '';
    parts.push(
      `${num(low?.commandsPerRequest ?? r.commandsPerRequest, 2)} Redis round trips per request (${byName} at saturation, where requests cut at the end of a round inflate it slightly; counted in the replicas)` +
        `; from issuing a command to its reply reaching the gateway code: ${atLow}${num(r.replyWaitUs?.p50, 0)} µs p50 at saturation (mostly the replicas' busy event loops)${server}`,
    );
  }
  if (raw.fleet?.ledgerRows !== undefined) parts.push(`${typeof raw.fleet.ledgerRows === 'number' ? num(raw.fleet.ledgerRows) : raw.fleet.ledgerRows} ledger rows in PostgreSQL`);
  return `${parts.join('; ')}.`;
}

/** Admission's CPU per request in process, beside the table (it has no row of its own). */
function admissionText(raw) {
  const m = raw.admission?.inProcess;
  if (!m) return undefined;
  if (m.error) return `Admission CPU in process: not measured (${m.error}).`;
  const c = raw.admission.counters;
  const counters = c && !c.error ? `; of which the shared counters alone ${num(c.inMemory?.perRequestUs, 2)} µs (bench/admission-cost.mjs)${c.redis ? `, on Redis ${num(c.redis.roundTrips, 0)} round trips per request, ${num(c.redis.calls?.request?.p50, 0)} µs p50 one at a time on loopback` : ''}` : '';
  return `Admission in process (team key: auth + rate limits + budget reservation + settle, in-memory counters): ${num(m.teamAdmissionUs, 2)} µs CPU per request (issue 8: ≤ 10 µs); the master key's auth alone ${num(m.masterKeyAuthUs, 2)} µs; with the key's own budget and limits as well ${num(m.teamAndKeyAdmissionUs, 2)} µs${counters}.`;
}

/** A note when a target never had all slow streams open at once (a connection cap, not memory, limited it). */
function slowCapped(raw) {
  const capped = Object.entries(raw.slowStreams ?? {}).filter(([, s]) => s.peakOpen < s.count);
  if (capped.length === 0) return undefined;
  return `RSS under slow streams: ${capped.map(([n, s]) => `${raw.labels[n]} had at most ${s.peakOpen} of ${s.count} streams open at once`).join('; ')} — the rest waited for an upstream connection, so this RSS is for that many open streams.`;
}

export function markdownTable(raw) {
  const { rates, rows, notes } = tableRows(raw);
  const header = [
    'Target',
    `req/s (${raw.settings.connections} conn.)`,
    '× direct',
    '× bare proxy',
    '× Portkey',
    'CPU µs/req',
    'RSS MB',
    ...rates.map((rate) => `added p50 / p99 ms @ ${rate.toLocaleString('en-US')}/s`),
    'stream TTFB p50 ms (added)',
    'stream total p50 ms (added)',
    'stream TTFB p50 ms, 1 client (added)',
    `RSS MB, ${raw.settings.slowStreamCount.toLocaleString('en-US')} slow streams (+ over idle)`,
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) {
    const cells = row.cells.length === 2 ? [row.cells[0], row.cells[1], ...Array(header.length - 2).fill('')] : row.cells;
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (notes.length) lines.push('', ...notes.map((text, i) => `${i + 1}. ${text}`));
  return lines.join('\n');
}
