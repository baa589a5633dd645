import { Pool } from 'undici';

/** One keep-alive pool per origin and size, reused across jobs so no phase pays for new connections. */
const pools = new Map();

export function poolFor(origin, connections) {
  const key = `${origin}|${connections}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
    pools.set(key, pool);
  }
  return pool;
}

/** Closes (or, for pools with stuck requests, destroys) every pool of an origin. */
export async function dropPools(origin) {
  for (const [key, pool] of pools) {
    if (!key.startsWith(`${origin}|`)) continue;
    pools.delete(key);
    await pool.destroy().catch(() => undefined);
  }
}
