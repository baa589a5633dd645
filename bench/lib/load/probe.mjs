import { request } from 'undici';

/** One request, for smoke checks: status, content type, the start and the end of the body. */
export async function probe({ origin, path, headers, body }) {
  const started = performance.now();
  const response = await request(`${origin}${path}`, { method: 'POST', headers, body, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const text = await response.body.text();
  return { status: response.statusCode, contentType: response.headers['content-type'] ?? null, body: text.slice(0, 4000), tail: text.slice(-300), bodyLength: text.length, ms: performance.now() - started };
}
