#!/usr/bin/env node
/**
 * Switchyard overhead benchmark: `npm run bench` (full, ~9 min), `npm run bench -- --quick` (~1 min),
 * `npm run bench -- --soak` (5 min of moderate load on the gateway, RSS every 10 s).
 *
 * One run starts, on loopback: a mock upstream (OpenAI + Anthropic wire formats), a bare undici
 * pass-through proxy, Switchyard (one process on SQLite: passthrough, translated, routed and failover
 * rows called with a team key that has a budget and rate limits, plus a passthrough row with the
 * master key — no team, no limits), a fleet of two Switchyard replicas on a fresh PostgreSQL database
 * and Redis (fleet.mjs; left out with --no-fleet) and the Portkey gateway; then measures them side by
 * side under the same load, measures admission's CPU per request in process (admission-phase.mjs),
 * prints one table and writes bench/results/<timestamp>.json/.svg and latest.json/.svg. Every child
 * process is stopped at the end, on errors and on Ctrl-C, and the fleet's database and Redis keys are
 * removed.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { admissionPhase } from './lib/admission-phase.mjs';
import { startFleet } from './lib/fleet.mjs';
import { probeGatewayFeatures } from './lib/gateway-features.mjs';
import { ledgerRows } from './lib/ledger-count.mjs';
import { machineInfo } from './lib/machine.mjs';
import { methodFor } from './lib/method.mjs';
import { fixedRatePhase, pairedPhase, saturationPhase, slowStreamsPhase, streamTimingPhase } from './lib/phases.mjs';
import { pinningAvailable, pinProcess, ProcessGroup } from './lib/processes.mjs';
import { markdownTable } from './lib/report-table.mjs';
import { renderSvg } from './lib/report-svg.mjs';
import { routerPhase } from './lib/router-phase.mjs';
import { startBareProxy, startLoadWorker, startMock, startPortkey, startSwitchyard } from './lib/services.mjs';
import { CPU_LOAD, settingsFor } from './lib/settings.mjs';
import { smokeCheck } from './lib/smoke.mjs';
import { runSoak } from './lib/soak.mjs';
import { admissionFigures, fleetFigures, headline, issueTargets, targetsMet } from './lib/summary.mjs';
import { chatRequest, defineTargets } from './lib/targets.mjs';
import { BENCH_TEAM_POLICY, provisionTeam } from './lib/team.mjs';
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
    'no-fleet': { type: 'boolean', default: false },
  },
});

const startedAt = Date.now();
const log = (message) => process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);
const group = new ProcessGroup();
const tempDir = mkdtempSync(join(os.tmpdir(), 'switchyard-bench-'));
let cleaning;
let interrupted = false;
let fleet;
const cleanup = () =>
  (cleaning ??= (fleet ? fleet.cleanup().then((problems) => problems.forEach((p) => log(`fleet cleanup: ${p}`))) : Promise.resolve())
    .catch((error) => log(`fleet cleanup: ${error.message}`))
    .then(() => group.stopAll())
    .finally(() => rmSync(tempDir, { recursive: true, force: true })));
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
  const wanted = settings.targets.filter((name) => !(name === 'portkey' && flags['no-portkey']) && !(name === 'switchyard-fleet' && flags['no-fleet']));
  const unavailable = {};
  const machine = machineInfo();
  // The machine is shared: the 1-minute load average every 10 s, kept with the results.
  const loadSamples = [os.loadavg()[0]];
  setInterval(() => loadSamples.push(os.loadavg()[0]), 10_000).unref();
  log(`${settings.mode} run on ${machine.cpus} CPUs, node ${machine.node}, pinning: ${machine.pinning}`);

  const mock = await startMock(group, settings);
  const bare = await startBareProxy(group, mock);
  const gateway = await startSwitchyard(group, { root, mock, dir: tempDir });
  const team = await provisionTeam(`http://127.0.0.1:${gateway.port}`);
  if (wanted.includes('switchyard-fleet')) {
    try {
      fleet = await startFleet(group, { root, mock, dir: tempDir, replicas: settings.fleetReplicas });
      fleet.teamKey = (await provisionTeam(`http://127.0.0.1:${fleet.replicas[0].port}`)).key;
      log(`fleet: ${fleet.replicas.length} replicas :${fleet.replicas.map((r) => r.port).join(', :')}, PostgreSQL database ${fleet.database}, Redis prefix ${fleet.redisPrefix}`);
    } catch (error) {
      unavailable['switchyard-fleet'] = `did not start: ${error.message.split('\n')[0]}`;
      fleet = undefined;
    }
  } else if (settings.targets.includes('switchyard-fleet')) unavailable['switchyard-fleet'] = 'left out (--no-fleet)';
  let portkey;
  if (wanted.includes('portkey')) {
    portkey = await startPortkey(group, { root }).catch((error) => {
      unavailable.portkey = `did not start: ${error.message.split('\n')[0]}`;
      return undefined;
    });
  } else unavailable.portkey = 'left out (--no-portkey)';
  const worker = workerClient(await startLoadWorker(group));
  log(`mock :${mock.port}, bare proxy :${bare.port}, switchyard :${gateway.port}${portkey ? `, portkey :${portkey.port}` : ''}`);

  const allTargets = defineTargets({ mock, bare, gateway, portkey, teamKey: team.key, fleet });
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
    team: { policy: BENCH_TEAM_POLICY, rows: 'every Switchyard row but "no team" calls with a key of a team with this policy (never refused in a run); the fleet has its own team, created the same way' },
    settings,
    targetOrder: Object.keys(targets),
    labels: Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, t.label])),
    unavailable,
    streamUnavailable,
    notYetMeasurable: {},
    smoke: smoke.evidence,
    gatewayFeatures: features,
  };
  raw.fixedRate = await fixedRatePhase(ctx, { names, rates: settings.rates, durationS: settings.fixedRateS, rounds: settings.rounds });
  raw.saturation = await saturationPhase(ctx, { names, stream: false, durationS: settings.saturationS, rounds: settings.rounds });
  const pairedGateways = ['switchyard-passthrough', 'switchyard-passthrough-noteam'].filter((name) => names.includes(name));
  if (names.includes('bare') && pairedGateways.length) raw.paired = await pairedPhase(ctx, { gateways: pairedGateways, pairs: settings.pairs, durationS: settings.pairedS });
  if (settings.streamSaturationS > 0) {
    raw.streamSaturation = await saturationPhase(ctx, { names: streamNames, stream: true, durationS: settings.streamSaturationS, rounds: settings.streamSaturationRounds });
  }
  raw.streamTiming = await streamTimingPhase(ctx, { names: streamNames, durationS: settings.streamTimingS, rounds: settings.rounds });
  // The same with one client at a time: what a stream adds when it does not queue behind others.
  raw.streamTimingSingle = await streamTimingPhase(ctx, { names: streamNames, durationS: settings.streamTimingS, rounds: settings.rounds, concurrency: 1 });
  // RSS with 1,000 slow streams: the bare proxy as it is; Switchyard in a fresh process, since its
  // long-lived one carries the heap of every phase before (that RSS is in the saturation column).
  const slowNames = settings.slowStreamTargets.filter((name) => streamNames.includes(name));
  const slowTargets = { ...targets };
  if (slowNames.some((name) => name.startsWith('switchyard'))) {
    await group.stop(gateway.child);
    mkdirSync(join(tempDir, 'fresh'));
    const fresh = await startSwitchyard(group, { root, mock, dir: join(tempDir, 'fresh') });
    const freshTeam = await provisionTeam(`http://127.0.0.1:${fresh.port}`);
    const freshTargets = defineTargets({ mock, gateway: fresh, teamKey: freshTeam.key });
    for (const name of slowNames) if (name.startsWith('switchyard')) slowTargets[name] = { ...freshTargets[name], freshProcess: true };
  }
  raw.slowStreams = await slowStreamsPhase({ ...ctx, targets: slowTargets }, { names: slowNames, count: settings.slowStreamCount });
  log('router decision micro-benchmark');
  raw.router = routerPhase({ root, iterations: settings.routerIterations });
  if (settings.admissionRequests > 0) {
    log('admission CPU micro-benchmark (in process) and the shared counters (bench/admission-cost.mjs)');
    raw.admission = admissionPhase({ root, requests: settings.admissionRequests, redisUrl: fleet?.redisUrl ?? process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' });
    if (raw.admission.inProcess.error) log(`admission: ${raw.admission.inProcess.error}`);
    else log(`admission in process: ${raw.admission.inProcess.teamAdmissionUs.toFixed(2)} µs CPU per team-key request, ${raw.admission.inProcess.masterKeyAuthUs.toFixed(2)} µs for the master key's auth`);
  }

  await group.stopAll(); // SIGTERM: the replicas flush their ledgers before exiting
  raw.ledgerRows = ledgerRows(gateway.sqlitePath);
  log(`usage ledger rows written by Switchyard: ${raw.ledgerRows}`);
  if (fleet) {
    raw.fleet = { replicas: fleet.replicas.length, database: fleet.database, redisPrefix: fleet.redisPrefix, ledgerRows: await fleet.ledgerRows(), redisVersion: (await fleet.serverStats().catch(() => ({}))).version ?? null };
    log(`usage ledger rows written by the fleet (PostgreSQL): ${raw.fleet.ledgerRows}`);
    const problems = await fleet.cleanup();
    fleet = undefined;
    raw.fleet.cleanup = problems.length ? problems : 'database dropped, Redis keys deleted';
  }
  raw.machine.loadAverageAtEnd = os.loadavg();
  raw.machine.loadAverage1mDuringRun = { min: Math.min(...loadSamples), mean: loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length, max: Math.max(...loadSamples), everyTenSeconds: loadSamples };

  const figures = headline(raw);
  const translated = headline(raw, 'switchyard-translated');
  const result = {
    ...figures,
    targets_met: targetsMet(figures),
    translated: { ...translated, targets_met: targetsMet(translated) },
    routed: { ...headline(raw, 'switchyard-routed') },
    learned: { ...headline(raw, 'switchyard-learned') },
    failover: { ...headline(raw, 'switchyard-failover') },
    no_team: { ...headline(raw, 'switchyard-passthrough-noteam') },
    admission: admissionFigures(raw),
    fleet: fleetFigures(raw),
    routing_cpu_us_over_passthrough: cpuOver(raw, 'switchyard-routed', 'switchyard-passthrough'),
    learned_routing_cpu_us_over_passthrough: cpuOver(raw, 'switchyard-learned', 'switchyard-passthrough'),
    failover_added_p50_ms_at_500rps: addedOver(raw, 500, 'switchyard-failover', 'switchyard-passthrough'),
    issue_targets: issueTargets(raw, figures),
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
  process.stdout.write(`issue targets: ${JSON.stringify(result.issue_targets)}\n`);
  process.stdout.write(`admission: ${JSON.stringify(result.admission)}\nfleet: ${JSON.stringify(result.fleet)}\n`);
  log(`load average at start ${machine.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${raw.machine.loadAverageAtEnd.map((v) => v.toFixed(2)).join(' ')}`);
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
