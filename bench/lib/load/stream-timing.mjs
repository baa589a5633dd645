import { hrtime } from 'node:process';
import { poolFor } from './pools.mjs';

/**
 * Streaming latency at modest concurrency: `concurrency` closed-loop clients, each timing per
 * request the response headers, the first body byte (TTFB) and the end of the stream, in µs.
 * A stream counts as complete only if its tail contains `endMarker` (`[DONE]`, `message_stop`).
 */
export async function streamTiming({ origin, origins, path, headers, body, concurrency = 8, durationS, endMarker }) {
  // A fleet: successive requests alternate between the origins.
  const pools = (origins && origins.length > 1 ? origins : [origin]).map((o) => poolFor(o, Math.max(concurrency, 8)));
  let issued = 0;
  const ttfbUs = [];
  const headersUs = [];
  const totalUs = [];
  const chunksPerStream = [];
  const counts = { ok: 0, non2xx: 0, incomplete: 0, errors: 0 };
  const statuses = {};
  let firstFailure;
  const deadline = Date.now() + durationS * 1000;

  const one = async () => {
    const pool = pools[issued++ % pools.length];
    const t0 = hrtime.bigint();
    const response = await pool.request({ method: 'POST', path, headers, body });
    const tHeaders = hrtime.bigint();
    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    let tFirst;
    let tail = '';
    let chunks = 0;
    for await (const chunk of response.body) {
      tFirst ??= hrtime.bigint();
      chunks++;
      tail = (tail + chunk.toString('latin1')).slice(-256);
    }
    const tEnd = hrtime.bigint();
    if (response.statusCode !== 200) {
      counts.non2xx++;
      firstFailure ??= `HTTP ${response.statusCode}: ${tail.slice(-200)}`;
      return;
    }
    if (!tail.includes(endMarker)) {
      counts.incomplete++;
      firstFailure ??= `stream ended without ${endMarker}: …${tail.slice(-120)}`;
      return;
    }
    counts.ok++;
    headersUs.push(Number(tHeaders - t0) / 1000);
    ttfbUs.push(Number((tFirst ?? tEnd) - t0) / 1000);
    totalUs.push(Number(tEnd - t0) / 1000);
    chunksPerStream.push(chunks);
  };

  const loop = async () => {
    while (Date.now() < deadline) {
      try {
        await one();
      } catch (error) {
        counts.errors++;
        firstFailure ??= String(error?.message ?? error);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { ...counts, statuses, firstFailure, headersUs, ttfbUs, totalUs, chunksPerStream };
}
