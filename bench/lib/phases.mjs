/**
 * The measurement phases of a run. Each visits the targets round-robin (a different first target
 * every round), waits for the target to go idle before measuring it, and reads the target's CPU
 * time and RSS from /proc around the load job. Raw latency samples stay in memory; the results
 * keep per-round figures and pooled percentiles.
 */
import { redisDelta, serverDelta } from './fleet.mjs';
import { summarize } from './percentiles.mjs';
import { cpuMicros, rssMb, sampleRss, waitIdle } from './proc-stats.mjs';
import { roundOrder } from './settings.mjs';
import { chatRequest } from './targets.mjs';

const END_MARKER = '[DONE]'; // every target answers the client in OpenAI Chat Completions SSE

/** The target's processes: one, or a fleet's replicas (CPU and RSS are then their sums). */
const pidsOf = (target) => target.pids ?? [target.pid];
const cpuOf = (pids) => pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);

/**
 * Runs a load job and reads the target's CPU time and peak RSS around it; for a fleet also the Redis
 * commands its replicas sent (and the Redis server's own counters), per answered request. The Redis
 * counters are read again 300 ms after the job, once the settles of the last requests are done.
 */
async function withProcessStats(target, job, answered) {
  const pids = pidsOf(target);
  for (const pid of pids) await waitIdle(pid);
  const samplers = pids.map((pid) => sampleRss(pid, 200));
  const redisBefore = target.redisCounters ? await target.redisCounters() : undefined;
  const serverBefore = target.redisServerStats ? await target.redisServerStats().catch(() => undefined) : undefined;
  const before = cpuOf(pids);
  const result = await job();
  const cpuUs = cpuOf(pids) - before;
  const rssMaxMb = samplers.map((sampler) => sampler.stop().maxMb).reduce((a, b) => a + b, 0);
  let redis;
  if (redisBefore) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const requests = answered(result);
    redis = redisDelta(redisBefore, await target.redisCounters(), requests);
    const serverAfter = serverBefore ? await target.redisServerStats().catch(() => undefined) : undefined;
    if (serverAfter) redis.server = serverDelta(serverBefore, serverAfter, requests);
  }
  return { result, cpuUs, rssMaxMb, ...(redis ? { redis } : {}) };
}

/** Median over rounds of the Redis figures of a fleet (per request and per reply). */
function redisOfRounds(rounds) {
  const withRedis = rounds.map((r) => r.redis).filter(Boolean);
  if (withRedis.length === 0) return undefined;
  const names = [...new Set(withRedis.flatMap((r) => Object.keys(r.byNamePerRequest)))];
  return {
    commandsPerRequest: median(withRedis.map((r) => r.commandsPerRequest)),
    byNamePerRequest: Object.fromEntries(names.map((name) => [name, median(withRedis.map((r) => r.byNamePerRequest[name] ?? 0))])),
    replyWaitUs: Object.fromEntries(['mean', 'p50', 'p90', 'p99'].map((key) => [key, median(withRedis.map((r) => r.replyWaitUs[key]))])),
    replyWaitUsPerRequest: median(withRedis.map((r) => r.replyWaitUsPerRequest)),
    server: withRedis[0].server
      ? {
          note: withRedis[0].server.note,
          scriptsPerRequest: median(withRedis.map((r) => r.server?.scriptsPerRequest)),
          scriptUs: median(withRedis.map((r) => r.server?.scriptUs)),
          cpuUsPerRequest: median(withRedis.map((r) => r.server?.cpuUsPerRequest)),
        }
      : undefined,
  };
}

const median = (values) => summarize(values.filter((v) => Number.isFinite(v))).p50;

function medianOfRounds(summaries) {
  const out = { count: summaries.reduce((n, s) => n + s.count, 0) };
  for (const key of ['mean', 'p50', 'p90', 'p99', 'p999', 'max']) out[key] = median(summaries.map((s) => s[key]));
  return out;
}

/**
 * The ratio to the bare proxy, robust to the machine's speed drifting during a run (here it moves 2×
 * within minutes): the bare proxy and a gateway target saturated back to back `pairs` times, order
 * alternating, and per pair gateway req/s over bare req/s (and bare CPU per request over the
 * gateway's); the medians are reported. The saturation phase's ratio divides medians of rounds taken
 * minutes apart, which a drift between them can move either way.
 */
