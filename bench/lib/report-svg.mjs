/**
 * A dependency-free SVG chart of a run: three panels of horizontal bars (saturation requests/s,
 * CPU µs per request, added p99 latency at the highest fixed rate), one bar per target.
 */
const COLORS = { direct: '#8c8c8c', bare: '#4e79a7', 'switchyard-passthrough': '#59a14f', 'switchyard-translated': '#76b7b2', 'switchyard-routed': '#edc948', 'switchyard-learned': '#9c755f', 'switchyard-failover': '#b07aa1', 'switchyard-passthrough-noteam': '#8cd17d', 'switchyard-fleet': '#f28e2b', portkey: '#e15759' };
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel({ title, bars, unit, x, y, width }) {
  const labelWidth = 170;
  const barHeight = 18;
  const gap = 6;
  const max = Math.max(...bars.map((b) => (Number.isFinite(b.value) ? Math.abs(b.value) : 0)), 1e-9);
  const scale = (width - labelWidth - 90) / max;
  const parts = [`<text x="${x}" y="${y}" font-size="13" font-weight="bold">${escape(title)}</text>`];
  bars.forEach((bar, i) => {
    const top = y + 12 + i * (barHeight + gap);
    parts.push(`<text x="${x}" y="${top + 13}" font-size="12">${escape(bar.label)}</text>`);
    if (!Number.isFinite(bar.value)) {
      parts.push(`<text x="${x + labelWidth}" y="${top + 13}" font-size="12" fill="#888">${escape(bar.note ?? 'n/a')}</text>`);
      return;
    }
    const w = Math.max(1, Math.abs(bar.value) * scale);
    parts.push(`<rect x="${x + labelWidth}" y="${top}" width="${w.toFixed(1)}" height="${barHeight}" fill="${bar.color}"/>`);
    parts.push(`<text x="${x + labelWidth + w + 6}" y="${top + 13}" font-size="12">${escape(bar.text)}${escape(unit)}</text>`);
  });
  return { svg: parts.join('\n'), height: 12 + bars.length * (barHeight + gap) + 28 };
}

export function renderSvg(raw) {
  const width = 760;
  const names = raw.targetOrder.filter((name) => raw.saturation?.[name]);
  const fmt = (v, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const rates = Object.keys(raw.fixedRate ?? {}).map(Number).sort((a, b) => a - b);
  const top = rates[rates.length - 1];
  const fixed = raw.fixedRate?.[top] ?? {};
  const panels = [
    {
      title: `Saturation throughput, ${raw.settings.connections} connections (higher is better)`,
      unit: ' req/s',
      bars: names.map((n) => ({ label: raw.labels[n], value: raw.saturation[n].rps, text: fmt(raw.saturation[n].rps), color: COLORS[n] ?? '#999' })),
    },
    {
      title: 'CPU time of the target per request (lower is better)',
      unit: ' µs',
      bars: names.map((n) => ({ label: raw.labels[n], value: raw.saturation[n].cpuUsPerReq, text: fmt(raw.saturation[n].cpuUsPerReq ?? NaN), color: COLORS[n] ?? '#999' })),
    },
    {
      title: `Added p99 latency over direct at ${top?.toLocaleString('en-US')} req/s (lower is better)`,
      unit: ' ms',
      bars: names
        .filter((n) => n !== 'direct' && fixed[n] && fixed.direct)
        .map((n) => {
          const value = (fixed[n].latencyUs.p99 - fixed.direct.latencyUs.p99) / 1000;
          return { label: raw.labels[n], value, text: fmt(value, 2), color: COLORS[n] ?? '#999' };
        }),
    },
  ];
  let y = 48;
  const body = [];
  for (const p of panels) {
    const rendered = panel({ ...p, x: 16, y, width });
    body.push(rendered.svg);
    y += rendered.height;
  }
  const title = `Switchyard overhead benchmark — ${raw.mode} run, ${raw.generatedAt}, node ${raw.machine.node}, ${raw.machine.cpus} CPUs`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="24" font-size="14" font-weight="bold">${escape(title)}</text>
${body.join('\n')}
</svg>
`;
}
