import { request } from 'undici';

/**
 * One request, for smoke checks: status, content type, the start and the end of the body. With
 * several `origins` (a fleet), one request to each; the answer is the first that failed, else the last.
 */
export async function probe({ origin, origins, path, headers, body }) {
  let answer;
  for (const one of origins && origins.length > 1 ? origins : [origin]) {
    const started = performance.now();
    const response = await request(`${one}${path}`, { method: 'POST', headers, body, headersTimeout: 15_000, bodyTimeout: 15_000 });
    const text = await response.body.text();
    answer = { status: response.statusCode, contentType: response.headers['content-type'] ?? null, body: text.slice(0, 4000), tail: text.slice(-300), bodyLength: text.length, ms: performance.now() - started };
    if (response.statusCode !== 200) break;
  }
  return answer;
}
