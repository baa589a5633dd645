import autocannon from 'autocannon';

/**
 * Closed-loop saturation with autocannon: `connections` connections each send the next request
 * as soon as the previous answer is complete. Latencies are collected from autocannon's
 * per-response event (float milliseconds from hrtime), not its whole-millisecond histogram.
 */
export function saturate({ origin, path, headers, body, connections = 64, durationS }) {
  return new Promise((resolve, reject) => {
    const latenciesUs = [];
    const instance = autocannon(
      { url: `${origin}${path}`, method: 'POST', headers, body, connections, duration: durationS, timeout: 30 },
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
