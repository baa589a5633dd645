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
    const cells = [
      label,
      num(s?.rps),
      ratio(s?.rps, sat.direct?.rps),
      ratio(s?.rps, sat.bare?.rps),
      ratio(s?.rps, sat.portkey?.rps),
      num(s?.cpuUsPerReq),
      num(s?.rssMaxMb),
      ...rates.map((rate) => addedPair(fixed[rate], name)),
      streamNote ? streamNote : timing ? `${msOf(timing.ttfbUs.p50)}${name === 'direct' ? '' : ` (${signed(timing.ttfbUs.p50 - direct.ttfbUs.p50)})`}` : '–',
      streamNote ? '–' : timing ? `${msOf(timing.totalUs.p50)}${name === 'direct' ? '' : ` (${signed(timing.totalUs.p50 - direct.totalUs.p50)})`}` : '–',
      slow ? `${num(slow.rssPeakMb)} (+${num(slow.rssAddedMb)}; ${num(slow.peakOpen)} open${slow.freshProcess ? '; fresh process' : ''})` : '–',
    ];
    rows.push({ name, cells });
  }
  for (const [name, reason] of Object.entries(raw.notYetMeasurable ?? {})) rows.push({ name, cells: [name, `null (${note(`${name}: ${reason}`)})`] });
  if (slowCapped(raw)) note(slowCapped(raw));
  return { rates, rows, notes };
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
