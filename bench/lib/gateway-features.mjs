import { request } from 'undici';

/**
 * What the measured Switchyard build has on its request path, probed rather than assumed:
 * Prometheus metrics (GET /metrics answers with the gateway's counters after a request).
 */
export async function probeGatewayFeatures(port) {
  try {
    const response = await request(`http://127.0.0.1:${port}/metrics`, { headersTimeout: 5000, bodyTimeout: 5000 });
    const text = await response.body.text();
    const metrics = response.statusCode === 200 && /switchyard_requests_total/.test(text);
    return { metrics, metricsReason: metrics ? 'GET /metrics serves switchyard_requests_total (prom-client); every request updates counters and histograms' : `GET /metrics answered HTTP ${response.statusCode} without switchyard_requests_total: metrics are not in this build` };
  } catch (error) {
    return { metrics: false, metricsReason: `GET /metrics failed: ${error.message}` };
  }
}
