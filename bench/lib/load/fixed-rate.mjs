import { hrtime } from 'node:process';
import { poolFor } from './pools.mjs';

/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate whatever happened to the
 * earlier ones, so a slow target builds a queue (and shows it in its latency) instead of quietly
 * being sent less. Latency is taken from the moment the request is issued to the last body byte,
 * in microseconds, with hrtime. Requests still open `drainMs` after the last one was issued are
 * counted as timeouts.
 *
 * (autocannon's `overallRate` is not used for this: it sends each connection's per-second quota
 * back-to-back at the start of every second and records whole milliseconds, which turns a
 * 1,000 requests/s measurement into bursts at full concurrency measured at 1 ms resolution.)
 */
export async function fixedRate({ origin, origins, path, headers, body, rate, durationS, connections = 64, maxInFlight = 5000, drainMs = 5000 }) {
  // A fleet: request i goes to origin i mod n, each origin with its share of the connections.
  const targets = origins && origins.length > 1 ? origins : [origin];
  const pools = targets.map((o) => poolFor(o, Math.max(1, Math.ceil(connections / targets.length))));
  const total = Math.round(rate * durationS);
  const intervalNs = 1e9 / rate;
  const latenciesUs = [];
  const counts = { sent: 0, ok: 0, non2xx: 0, errors: 0, dropped: 0, timeouts: 0 };
  const statuses = {};
  let inFlight = 0;
  let lagMaxUs = 0;
  let lastDoneNs = 0n;
  const controller = new AbortController();

  const fire = () => {
    inFlight++;
    const pool = pools[counts.sent % pools.length];
    const t0 = hrtime.bigint();
    pool
      .request({ method: 'POST', path, headers, body, signal: controller.signal })
      .then(async (response) => {
        await response.body.arrayBuffer();
        const us = Number(hrtime.bigint() - t0) / 1000;
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode >= 200 && response.statusCode < 300) {
          counts.ok++;
          latenciesUs.push(us);
        } else counts.non2xx++;
      })
      .catch(() => {
        if (!controller.signal.aborted) counts.errors++;
      })
      .finally(() => {
        inFlight--;
        lastDoneNs = hrtime.bigint();
      });
  };

  const start = hrtime.bigint();
  await new Promise((resolve) => {
    const tick = () => {
      const elapsedNs = Number(hrtime.bigint() - start);
      const due = Math.min(total, Math.floor(elapsedNs / intervalNs) + 1);
      if (due > counts.sent + 1) lagMaxUs = Math.max(lagMaxUs, ((due - counts.sent - 1) * intervalNs) / 1000);
      while (counts.sent < due) {
        counts.sent++;
        if (inFlight >= maxInFlight) counts.dropped++;
        else fire();
      }
      if (counts.sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const issuedS = Number(hrtime.bigint() - start) / 1e9;
  const drainDeadline = Date.now() + drainMs;
  while (inFlight > 0 && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 5));
  if (inFlight > 0) {
    counts.timeouts = inFlight;
    controller.abort();
  }
  const completedS = Math.max(issuedS, Number(lastDoneNs - start) / 1e9);
  return { ...counts, statuses, offeredRps: rate, issuedS, completedS, achievedRps: counts.ok / completedS, generatorLagMaxUs: lagMaxUs, latenciesUs };
}
