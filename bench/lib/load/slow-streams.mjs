import { Pool } from 'undici';

/**
 * Holds `count` slow streams open at once against one target (the mock paces them), opening them in
 * waves of `wave` per `waveMs` so the listen backlog is not the thing being measured. Reports how
 * many were ever open at the same moment (first body byte seen, end not yet seen), how many
 * completed, and a timeline of open streams for lining up with the RSS samples.
 */
export async function slowStreams({ origin, path, headers, body, count, endMarker, wave = 100, waveMs = 20, timeoutMs = 60_000 }) {
  const pool = new Pool(origin, { connections: count, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  let open = 0;
  let peakOpen = 0;
  const counts = { ok: 0, non2xx: 0, incomplete: 0, errors: 0 };
  let firstFailure;
  const timeline = [];
  const sampler = setInterval(() => timeline.push({ t: Date.now(), open }), 100);
  const startedAt = Date.now();
  let allOpenAt;

  const one = async () => {
    const response = await pool.request({ method: 'POST', path, headers, body });
    let seen = false;
    let tail = '';
    try {
      for await (const chunk of response.body) {
        if (!seen) {
          seen = true;
          open++;
          if (open > peakOpen) peakOpen = open;
          if (open === count) allOpenAt = Date.now();
        }
        tail = (tail + chunk.toString('latin1')).slice(-256);
      }
    } finally {
      if (seen) open--;
    }
    if (response.statusCode !== 200) {
      counts.non2xx++;
      firstFailure ??= `HTTP ${response.statusCode}: ${tail.slice(-200)}`;
    } else if (!tail.includes(endMarker)) {
      counts.incomplete++;
      firstFailure ??= `stream ended without ${endMarker}`;
    } else counts.ok++;
  };

  const all = [];
  for (let i = 0; i < count; i += wave) {
    for (let j = i; j < Math.min(count, i + wave); j++) {
      all.push(
        one().catch((error) => {
          counts.errors++;
          firstFailure ??= String(error?.message ?? error);
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, waveMs));
  }
  await Promise.race([Promise.all(all), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  clearInterval(sampler);
  await pool.destroy().catch(() => undefined);
  return {
    count,
    ...counts,
    peakOpen,
    secondsToAllOpen: allOpenAt ? (allOpenAt - startedAt) / 1000 : null,
    durationS: (Date.now() - startedAt) / 1000,
    firstFailure,
    timeline,
  };
}
