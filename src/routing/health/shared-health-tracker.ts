/**
 * Deployment health shared by the replicas of a fleet through Redis.
 *
 * What is shared are the *decisions*, not the measurements: when a replica's breaker for a deployment
 * opens (until T), when a half-open probe closes it again, and when the deployment starts or extends a
 * cooldown after a 429 / overload or a rate-limit header at zero (until T, with its kind). Every other
 * replica applies them to its own tracker (`InMemoryHealthTracker.applyRemote`): the deployment is
 * unavailable there until T, after which an open breaker goes through that replica's own half-open
 * probe logic. Latency and TTFT averages, the TTFT p95, in-flight counts, consecutive failures, the
 * error-rate window and rate-limit headroom stay per replica: they are this process's own
 * measurements (a replica opens a breaker from its own failures, and shares only the result).
 *
 * The hot path stays local and synchronous: every HealthTracker call goes to the in-memory tracker;
 * a transition (rare) starts one asynchronous Redis call, not awaited by anyone.
 *
 * Redis layout (under the client's key prefix, e.g. `swy:`):
 * - channel `<prefix>health`: one JSON event per transition (see HealthEvent), e.g.
 *   `{"v":1,"r":"9f2c…","d":"openai/gpt-4.1","at":1718000000000,"t":"open","until":1718000030000}`;
 * - hash `<prefix>health:state`: the events still in force, field `breaker:<deployment>` or
 *   `cooldown:<deployment>`, value the event. A later `until` replaces an earlier one; a close deletes
 *   the breaker field unless the opening stored there is newer (`at`). The hash expires (PEXPIRE, relative
 *   to the publisher's clock) one second after the latest `until` written to it; stale fields left
 *   inside are ignored by readers.
 * One Lua script updates the hash and publishes, so a replica that reads the hash and one that hears
 * the channel see the same thing.
 *
 * Replicas load the hash once when their subscriber connects and again after every reconnection (events
 * published meanwhile were missed: pub/sub delivers at most once). A replica ignores its own events
 * (its random replica id is in each) and malformed ones. Times are absolute epoch milliseconds; each
 * replica compares them with its own injected clock, capped so that a skewed clock or a bogus event
 * cannot keep a deployment away for longer than `openMs` / `maxCooldownMs`.
 *
 * Redis failures never reach request handling: a failed publish is counted and the latest failed
 * event per field is kept (bounded by two per deployment) and sent again when the connection is back,
 * if still in force; a failed load is counted and retried at the next reconnection. Meanwhile each
 * replica behaves exactly as a single one would. Known gaps: a close missed during an outage keeps the
 * deployment away on that replica until its `until` (then its own probe decides); events from two
 * replicas about the same deployment may be heard in either order (last heard wins there).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedis, redisKeyPrefix } from '../../storage/redis.js';
import type { AttemptOutcome, Clock, DeploymentHealth, HealthTracker, HealthTransition } from './health-tracker.js';
import type { InMemoryHealthTracker } from './in-memory-health-tracker.js';

/** One shared transition, as published and as stored in the hash. Short names: it crosses the wire. */
export type HealthEvent =
  | { v: 1; r: string; d: string; at: number; t: 'open'; until: number }
  | { v: 1; r: string; d: string; at: number; t: 'closed' }
  | { v: 1; r: string; d: string; at: number; t: 'cooldown'; until: number; kind: 'rate_limit' | 'overloaded' };

const MAX_REPLICA_ID = 128;
const MAX_DEPLOYMENT_KEY = 512;
/** The hash outlives the latest `until` written to it by this much. */
const HASH_SLACK_MS = 1_000;

/** The event in a message, with only its known fields, or undefined when it is not a well-formed one. */
export function parseHealthEvent(message: string): HealthEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { v, r, d, at, t, until, kind } = value as Record<string, unknown>;
  if (v !== 1) return undefined;
  if (typeof r !== 'string' || r.length === 0 || r.length > MAX_REPLICA_ID) return undefined;
  if (typeof d !== 'string' || d.length === 0 || d.length > MAX_DEPLOYMENT_KEY) return undefined;
  if (typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  if (t === 'closed') return { v: 1, r, d, at, t };
  if (typeof until !== 'number' || !Number.isFinite(until) || until <= 0) return undefined;
  if (t === 'open') return { v: 1, r, d, at, t, until };
  if (t === 'cooldown' && (kind === 'rate_limit' || kind === 'overloaded')) return { v: 1, r, d, at, t, until, kind };
  return undefined;
}