export async function pairedPhase(ctx, { gateways, pairs, durationS }) {
  const out = {};
  for (const gateway of gateways) {
    const ratios = [];
    const cpuRatios = [];
    const measured = [];
    for (let pair = 0; pair < pairs; pair++) {
      const got = {};
      for (const name of pair % 2 === 0 ? ['bare', gateway] : [gateway, 'bare']) {
        const target = ctx.targets[name];
        const { result, cpuUs } = await withProcessStats(
          target,
          () => ctx.worker.run('saturate', { ...chatRequest(target, { stream: false }), connections: ctx.settings.connections, durationS }),
          (r) => r.ok + r.non2xx,
        );
        got[name] = { rps: result.rps, cpuUsPerReq: result.ok > 0 ? cpuUs / result.ok : null };
      }
      const ratio = got[gateway].rps / got.bare.rps;
      ratios.push(ratio);
      cpuRatios.push(got.bare.cpuUsPerReq / got[gateway].cpuUsPerReq);
      measured.push(got);
      ctx.log(`paired ${pair + 1} ${gateway}: ${ratio.toFixed(2)}× bare (${Math.round(got[gateway].rps)} vs ${Math.round(got.bare.rps)} req/s; CPU ${Math.round(got[gateway].cpuUsPerReq)} vs ${Math.round(got.bare.cpuUsPerReq)} µs/req)`);
    }
    out[gateway] = { throughputRatio: median(ratios), cpuRatio: median(cpuRatios), ratios, cpuRatios, pairs: measured };
  }
  return out;
}

