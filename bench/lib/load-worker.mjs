/**
 * The load generator process (pinned away from the target under test). It takes jobs over IPC —
 * { id, kind, params } — and answers { id, result } or { id, error }. Kinds: saturate (autocannon),
 * fixedRate (open loop), streamTiming (TTFB), slowStreams (1,000 held streams), probe.
 */
import { fixedRate } from './load/fixed-rate.mjs';
import { dropPools } from './load/pools.mjs';
import { probe } from './load/probe.mjs';
import { saturate } from './load/saturate.mjs';
import { slowStreams } from './load/slow-streams.mjs';
import { streamTiming } from './load/stream-timing.mjs';

const jobs = { saturate, fixedRate, streamTiming, slowStreams, probe, dropPools: ({ origin }) => dropPools(origin) };

process.on('message', async ({ id, kind, params }) => {
  try {
    const job = jobs[kind];
    if (!job) throw new Error(`unknown job kind ${kind}`);
    process.send({ id, result: (await job(params)) ?? null });
  } catch (error) {
    process.send({ id, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.stdout.write('{"ready":true}\n');
