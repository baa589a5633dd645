/**
 * The team the bench's Switchyard rows call as: created through the admin API with the master key
 * (POST /admin/teams, then POST /admin/keys), so every request of those rows authenticates a team
 * key (SHA-256 + the verified-key cache), is checked against the team's rate limits (requests and
 * tokens per minute) and reserves its worst case in the team's monthly budget, settled with the actual
 * cost afterwards — all of it on the hot path. The limits are set far above what a run can reach
 * (~5,000 requests/s ≈ 300,000 requests and ~30 M tokens a minute; the budget would take
 * ~10^9 requests of this size), so nothing is ever refused: the row measures the cost of admission,
 * not of refusals. Runs against a single process (in-process counters) or any replica of a fleet.
 */
import { request } from 'undici';
import { BENCH_MASTER_KEY } from './gateway-config.mjs';

export const BENCH_TEAM_POLICY = {
  budget: { limit_usd: 1_000_000, period: 'month' },
  rate_limits: { rpm: 10_000_000, tpm: 10_000_000_000 },
};

async function admin(origin, path, body, timeoutMs) {
  const response = await request(`${origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await response.body.text();
  if (response.statusCode !== 201) throw new Error(`POST ${path} answered HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Creates the bench team and one key of it; resolves to { teamId, keyId, key }. `timeoutMs`: per admin call (longer under valgrind). */
export async function provisionTeam(origin, name = 'bench', timeoutMs = 15_000) {
  const team = await admin(origin, '/admin/teams', { name, ...BENCH_TEAM_POLICY }, timeoutMs);
  const key = await admin(origin, '/admin/keys', { team_id: team.id, name: `${name}-key` }, timeoutMs);
  return { teamId: team.id, keyId: key.id, key: key.key };
}
