/**
 * The Redis connection behind a fleet's shared counters (rate limits, budget reservations, the tenancy
 * bus). Configured for a gateway on the request path, where a slow answer is worse than a refusal:
 *
 * - `lazyConnect`, then one explicit `connect()` at startup: an unreachable Redis is a one-line error
 *   (`cannot reach Redis at redis://:***@host:6379: connect ECONNREFUSED`, password redacted) and no
 *   client is left reconnecting in the background.
 * - Fail fast afterwards: no offline queue (a command sent while the connection is down is rejected at
 *   once), `maxRetriesPerRequest: 0` and no resending of unanswered commands (a command in flight when
 *   the connection drops is rejected, never replayed: a replayed `settle` would count spend twice),
 *   and a `commandTimeout` (1 s) for a Redis that stops answering without closing the connection;
 *   a connection silent for twice that while replies are awaited is dropped and reopened.
 * - The connection itself is re-established in the background with capped exponential backoff; the
 *   next command after that succeeds again.
 * - Every key the client touches carries a prefix (`swy:` by default, `swy:<namespace>:` with a
 *   namespace) through ioredis' `keyPrefix`, so several gateways or test files can share one Redis.
 *   Pub/sub channels are not prefixed by ioredis: users of channels read `redisKeyPrefix(client)`.
 */
import { Redis, type RedisOptions } from 'ioredis';

export const DEFAULT_REDIS_KEY_PREFIX = 'swy:';

export interface RedisConnectOptions {
  /** Base prefix of every key (default `swy:`). */
  keyPrefix?: string;
  /** Appended to the prefix: `swy:<namespace>:` (tests isolate themselves with a random one). */
  namespace?: string;
  /** Rejects a command with no reply after this long (default 1000 ms). */
  commandTimeoutMs?: number;
  /** Gives up on opening a TCP connection after this long (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Upper bound of the background reconnect backoff (default 2000 ms). */
  maxReconnectDelayMs?: number;
  /** Shown in `CLIENT LIST`. */
  connectionName?: string;
  /** Sends the commands issued in one tick of the event loop in one write (ioredis auto-pipelining; default off). */
  autoPipelining?: boolean;
  /** Called with a one-line, redacted message when the connection is lost (once per outage) and when it is back. */
  onStateChange?: (message: string) => void;
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`; anything unparsable is not echoed. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable Redis URL)';
  }
}

export function buildKeyPrefix(options: Pick<RedisConnectOptions, 'keyPrefix' | 'namespace'> = {}): string {
  const base = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  return options.namespace ? `${base}${options.namespace}:` : base;
}

/** The prefix ioredis adds to every key of this client ('' when none). */
export function redisKeyPrefix(client: Redis): string {
  return client.options.keyPrefix ?? '';
}

function gatewayRedisOptions(options: RedisConnectOptions): RedisOptions {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  return {
    lazyConnect: true,
    keyPrefix: buildKeyPrefix(options),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    // A connection that stops answering (no RST: a partition, a stuck proxy) is dropped and reopened
    // instead of timing out every command one by one. Armed only while replies are awaited.
    socketTimeout: 2 * (options.commandTimeoutMs ?? 1000),
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay) + Math.floor(Math.random() * 50),
    connectionName: options.connectionName,
    enableAutoPipelining: options.autoPipelining ?? false,
  };
}

/**
 * A client configured as above but not connected (the first command connects it, and fails at once
 * if that is not done yet). Prefer `connectRedis`; this is for callers that must not wait.
 */
export function createRedisClient(url: string, options: RedisConnectOptions = {}): Redis {
  const client = new Redis(url, gatewayRedisOptions(options));
  watchState(client, url, options.onStateChange);
  return client;
}

/** The system's reason for a failed connection, without the address (the URL is named already). */
function describeConnectError(error: unknown): string {
  const err = error as { code?: string; syscall?: string; message?: string };
  if (err?.syscall === 'connect' && err.code) return `connect ${err.code}`;
  if (err?.code === 'ENOTFOUND' || err?.code === 'EAI_AGAIN') return `host not found (${err.code})`;
  return (err?.message ?? String(error)).replace(/\s+/g, ' ').trim();
}

function watchState(client: Redis, url: string, onStateChange: ((message: string) => void) | undefined): void {
  let down = false;
  let lastError = '';
  // A listener is needed anyway: ioredis only stays silent about errors when someone listens.
  client.on('error', (error: unknown) => {
    lastError = describeConnectError(error);
  });
  client.on('close', () => {
    if (down || client.status === 'end') return;
    down = true;
    onStateChange?.(`lost the connection to Redis at ${redactRedisUrl(url)}${lastError ? `: ${lastError}` : ''}; reconnecting`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    lastError = '';
    onStateChange?.(`reconnected to Redis at ${redactRedisUrl(url)}`);
  });
}

/**
 * Opens a gateway's Redis connection and waits until it is ready. Rejects with a one-line error
 * naming the (redacted) URL and the reason when Redis cannot be reached; nothing keeps running then.
 */
export async function connectRedis(url: string, options: RedisConnectOptions = {}): Promise<Redis> {
  let client: Redis;
  try {
    client = createRedisClient(url, options);
  } catch (error) {
    throw new Error(`cannot reach Redis at ${redactRedisUrl(url)}: ${describeConnectError(error)}`);
  }
  let firstError: unknown;
  const recordError = (error: unknown) => {
    firstError ??= error;
  };
  client.on('error', recordError);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect(); // no background reconnection for a client nobody will use
    throw new Error(`cannot reach Redis at ${redactRedisUrl(url)}: ${describeConnectError(firstError ?? error)}`);
  } finally {
    client.off('error', recordError);
  }
  return client;
}

/** Closes a client: QUIT when connected (pending replies arrive first), else drops the socket. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * A short reason for a failed command, in words an operator reads in a 503 or a log line (the
 * original error stays the `cause`).
 */
export function describeRedisFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith("Stream isn't writeable")) return 'not connected (reconnecting in the background)';
  if (message.startsWith('Reached the max retries per request')) return 'connection lost';
  if (message === 'Connection is closed.') return 'connection closed';
  if (message === 'Command timed out') return 'no reply in time (command timeout)';
  if (message.startsWith('Socket timeout')) return 'no reply in time (connection dropped)';
  return message;
}

/** Deletes every key under `prefix` (SCAN + UNLINK through a client whose own prefix is stripped). For tests and tools, not the request path. */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  const own = redisKeyPrefix(client);
  let cursor = '0';
  let deleted = 0;
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) {
      // Keys come back in full; the client would prefix them again.
      const names = own ? keys.map((key) => (key.startsWith(own) ? key.slice(own.length) : key)) : keys;
      const relative = own ? names.filter((_, i) => keys[i].startsWith(own)) : names;
      if (relative.length > 0) deleted += await client.unlink(...relative);
    }
  } while (cursor !== '0');
  return deleted;
}