/** Closed-loop saturation (autocannon, `connections` connections), JSON or SSE. */
export async function saturationPhase(ctx, { names, stream, durationS, rounds }) {
  const out = Object.fromEntries(names.map((name) => [name, { rounds: [], pooled: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const name of roundOrder(names, round)) {
      const target = ctx.targets[name];
      const { result, cpuUs, rssMaxMb, redis } = await withProcessStats(
        target,
        () => ctx.worker.run('saturate', { ...chatRequest(target, { stream }), connections: ctx.settings.connections, durationS }),
        (r) => r.ok + r.non2xx,
      );
      const entry = out[name];
      entry.pooled.push(...result.latenciesUs);
      entry.rounds.push({
        rps: result.rps,
        ok: result.ok,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        cpuUsPerReq: result.ok > 0 ? cpuUs / result.ok : null,
        rssMaxMb,
        latencyUs: summarize(result.latenciesUs),
        ...(redis ? { redis } : {}),
      });
      ctx.log(`${stream ? 'stream ' : ''}saturation r${round + 1} ${name}: ${Math.round(result.rps)} req/s, ${result.ok > 0 ? Math.round(cpuUs / result.ok) : '-'} µs CPU/req, ${rssMaxMb.toFixed(0)} MB${result.non2xx || result.errors ? `, non2xx ${result.non2xx}, errors ${result.errors}` : ''}${redisLog(redis)}`);
    }
  }
  return Object.fromEntries(
    Object.entries(out).map(([name, entry]) => [
      name,
      {
        rps: median(entry.rounds.map((r) => r.rps)),
        cpuUsPerReq: median(entry.rounds.map((r) => r.cpuUsPerReq)),
        rssMaxMb: Math.max(...entry.rounds.map((r) => r.rssMaxMb)),
        latencyUs: summarize(entry.pooled),
        ...(redisOfRounds(entry.rounds) ? { redis: redisOfRounds(entry.rounds) } : {}),
        rounds: entry.rounds,
      },
    ]),
  );
}

const redisLog = (redis) => (redis ? `, Redis ${redis.commandsPerRequest?.toFixed(2)} cmd/req, reply ${redis.replyWaitUs.mean?.toFixed(0)} µs mean` : '');

/** Open-loop fixed rates; latency percentiles pooled over the rounds. */
export async function fixedRatePhase(ctx, { names, rates, durationS, rounds }) {
  const out = {};
  for (const rate of rates) out[rate] = Object.fromEntries(names.map((name) => [name, { rounds: [], pooled: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const rate of rates) {
      for (const name of roundOrder(names, round)) {
        const target = ctx.targets[name];
        const { result, cpuUs, rssMaxMb, redis } = await withProcessStats(
          target,
          () => ctx.worker.run('fixedRate', { ...chatRequest(target), rate, durationS, connections: ctx.settings.connections }),
          (r) => r.ok + r.non2xx,
        );
        const entry = out[rate][name];
        entry.pooled.push(...result.latenciesUs);
        const { latenciesUs, ...counts } = result;
        entry.rounds.push({ ...counts, cpuUsPerReq: result.ok > 0 ? cpuUs / result.ok : null, rssMaxMb, latencyUs: summarize(latenciesUs), ...(redis ? { redis } : {}) });
        const s = summarize(latenciesUs);
        ctx.log(`fixed ${rate}/s r${round + 1} ${name}: p50 ${(s.p50 / 1000).toFixed(2)} ms, p99 ${(s.p99 / 1000).toFixed(2)} ms, achieved ${Math.round(result.achievedRps)}/s${result.errors || result.non2xx || result.timeouts || result.dropped ? `, errors ${result.errors}, non2xx ${result.non2xx}, timeouts ${result.timeouts}, dropped ${result.dropped}` : ''}${redisLog(redis)}`);
      }
    }
  }
  const summary = {};
  for (const rate of rates) {
    summary[rate] = Object.fromEntries(
      Object.entries(out[rate]).map(([name, entry]) => [
        name,
        {
          // Median over rounds of each round's percentile: one round disturbed by a neighbour's CPU
          // burst does not decide the figure. The pooled percentiles are kept beside it.
          latencyUs: medianOfRounds(entry.rounds.map((r) => r.latencyUs)),
          pooledLatencyUs: summarize(entry.pooled),
          achievedRps: median(entry.rounds.map((r) => r.achievedRps)),
          cpuUsPerReq: median(entry.rounds.map((r) => r.cpuUsPerReq)),
          failed: entry.rounds.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts + r.dropped, 0),
          ...(redisOfRounds(entry.rounds) ? { redis: redisOfRounds(entry.rounds) } : {}),
          rounds: entry.rounds,
        },
      ]),
    );
  }
  return summary;
}

/**
 * Streaming TTFB and total time with `concurrency` closed-loop clients (default the settings' modest
 * concurrency; 1 measures the latency a stream adds without any queueing behind other streams).
 */
export async function streamTimingPhase(ctx, { names, durationS, rounds, concurrency = ctx.settings.streamConcurrency }) {
  const out = Object.fromEntries(names.map((name) => [name, { ttfb: [], total: [], headers: [], chunks: [], counts: { ok: 0, non2xx: 0, incomplete: 0, errors: 0 }, firstFailure: undefined }]));
  for (let round = 0; round < rounds; round++) {
    for (const name of roundOrder(names, round)) {
      const target = ctx.targets[name];
      for (const pid of pidsOf(target)) await waitIdle(pid);
      const result = await ctx.worker.run('streamTiming', {
        ...chatRequest(target, { stream: true }),
        concurrency,
        durationS,
        endMarker: END_MARKER,
      });
      const entry = out[name];
      entry.ttfb.push(...result.ttfbUs);
      entry.total.push(...result.totalUs);
      entry.headers.push(...result.headersUs);
      entry.chunks.push(...result.chunksPerStream);
      for (const key of Object.keys(entry.counts)) entry.counts[key] += result[key];
      entry.firstFailure ??= result.firstFailure;
      const t = summarize(result.ttfbUs);
      ctx.log(`stream timing ×${concurrency} r${round + 1} ${name}: TTFB p50 ${t.p50 === null ? '-' : (t.p50 / 1000).toFixed(2)} ms, ${result.ok} ok${result.firstFailure ? `, failure: ${result.firstFailure}` : ''}`);
    }
  }
  return Object.fromEntries(
    Object.entries(out).map(([name, entry]) => [
      name,
      {
        ttfbUs: summarize(entry.ttfb),
        totalUs: summarize(entry.total),
        headersUs: summarize(entry.headers),
        chunksPerStreamP50: summarize(entry.chunks).p50,
        ...entry.counts,
        firstFailure: entry.firstFailure ?? null,
      },
    ]),
  );
}

/** RSS of a target while it holds `count` slow streams at once. */
export async function slowStreamsPhase(ctx, { names, count }) {
  const out = {};
  for (const name of names) {
    const target = ctx.targets[name];
    await waitIdle(target.pid);
    const idleMb = rssMb(target.pid);
    const samples = [];
    const timer = setInterval(() => samples.push({ t: Date.now(), rssMb: rssMb(target.pid) }), 100);
    const cpuBefore = cpuMicros(target.pid);
    const result = await ctx.worker.run('slowStreams', { ...chatRequest(target, { stream: true, slow: true }), count, endMarker: END_MARKER });
    clearInterval(timer);
    const cpuUs = cpuMicros(target.pid) - cpuBefore;
    const peak = samples.reduce((max, s) => Math.max(max, s.rssMb), idleMb);
    // RSS while the most streams were open at once (lined up by wall clock with the worker's timeline).
    const busiest = result.timeline.reduce((best, point) => (point.open > best.open ? point : best), { open: 0, t: 0 });
    const atBusiest = samples.reduce((best, s) => (Math.abs(s.t - busiest.t) < Math.abs(best.t - busiest.t) ? s : best), samples[0] ?? { t: 0, rssMb: idleMb });
    const { timeline, ...counts } = result;
    out[name] = { ...counts, freshProcess: target.freshProcess === true, rssIdleMb: idleMb, rssPeakMb: peak, rssAddedMb: peak - idleMb, rssAtPeakOpenMb: atBusiest.rssMb, cpuMs: cpuUs / 1000 };
    ctx.log(`slow streams ${name}: ${result.ok}/${count} ok, peak open ${result.peakOpen}, RSS idle ${idleMb.toFixed(0)} MB → peak ${peak.toFixed(0)} MB${result.firstFailure ? `, failure: ${result.firstFailure}` : ''}`);
  }
  return out;
}
