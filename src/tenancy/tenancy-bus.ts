/**
 * Tenancy events (a key revoked or changed, a team's policy changed) reach every replica, so each drops
 * what it cached about the callers involved.
 *
 * `LocalTenancyBus`: one process; `publish` calls every handler before it resolves.
 * `RedisTenancyBus`: PUBLISH of the event as JSON on the channel `<key prefix>tenancy` (the client's
 * prefix, e.g. `swy:tenancy`, so gateways sharing a Redis under different prefixes do not hear each
 * other). Every replica, the publisher included, receives it on its own subscriber connection (a
 * `duplicate()` of the client, subscribed by `start()`), typically within a millisecond on a LAN.
 * Messages that are not a well-formed event are ignored. Pub/sub delivers at most once: an event
 * published while a replica's subscriber is disconnected is lost to it, so the bus calls
 * `onResubscribed` after each reconnection for the owner to drop its whole cache. `publish` throws
 * `LimitsUnavailableError` when Redis cannot be reached.
 */
import type { Redis } from 'ioredis';
import { closeRedis, describeRedisFailure, redisKeyPrefix } from '../storage/redis.js';
import { LimitsUnavailableError, type TenancyBus, type TenancyEvent } from './limits-types.js';

type Handler = (event: TenancyEvent) => void;

function deliver(handlers: readonly Handler[], event: TenancyEvent, onHandlerError: ((error: unknown) => void) | undefined): void {
  for (const handler of handlers) {
    try {
      handler(event);
    } catch (error) {
      onHandlerError?.(error);
    }
  }
}

export interface TenancyBusOptions {
  /** A handler threw (the others still run). */
  onHandlerError?: (error: unknown) => void;
}

export class LocalTenancyBus implements TenancyBus {
  private handlers: Handler[] = [];

  constructor(private readonly options: TenancyBusOptions = {}) {}

  async publish(event: TenancyEvent): Promise<void> {
    deliver(this.handlers, event, this.options.onHandlerError);
  }

  subscribe(handler: Handler): void {
    this.handlers = [...this.handlers, handler];
  }

  async close(): Promise<void> {
    this.handlers = [];
  }
}

/** The event in a message, or undefined when it is not one. */
export function parseTenancyEvent(message: string): TenancyEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type } = value as { type?: unknown };
  if (type === 'key-revoked' || type === 'key-changed') {
    const { keyHash } = value as { keyHash?: unknown };
    return typeof keyHash === 'string' && keyHash.length > 0 ? { type, keyHash } : undefined;
  }
  if (type === 'team-changed') {
    const { teamId } = value as { teamId?: unknown };
    return typeof teamId === 'string' && teamId.length > 0 ? { type, teamId } : undefined;
  }
  return undefined;
}

export interface RedisTenancyBusOptions extends TenancyBusOptions {
  /** Channel name (default `<client key prefix>tenancy`). */
  channel?: string;
  /** The subscriber reconnected and subscribed again: events may have been missed meanwhile. */
  onResubscribed?: () => void;
  /** Quit the publishing client on `close()` (default false). The subscriber connection is always closed. */
  ownsClient?: boolean;
}

export class RedisTenancyBus implements TenancyBus {
  readonly channel: string;
  private handlers: Handler[] = [];
  private readonly subscriber: Redis;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly client: Redis,
    private readonly options: RedisTenancyBusOptions = {},
  ) {
    this.channel = options.channel ?? `${redisKeyPrefix(client)}tenancy`;
    // No autoResubscribe: ioredis' own resubscription leaves its promise unhandled when the connection
    // drops again at once (an unhandled rejection ends the process); 'ready' below subscribes with its failure caught.
    this.subscriber = client.duplicate({ autoResubscribe: false, connectionName: client.options.connectionName ? `${client.options.connectionName}-sub` : undefined });
    this.subscriber.on('error', () => {
      // Reconnection is automatic; publishers see failures through their own errors.
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const event = parseTenancyEvent(message);
      if (event !== undefined) deliver(this.handlers, event, this.options.onHandlerError);
    });
  }

  /** Connects the subscriber and subscribes; resolves once events published from now on will arrive. */
  start(): Promise<void> {
    this.started ??= (async () => {
      try {
        await this.subscriber.connect();
        await this.subscriber.subscribe(this.channel);
      } catch (error) {
        this.subscriber.disconnect();
        throw new LimitsUnavailableError(`tenancy bus unavailable: subscribing to ${this.channel} failed: ${describeRedisFailure(error)}`, { cause: error });
      }
      this.subscriber.on('ready', () => {
        // A reconnection: subscribe again, then tell the owner (events sent meanwhile are lost).
        this.subscriber.subscribe(this.channel).then(
          () => this.options.onResubscribed?.(),
          () => {
            // Lost again; the next 'ready' retries.
          },
        );
      });
    })();
    return this.started;
  }

  async publish(event: TenancyEvent): Promise<void> {
    try {
      await this.client.publish(this.channel, JSON.stringify(event));
    } catch (error) {
      throw new LimitsUnavailableError(`tenancy bus unavailable: publishing ${event.type} failed: ${describeRedisFailure(error)}`, { cause: error });
    }
  }

  subscribe(handler: Handler): void {
    this.handlers = [...this.handlers, handler];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers = [];
    await closeRedis(this.subscriber);
    if (this.options.ownsClient) await closeRedis(this.client);
  }
}
