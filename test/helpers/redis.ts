/**
 * Test helpers for the real Redis (REDIS_URL, default redis://127.0.0.1:6379). Tests never skip when
 * Redis is down: connecting throws and the suite fails. Each test file takes a random namespace
 * (`swy:test-<random>:`) and deletes its keys at the end.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Redis } from 'ioredis';
import { buildKeyPrefix, closeRedis, connectRedis, deleteKeysWithPrefix } from '../../src/storage/redis.js';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RedisTestSpace {
  namespace: string;
  prefix: string;
  /** A new connection (a "replica") under the namespace; closed by `cleanup`. */
  connect(url?: string): Promise<Redis>;
  /** Deletes every key under the namespace and closes every connection opened here. */
  cleanup(): Promise<void>;
}

export function redisTestSpace(label: string): RedisTestSpace {
  const namespace = `test-${label}-${randomBytes(6).toString('hex')}`;
  const prefix = buildKeyPrefix({ namespace });
  const clients: Redis[] = [];
  return {
    namespace,
    prefix,
    async connect(url = TEST_REDIS_URL) {
      const client = await connectRedis(url, { namespace, connectionName: `swy-${label}` });
      clients.push(client);
      return client;
    },
    async cleanup() {
      const cleaner = await connectRedis(TEST_REDIS_URL, { namespace });
      try {
        await deleteKeysWithPrefix(cleaner, prefix);
      } finally {
        await closeRedis(cleaner);
        await Promise.all(clients.splice(0).map((client) => closeRedis(client)));
      }
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP proxy to Redis that a test can break: `sever()` destroys every connection and stops listening
 * (Redis "goes away"); `pause()` stops forwarding without closing anything (Redis "hangs");
 * `restart()` listens again on the same port.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private paused = false;
  port = 0;

  constructor(
    private readonly targetHost = '127.0.0.1',
    private readonly targetPort = Number(new URL(TEST_REDIS_URL).port || 6379),
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.on('data', (chunk) => {
        if (!this.paused) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (!this.paused) client.write(chunk);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
  }

  pause(): void {
    this.paused = true;
  }

  async sever(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restart(): Promise<void> {
    this.paused = false;
    await this.start();
  }
}

/** Resolves with how long `promise` took to settle, and its rejection if any. */
export async function timeSettle(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await promise;
    return { ms: performance.now() - started, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}