/** The event describing a tracker's transition. */
export function healthEvent(replicaId: string, deployment: string, at: number, transition: HealthTransition): HealthEvent {
  if ('cooldownUntil' in transition) return { v: 1, r: replicaId, d: deployment, at, t: 'cooldown', until: transition.cooldownUntil, kind: transition.kind };
  if (transition.breaker === 'open') return { v: 1, r: replicaId, d: deployment, at, t: 'open', until: transition.until };
  return { v: 1, r: replicaId, d: deployment, at, t: 'closed' };
}

/** The transition an event asks a tracker to apply. */
export function eventTransition(event: HealthEvent): HealthTransition {
  switch (event.t) {
    case 'open':
      return { breaker: 'open', until: event.until };
    case 'closed':
      return { breaker: 'closed' };
    case 'cooldown':
      return { cooldownUntil: event.until, kind: event.kind };
  }
}

/** The hash field an event lives in: breakers and cooldowns of a deployment are independent. */
function fieldOf(event: HealthEvent): string {
  return `${event.t === 'cooldown' ? 'cooldown' : 'breaker'}:${event.d}`;
}

/**
 * KEYS[1] the state hash; ARGV: field, 'set' | 'del', until, at, ttl ms, channel, event JSON.
 * set: stored unless the field holds a later (or equal) until; the hash's expiry is raised to ttl.
 * del: the field is deleted unless it holds an event newer than this one (by `at`).
 * Then the event is published; returns the number of subscribers that received it.
 */
const PUBLISH_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local old = nil
if cur then
  local ok, decoded = pcall(cjson.decode, cur)
  if ok and type(decoded) == 'table' then old = decoded end
end
if ARGV[2] == 'del' then
  if cur and (old == nil or (tonumber(old['at']) or 0) <= tonumber(ARGV[4])) then redis.call('HDEL', KEYS[1], ARGV[1]) end
else
  if old == nil or (tonumber(old['until']) or 0) < tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[7])
    if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
  end
