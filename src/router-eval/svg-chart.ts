import { isPairReport, type EvalReport } from './evaluate.js';

/**
 * A self-contained SVG line chart (no scripts, no external fonts or styles) of an evaluation's overall
 * result: for a pair, mean score against % strong calls for the router, random and the oracle, with
 * the always-weak/always-strong points and the 95%-of-strong line; for many models, mean score against
 * mean cost per call for the router's frontier, the oracle's and the single models' (each labelled).
 */

interface Series {
  name: string;
  color: string;
  dash?: string;
  points: { x: number; y: number }[];
}

interface LabelledPoint {
  label: string;
  x: number;
  y: number;
  color: string;
}

interface Chart {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  xFormat: (v: number) => string;
  series: Series[];
  points: LabelledPoint[];
  hline?: { y: number; label: string };
}

const WIDTH = 760;
const HEIGHT = 480;
const PAD = { left: 70, right: 200, top: 56, bottom: 56 };

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function render(chart: Chart): string {
  const all = [...chart.series.flatMap((s) => s.points), ...chart.points];
  let xMin = Math.min(...all.map((p) => p.x));
  let xMax = Math.max(...all.map((p) => p.x));
  let yMin = Math.min(...all.map((p) => p.y), chart.hline?.y ?? Infinity);
  let yMax = Math.max(...all.map((p) => p.y), chart.hline?.y ?? -Infinity);
  if (!(xMax > xMin)) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (!(yMax > yMin)) [yMin, yMax] = [yMin - 0.05, yMax + 0.05];
  const yPad = (yMax - yMin) * 0.06;
  yMin -= yPad;
  yMax += yPad;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => PAD.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(`<text x="${PAD.left}" y="24" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);
  out.push(`<text x="${PAD.left}" y="42" fill="#555555">${escapeXml(chart.subtitle)}</text>`);
  // grid and ticks
  for (const t of niceTicks(xMin, xMax)) {
    if (t < xMin || t > xMax) continue;
    out.push(`<line x1="${f(sx(t))}" y1="${PAD.top}" x2="${f(sx(t))}" y2="${PAD.top + plotH}" stroke="#eeeeee"/>`);
    out.push(`<text x="${f(sx(t))}" y="${PAD.top + plotH + 16}" text-anchor="middle" fill="#333333">${escapeXml(chart.xFormat(t))}</text>`);
  }
  for (const t of niceTicks(yMin, yMax)) {
    if (t < yMin || t > yMax) continue;
    out.push(`<line x1="${PAD.left}" y1="${f(sy(t))}" x2="${PAD.left + plotW}" y2="${f(sy(t))}" stroke="#eeeeee"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end" fill="#333333">${t.toFixed(2)}</text>`);
  }
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999999"/>`);
  out.push(`<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`);
  if (chart.hline) {
    const y = f(sy(chart.hline.y));
    out.push(`<line x1="${PAD.left}" y1="${y}" x2="${PAD.left + plotW}" y2="${y}" stroke="#888888" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${PAD.left + 4}" y="${Number(y) - 4}" fill="#666666">${escapeXml(chart.hline.label)}</text>`);
  }
  for (const s of chart.series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(sx(p.x))},${f(sy(p.y))}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    if (s.points.length <= 40) for (const p of s.points) out.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="2.5" fill="${s.color}"/>`);
  }
  for (const p of chart.points) {
    out.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="4" fill="${p.color}" stroke="#ffffff"/>`);
    out.push(`<text x="${f(sx(p.x) + 6)}" y="${f(sy(p.y) - 6)}" font-size="10" fill="#333333">${escapeXml(p.label)}</text>`);
  }
  // legend
  let ly = PAD.top + 8;
  const lx = PAD.left + plotW + 16;
  for (const s of chart.series) {
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<text x="${lx + 28}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
    ly += 20;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const ROUTER_COLOR = '#1f77b4';
const ORACLE_COLOR = '#2ca02c';
const RANDOM_COLOR = '#7f7f7f';

/** The chart of an evaluation's overall result. */
export function evalChartSvg(report: EvalReport, dataName: string): string {
  const o = report.overall;
  if (isPairReport(o)) {
    const pts = (curve: { strong_pct: number; score: number }[]) => curve.map((p) => ({ x: p.strong_pct, y: p.score }));
    const apgr = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
    return render({
      title: `${report.router}: ${report.strong} vs ${report.weak}`,
      subtitle: `${dataName}, ${report.split} split, n=${o.n}; APGR router ${apgr(o.router.apgr)}, random 0.500, oracle ${apgr(o.oracle.apgr)}`,
      xLabel: '% of calls sent to the strong model',
      yLabel: 'mean score',
      xFormat: (v) => `${v}%`,
      series: [
        { name: `${report.router} (APGR ${apgr(o.router.apgr)})`, color: ROUTER_COLOR, points: pts(o.router.curve) },
        { name: 'random', color: RANDOM_COLOR, dash: '6 4', points: pts(o.random.curve) },
        { name: `oracle (APGR ${apgr(o.oracle.apgr)})`, color: ORACLE_COLOR, points: pts(o.oracle.curve) },
      ],
      points: [
        { label: `always ${report.weak}`, x: 0, y: o.weak_mean, color: '#d62728' },
        { label: `always ${report.strong}`, x: 100, y: o.strong_mean, color: '#9467bd' },
      ],
      hline: { y: 0.95 * o.strong_mean, label: "95% of the strong model's score" },
    });
  }
  const pts = (frontier: { cost: number; score: number }[]) => frontier.map((p) => ({ x: p.cost, y: p.score }));
  const extend = (frontier: { cost: number; score: number }[]) => {
    const p = pts(frontier);
    const hi = o.cost_axis.hi;
    return p.length > 0 && p[p.length - 1].x < hi ? [...p, { x: hi, y: p[p.length - 1].y }] : p;
  };
  return render({
    title: `${report.router}: quality–cost frontier over ${report.models.length} models`,
    subtitle: `${dataName}, ${report.split} split, n=${o.n}; area router ${o.router.area.toFixed(3)}, oracle ${o.oracle.area.toFixed(3)}, single models ${o.singles.area.toFixed(3)}`,
    xLabel: 'mean cost per call ($)',
    yLabel: 'mean score',
    xFormat: (v) => (v === 0 ? '0' : v.toPrecision(2)),
    series: [
      { name: `${report.router} frontier`, color: ROUTER_COLOR, points: extend(o.router.frontier) },
      { name: 'oracle frontier', color: ORACLE_COLOR, points: extend(o.oracle.frontier) },
      { name: 'single models (mixed)', color: RANDOM_COLOR, dash: '6 4', points: pts(o.singles.frontier) },
    ],
    points: o.models.map((m) => ({ label: m.model, x: m.cost, y: m.score, color: '#d62728' })),
  });
}
