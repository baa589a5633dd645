import autocannon from 'autocannon';

/**
 * Closed-loop saturation with autocannon: `connections` connections each send the next request
 * as soon as the previous answer is complete. Latencies are collected from autocannon's
 * per-response event (float milliseconds from hrtime), not its whole-millisecond histogram.
 * With several `origins` (a fleet's replicas), autocannon spreads the connections over them evenly
 * (connection i goes to origin i mod n).
 */
export function saturate({ origin, origins, path, headers, body, connections = 64, durationS }) {
  return new Promise((resolve, reject) => {
    const latenciesUs = [];
    const url = origins && origins.length > 1 ? origins.map((o) => `${o}${path}`) : `${origin}${path}`;
    const instance = autocannon(
      { url, method: 'POST', headers, body, connections, duration: durationS, timeout: 30 },
      (error, result) => {
        if (error) return reject(error);
        const ok = result['2xx'];
        resolve({
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          durationS: result.duration,
          rps: ok / result.duration,
          latenciesUs,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) latenciesUs.push(responseTimeMs * 1000);
    });
  });
}