end
return redis.call('PUBLISH', ARGV[6], ARGV[7])
`;

interface HealthScripts {
  swyHealthPublish(key: string, ...args: string[]): Promise<number>;
}

function defineHealthScripts(client: Redis): HealthScripts {
  const scripted = client as unknown as Partial<HealthScripts>;
  if (typeof scripted.swyHealthPublish !== 'function') client.defineCommand('swyHealthPublish', { lua: PUBLISH_LUA, numberOfKeys: 1 });
  return client as unknown as HealthScripts;
}

export interface SharedHealthOptions {
  /** Identifies this replica's events (default: 12 random hex characters). */
  replicaId?: string;
  /** Pub/sub channel (default `<client key prefix>health`). */
  channel?: string;
  /** The state hash, relative to the client's key prefix (default `health:state`). */
  stateKey?: string;
  /** The clock the in-memory tracker reads (for `at` and the hash's expiry); Date.now by default. */
  clock?: Clock;
  /** Deployments this replica serves: events about others are ignored (default: every deployment). */
  accept?: (deployment: string) => boolean;
}

/** Counters for tests and diagnostics. */
export interface SharedHealthStats {
  /** Transitions published (hash updated and PUBLISHed). */
  published: number;
  /** Publishes that failed (Redis down, slow or refusing); the event waits for the reconnection. */
  publishFailures: number;
  /** Messages heard on the channel, own ones included. */
  received: number;
  /** Messages that were not a well-formed event. */
  malformed: number;
  /** Remote events (heard or loaded) that changed this replica's state. */
  applied: number;
  /** Loads of the state hash that completed, and those that failed. */
  loads: number;
  loadFailures: number;
}

export class SharedHealthTracker implements HealthTracker {
  readonly replicaId: string;
  readonly channel: string;
  readonly stateKey: string;
  readonly stats: SharedHealthStats = { published: 0, publishFailures: 0, received: 0, malformed: 0, applied: 0, loads: 0, loadFailures: 0 };
  private readonly clock: Clock;
  private readonly accept: ((deployment: string) => boolean) | undefined;
  private readonly scripts: HealthScripts;
  private readonly subscriber: Redis;
  /** The latest event per hash field whose publish failed: sent again once Redis is back. */
  private readonly pending = new Map<string, HealthEvent>();
  private starting: Promise<void> | undefined;
  private closed = false;
  private readonly onClientReady = () => {
    void this.resync();
  };

  constructor(
    /** The replica's own tracker: every HealthTracker call goes to it. */
    readonly local: InMemoryHealthTracker,
    private readonly client: Redis,
    options: SharedHealthOptions = {},
  ) {
    this.replicaId = options.replicaId ?? randomBytes(6).toString('hex');
    this.channel = options.channel ?? `${redisKeyPrefix(client)}health`;
    this.stateKey = options.stateKey ?? 'health:state';
    this.clock = options.clock ?? Date.now;
    this.accept = options.accept;
    this.scripts = defineHealthScripts(client);
    // No autoResubscribe: ioredis' own resubscription leaves its promise unhandled when the connection drops
    // again at once; resync() subscribes on every 'ready' instead, with its failure caught.
    this.subscriber = client.duplicate({
      autoResubscribe: false,
      connectionName: client.options.connectionName ? `${client.options.connectionName}-health` : undefined,
    });
    this.subscriber.on('error', () => {
      // Reconnection is automatic; each new connection subscribes and loads the hash again.
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    local.onTransition((key, transition) => {
      if (!this.closed) void this.publish(healthEvent(this.replicaId, key, this.clock(), transition));
    });
    client.on('ready', this.onClientReady);
  }

  /**
   * Connects the subscriber, subscribes and loads the transitions in force. Never rejects: when Redis
   * cannot be reached the replica runs on its own state, and the first (re)connection catches up.
   */
  start(): Promise<void> {
    this.starting ??= (async () => {
      try {
        await this.subscriber.connect();
      } catch {
        this.stats.loadFailures++;
      }
      // Every later connection (ioredis reconnects by itself) subscribes and loads again.
      this.subscriber.on('ready', () => void this.resync());
      if (this.subscriber.status === 'ready') await this.resync();
    })();
    return this.starting;
  }

  /** Stops sharing (the local tracker keeps working) and closes the subscriber connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.onTransition(undefined);
    this.client.off('ready', this.onClientReady);
    this.pending.clear();
    await closeRedis(this.subscriber);
  }

  get(key: string): DeploymentHealth {
    return this.local.get(key);
  }

  tryAcquire(key: string): boolean {
    return this.local.tryAcquire(key);
  }

  isAvailable(key: string): boolean {
    return this.local.isAvailable(key);
  }

  started(key: string): void {
    this.local.started(key);
  }

  ended(key: string, outcome: AttemptOutcome): void {
    this.local.ended(key, outcome);
  }

  observeHeaders(key: string, headers: Readonly<Record<string, string | string[] | undefined>>): void {
    this.local.observeHeaders(key, headers);
  }

  entries(): Array<[string, DeploymentHealth]> {
    return this.local.entries();
  }

  /** Subscribes (idempotent), loads the hash, then sends what failed to go out before. */
  private async resync(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.subscriber.status === 'ready') await this.subscriber.subscribe(this.channel);
      const stored = await this.client.hgetall(this.stateKey);
      for (const value of Object.values(stored)) {
        const event = parseHealthEvent(value);
        if (event !== undefined && event.r !== this.replicaId) this.apply(event);
      }
      this.stats.loads++;
    } catch {
      this.stats.loadFailures++;
      return;
    }
    await this.flushPending();
  }

  /** Sends again what failed to go out (taken off the list first: two reconnections do not send it twice). */
  private async flushPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const now = this.clock();
    const retry: HealthEvent[] = [];
    for (const event of this.pending.values()) if (event.t === 'closed' || event.until > now) retry.push(event);
    this.pending.clear();
    await Promise.all(retry.map((event) => this.publish(event)));
  }

  private async publish(event: HealthEvent): Promise<void> {
    const field = fieldOf(event);
    const message = JSON.stringify(event);
    const del = event.t === 'closed';
    const until = del ? 0 : event.until;
    const ttlMs = del ? 0 : Math.max(1, Math.ceil(until - this.clock() + HASH_SLACK_MS));
    try {
      await this.scripts.swyHealthPublish(this.stateKey, field, del ? 'del' : 'set', String(until), String(event.at), String(ttlMs), this.channel, message);
      this.stats.published++;
      const waiting = this.pending.get(field);
      if (waiting !== undefined && waiting.at <= event.at) this.pending.delete(field);
    } catch {
      this.stats.publishFailures++;
      if (this.closed) return;
      const waiting = this.pending.get(field);
      if (waiting === undefined || waiting.at <= event.at) this.pending.set(field, event);
    }
  }

  private receive(message: string): void {
    this.stats.received++;
    const event = parseHealthEvent(message);
    if (event === undefined) {
      this.stats.malformed++;
      return;
    }
    if (event.r === this.replicaId) return;
    this.apply(event);
  }

  private apply(event: HealthEvent): void {
    if (this.accept !== undefined && !this.accept(event.d)) return;
    if (this.local.applyRemote(event.d, eventTransition(event))) this.stats.applied++;
  }
}
