#!/usr/bin/env node
/**
 * Switchyard overhead benchmark: `npm run bench` (full, ~5 min), `npm run bench -- --quick` (< 1 min),
 * `npm run bench -- --soak` (5 min of moderate load on the gateway, RSS every 10 s).
 *
 * One run starts, on loopback: a mock upstream (OpenAI + Anthropic wire formats), a bare undici
 * pass-through proxy, Switchyard (passthrough and translated paths) and the Portkey gateway; then
 * measures them side by side under the same load, prints one table and writes
 * bench/results/<timestamp>.json/.svg and latest.json/.svg. Every child process is stopped at the
 * end, on errors and on Ctrl-C.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { probeGatewayFeatures } from './lib/gateway-features.mjs';
import { ledgerRows } from './lib/ledger-count.mjs';
import { machineInfo } from './lib/machine.mjs';
import { methodFor } from './lib/method.mjs';
import { fixedRatePhase, saturationPhase, slowStreamsPhase, streamTimingPhase } from './lib/phases.mjs';
import { pinningAvailable, pinProcess, ProcessGroup } from './lib/processes.mjs';
import { markdownTable } from './lib/report-table.mjs';
import { renderSvg } from './lib/report-svg.mjs';
import { routerPhase } from './lib/router-phase.mjs';
import { startBareProxy, startLoadWorker, startMock, startPortkey, startSwitchyard } from './lib/services.mjs';
import { CPU_LOAD, settingsFor } from './lib/settings.mjs';
import { smokeCheck } from './lib/smoke.mjs';
import { runSoak } from './lib/soak.mjs';
import { headline, targetsMet } from './lib/summary.mjs';
import { chatRequest, defineTargets } from './lib/targets.mjs';
import { workerClient } from './lib/worker-client.mjs';
import { writeResults } from './lib/write-results.mjs';

const root = dirname(dirname(new URL(import.meta.url).pathname));
const resultsDir = join(root, 'bench/results');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-seconds': { type: 'string', default: '300' },
    'no-portkey': { type: 'boolean', default: false },
  },
});

const startedAt = Date.now();
const log = (message) => process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);
const group = new ProcessGroup();
const tempDir = mkdtempSync(join(os.tmpdir(), 'switchyard-bench-'));
let cleaning;
let interrupted = false;
const cleanup = () => (cleaning ??= group.stopAll().finally(() => rmSync(tempDir, { recursive: true, force: true })));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping child processes`);
    cleanup().finally(() => process.exit(130));
  });
}

async function main() {
  pinProcess(process.pid, CPU_LOAD);
  if (flags.soak) return runSoak({ root, group, tempDir, resultsDir, log, seconds: Number(flags['soak-seconds']) });

  const settings = settingsFor({ quick: flags.quick });
  const wanted = settings.targets.filter((name) => !(name === 'portkey' && flags['no-portkey']));
  const unavailable = {};
  const machine = machineInfo();
  log(`${settings.mode} run on ${machine.cpus} CPUs, node ${machine.node}, pinning: ${machine.pinning}`);

  const mock = await startMock(group, settings);
  const bare = await startBareProxy(group, mock);
  const gateway = await startSwitchyard(group, { root, mock, dir: tempDir });
  let portkey;
  if (wanted.includes('portkey')) {
    portkey = await startPortkey(group, { root }).catch((error) => {
      unavailable.portkey = `did not start: ${error.message.split('\n')[0]}`;
      return undefined;
    });
  } else unavailable.portkey = 'left out (--no-portkey)';
  const worker = workerClient(await startLoadWorker(group));
  log(`mock :${mock.port}, bare proxy :${bare.port}, switchyard :${gateway.port}${portkey ? `, portkey :${portkey.port}` : ''}`);

  const allTargets = defineTargets({ mock, bare, gateway, portkey });
  const targets = Object.fromEntries(wanted.filter((name) => allTargets[name]).map((name) => [name, allTargets[name]]));
  const ctx = { worker, targets, settings, log };
  const smoke = await smokeCheck(ctx);
  const features = await probeGatewayFeatures(gateway.port);
  Object.assign(unavailable, smoke.unavailable);
  const names = Object.keys(targets).filter((name) => !unavailable[name]);
  const streamNames = names.filter((name) => targets[name].streams);
  const streamUnavailable = { ...smoke.streamUnavailable };
  if (streamUnavailable.portkey) {
    const logged = smoke.evidence.portkey?.stream.targetStderr?.match(/TypeError: [^|]*?(?= {2,}at |\||$)/)?.[0]?.trim();
    streamUnavailable.portkey = `${streamUnavailable.portkey} (${logged ? `Portkey logs "${logged}" from Headers.append in updateHeaders; ` : ''}the open Portkey bug Portkey-AI/gateway#1389 with @hono/node-server > 1.14.2 on Node; streams are compared with direct and the bare proxy only)`;
  }

  log('warm-up');
  for (const name of names) {
    await worker.run('saturate', { ...chatRequest(targets[name]), connections: settings.connections, durationS: settings.warmupS });
    if (targets[name].streams) await worker.run('streamTiming', { ...chatRequest(targets[name], { stream: true }), concurrency: 8, durationS: 1, endMarker: '[DONE]' });
  }

  const raw = {
    mode: settings.mode,
    generatedAt: new Date().toISOString(),
    machine,
    settings,
    targetOrder: Object.keys(targets),
    labels: Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, t.label])),
    unavailable,
    streamUnavailable,
    notYetMeasurable: {
      'Switchyard learned router (auto)': 'the learned router (task-tier / quality-cost strategies) does not exist yet; routing by declared strategies is the "Switchyard routed" row',
    },
    smoke: smoke.evidence,
    gatewayFeatures: features,
  };
  raw.fixedRate = await fixedRatePhase(ctx, { names, rates: settings.rates, durationS: settings.fixedRateS, rounds: settings.rounds });
  raw.saturation = await saturationPhase(ctx, { names, stream: false, durationS: settings.saturationS, rounds: settings.rounds });
  if (settings.streamSaturationS > 0) {
    raw.streamSaturation = await saturationPhase(ctx, { names: streamNames, stream: true, durationS: settings.streamSaturationS, rounds: settings.streamSaturationRounds });
  }
  raw.streamTiming = await streamTimingPhase(ctx, { names: streamNames, durationS: settings.streamTimingS, rounds: settings.rounds });
  // RSS with 1,000 slow streams: the bare proxy as it is; Switchyard in a fresh process, since its
  // long-lived one carries the heap of every phase before (that RSS is in the saturation column).
  const slowNames = settings.slowStreamTargets.filter((name) => streamNames.includes(name));
  const slowTargets = { ...targets };
  if (slowNames.some((name) => name.startsWith('switchyard'))) {
    await group.stop(gateway.child);
    mkdirSync(join(tempDir, 'fresh'));
    const fresh = await startSwitchyard(group, { root, mock, dir: join(tempDir, 'fresh') });
    const freshTargets = defineTargets({ mock, gateway: fresh });
    for (const name of slowNames) if (name.startsWith('switchyard')) slowTargets[name] = { ...freshTargets[name], freshProcess: true };
  }
  raw.slowStreams = await slowStreamsPhase({ ...ctx, targets: slowTargets }, { names: slowNames, count: settings.slowStreamCount });
  log('router decision micro-benchmark');
  raw.router = routerPhase({ root, iterations: settings.routerIterations });

  await group.stopAll();
  raw.ledgerRows = ledgerRows(gateway.sqlitePath);
  log(`usage ledger rows written by Switchyard: ${raw.ledgerRows}`);

  const figures = headline(raw);
  const translated = headline(raw, 'switchyard-translated');
  const result = {
    ...figures,
    targets_met: targetsMet(figures),
    translated: { ...translated, targets_met: targetsMet(translated) },
    routed: { ...headline(raw, 'switchyard-routed') },
    failover: { ...headline(raw, 'switchyard-failover') },
    routing_cpu_us_over_passthrough: cpuOver(raw, 'switchyard-routed', 'switchyard-passthrough'),
    failover_added_p50_ms_at_500rps: addedOver(raw, 500, 'switchyard-failover', 'switchyard-passthrough'),
    metrics_in_path: features.metrics,
    metrics_in_path_reason: features.metricsReason,
    mode: settings.mode,
    generated_at: raw.generatedAt,
    machine,
    method: methodFor(settings, { pinned: pinningAvailable }),
    table_markdown: markdownTable(raw),
    raw,
  };
  const files = writeResults(resultsDir, { json: result, svg: renderSvg(raw) });
  process.stdout.write(`\n${result.table_markdown}\n\n`);
  process.stdout.write(`${JSON.stringify(Object.fromEntries(Object.entries(figures)), null, 2)}\n`);
  process.stdout.write(`targets met: ${JSON.stringify(result.targets_met)}\n`);
  log(`wrote ${files.join(', ')}`);
}

/** CPU µs per request of one target over another in the saturation phase (null when either is missing). */
function cpuOver(raw, name, base) {
  const a = raw.saturation?.[name]?.cpuUsPerReq;
  const b = raw.saturation?.[base]?.cpuUsPerReq;
  return Number.isFinite(a) && Number.isFinite(b) ? a - b : null;
}

/** Added p50 latency (ms) of one target over another at a fixed rate. */
function addedOver(raw, rate, name, base) {
  const a = raw.fixedRate?.[rate]?.[name]?.latencyUs?.p50;
  const b = raw.fixedRate?.[rate]?.[base]?.latencyUs?.p50;
  return Number.isFinite(a) && Number.isFinite(b) ? (a - b) / 1000 : null;
}

main()
  .catch((error) => {
    if (interrupted) return;
    log(`failed: ${error?.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
