/**
 * --soak: the gateway under moderate mixed load for `seconds` (default 300): 10-second windows
 * cycling through JSON passthrough at 300 req/s, streamed passthrough (8 clients), JSON translated
 * at 300 req/s and streamed translated (2 clients each). RSS is sampled every 10 s. GC makes RSS a
 * sawtooth, so growth is reported as the least-squares slope after the first minute (warm-up) and
 * as the mean of the last minute minus the mean of the first minute after warm-up.
 */
import { ledgerRows } from './ledger-count.mjs';
import { machineInfo } from './machine.mjs';
import { rssMb } from './proc-stats.mjs';
import { startLoadWorker, startMock, startSwitchyard } from './services.mjs';
import { defineTargets, chatRequest } from './targets.mjs';
import { workerClient } from './worker-client.mjs';
import { writeResults } from './write-results.mjs';

const WINDOW_S = 10;
const SAMPLE_MS = 10_000;
const WARMUP_S = 60;

function slopePerMinute(points) {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.s, 0) / n;
  const my = points.reduce((a, p) => a + p.rssMb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.s - mx) * (p.rssMb - my);
    den += (p.s - mx) ** 2;
  }
  return den === 0 ? null : (num / den) * 60;
}

export async function runSoak({ root, group, tempDir, resultsDir, log, seconds }) {
  const mock = await startMock(group, { slowIntervalMs: 100, slowChunks: 20 });
  const gateway = await startSwitchyard(group, { root, mock, dir: tempDir });
  const worker = workerClient(await startLoadWorker(group));
  const targets = defineTargets({ mock, gateway });
  const pass = targets['switchyard-passthrough'];
  const trans = targets['switchyard-translated'];
  const windows = [
    { name: 'passthrough JSON 300/s', run: () => worker.run('fixedRate', { ...chatRequest(pass), rate: 300, durationS: WINDOW_S, connections: 64 }) },
    { name: 'passthrough stream ×2', run: () => worker.run('streamTiming', { ...chatRequest(pass, { stream: true }), concurrency: 2, durationS: WINDOW_S, endMarker: '[DONE]' }) },
    { name: 'translated JSON 300/s', run: () => worker.run('fixedRate', { ...chatRequest(trans), rate: 300, durationS: WINDOW_S, connections: 64 }) },
    { name: 'translated stream ×2', run: () => worker.run('streamTiming', { ...chatRequest(trans, { stream: true }), concurrency: 2, durationS: WINDOW_S, endMarker: '[DONE]' }) },
  ];

  log(`soak: ${seconds} s of mixed load on Switchyard (pid ${gateway.pid}), RSS every ${SAMPLE_MS / 1000} s`);
  const start = Date.now();
  const samples = [{ s: 0, rssMb: rssMb(gateway.pid) }];
  const timer = setInterval(() => {
    const sample = { s: Math.round((Date.now() - start) / 1000), rssMb: rssMb(gateway.pid) };
    samples.push(sample);
    log(`soak t=${sample.s}s RSS ${sample.rssMb.toFixed(1)} MB`);
  }, SAMPLE_MS);
  const totals = { requests: 0, failed: 0 };
  let i = 0;
  try {
    while (Date.now() - start < seconds * 1000) {
      const window = windows[i++ % windows.length];
      const result = await window.run();
      totals.requests += result.ok;
      totals.failed += (result.errors ?? 0) + (result.non2xx ?? 0) + (result.timeouts ?? 0) + (result.incomplete ?? 0) + (result.dropped ?? 0);
    }
  } finally {
    clearInterval(timer);
  }
  samples.push({ s: Math.round((Date.now() - start) / 1000), rssMb: rssMb(gateway.pid) });
  await group.stopAll();

  const warmupS = Math.min(WARMUP_S, seconds / 3);
  const afterWarmup = samples.filter((p) => p.s >= warmupS);
  const reference = afterWarmup[0] ?? samples[0];
  const last = samples[samples.length - 1];
  const meanOf = (points) => (points.length ? points.reduce((a, p) => a + p.rssMb, 0) / points.length : null);
  const firstMinute = meanOf(afterWarmup.filter((p) => p.s < warmupS + 60));
  const lastMinute = meanOf(samples.filter((p) => p.s > last.s - 60));
  const result = {
    mode: 'soak',
    generated_at: new Date().toISOString(),
    seconds,
    requests: totals.requests,
    failed: totals.failed,
    rss_mb_start: samples[0].rssMb,
    rss_mb_after_warmup: reference.rssMb,
    rss_mb_end: last.rssMb,
    rss_mb_max: Math.max(...samples.map((p) => p.rssMb)),
    rss_growth_mb_after_warmup: last.rssMb - reference.rssMb,
    rss_mb_mean_first_minute_after_warmup: firstMinute,
    rss_mb_mean_last_minute: lastMinute,
    rss_growth_mb_mean_last_vs_first_minute: firstMinute !== null && lastMinute !== null ? lastMinute - firstMinute : null,
    rss_slope_mb_per_min_after_warmup: slopePerMinute(afterWarmup),
    ledger_rows: ledgerRows(gateway.sqlitePath),
    samples,
    machine: machineInfo(),
    method: `Switchyard pinned to core 0, mock and load generator to core 1; ${WINDOW_S}-second windows cycling: ${windows.map((w) => w.name).join(', ')}. RSS (VmRSS) every ${SAMPLE_MS / 1000} s; growth measured from the first sample at or after ${WARMUP_S} s.`,
  };
  const files = writeResults(resultsDir, { json: result, prefix: 'soak' });
  process.stdout.write(
    `soak: ${result.requests} requests (${result.failed} failed) in ${seconds} s; RSS ${result.rss_mb_start.toFixed(1)} → ${result.rss_mb_after_warmup.toFixed(1)} (after warm-up) → ${result.rss_mb_end.toFixed(1)} MB, max ${result.rss_mb_max.toFixed(1)} MB; after warm-up: slope ${result.rss_slope_mb_per_min_after_warmup?.toFixed(2) ?? '–'} MB/min, last-minute mean − first-minute mean ${result.rss_growth_mb_mean_last_vs_first_minute?.toFixed(1) ?? '–'} MB; ledger rows ${result.ledger_rows}\n`,
  );
  log(`wrote ${files.join(', ')}`);
}
