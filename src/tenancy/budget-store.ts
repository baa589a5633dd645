/**
 * Budget counters with reservations. Money is integer nano-dollars. A scope (`budget:team:<id>:month:2026-12`)
 * holds `spent` (settled cost this period) and `reserved` (sum of live reservations). `reserve` checks
 * `spent + reserved + amount ≤ limit` in every scope and reserves in all of them or in none; `settle`
 * frees the reservation and adds the actual cost; a reservation not settled within its ttl (its replica
 * died) expires and its amount is freed by the next operation on the scope.
 *
 * Seeding: a scope's counter starts from `scope.seed()` (the ledger's spend this period). A scope is
 * seeded once; afterwards only reservations and settlements move it. `settle` on a scope that is not
 * seeded (its counter expired or Redis lost it) adds nothing: the ledger holds that spend and the next
 * seed reads it.
 *
 * `InMemoryBudgetStore` (one process): a Map of scopes (spent, reserved, a min-heap of its reservations'
 * expiries) and one Map of live reservations (id → amount, expiry, the scopes counting it); expired
 * reservations are popped from a scope's heap before every operation on it. Answers
 * synchronously once every scope involved is seeded; the first use of a scope awaits its seed (one
 * `seed()` call however many requests wait). Scopes are dropped 2 days after their period ends.
 *
 * `RedisBudgetStore` (a fleet). Keys per scope, under the client's prefix:
 *   `<scope.key>`      hash: `spent`, `reserved` (integer strings), `r:<reservationId>` → amount
 *   `<scope.key>:exp`  sorted set: reservationId scored by its expiry (epoch ms)
 * Both expire 2 days after the period ends (`total`: no expiry; an empty sorted set disappears by itself).
 * Three Lua scripts (EVALSHA, EVAL on NOSCRIPT), each run atomically by Redis:
 *   reserve(id, amount, now, expiresAt; per scope: limit, counter ttl, seed or '')
 *     1. a scope without `spent` is seeded from the seed argument when one is given (HSET, PEXPIRE);
 *        if some scope has neither, returns {2, indexes} and writes nothing else;
 *     2. purges expired reservations of every scope (ZRANGEBYSCORE -inf now, at most 100 per call:
 *        HDEL r:<id>, HINCRBY reserved -amount, ZREM);
 *     3. checks every scope (a scope already holding r:<id> is skipped: a repeated reserve is a no-op);
 *        the first that does not fit → {0, index, spent, reserved}, nothing written;
 *     4. in every scope HSETNX r:<id> amount, HINCRBY reserved amount, ZADD expiresAt id → {1}.
 *   settle(id, actual, now): per scope purge, then if r:<id> is there HDEL + HINCRBY reserved −amount +
 *     ZREM; then HINCRBY spent actual if the scope is seeded. An expired reservation still adds its spend.
 *   snapshot(now, seed or '', ttl): seeds when given and needed (else {2}), purges, → {1, spent, reserved}.
 * Seeding across replicas: when reserve answers {2, …}, this replica calls `seed()` for those scopes
 * (one call per scope for all its requests sent before that call started) and runs reserve again with
 * the values; the
 * script sets a counter only if it still does not exist, so the first replica's value wins and every
 * other seed is discarded: a counter is set exactly once.
 * Amounts travel as integer strings and reach HINCRBY unchanged (64-bit in Redis); comparisons in Lua
 * use doubles, exact below 2^53 nano-dollars (about $9M per scope and period).
 * Round trips: one per reserve (two the first time a scope is used in its period, plus the seed's
 * database read), one per settle. Any Redis failure → `LimitsUnavailableError`.
 * `settle` is not idempotent (a second settle of one id adds its spend again); the connection never
 * replays a command (see storage/redis.ts), so only a caller retrying a failed settle could do that.
 * Redis must not evict these keys (`maxmemory-policy noeviction` or a volatile-* policy): an evicted
 * hash is re-seeded from the ledger, an evicted expiry set leaves its reservations counted for good.
 */
import type { Redis } from 'ioredis';
import { closeRedis, describeRedisFailure } from '../storage/redis.js';
import { LimitsUnavailableError, type BudgetScope, type BudgetStore, type MaybePromise, type ReserveDecision } from './limits-types.js';

/** How long a scope's counters outlive the end of their period. */
export const BUDGET_COUNTER_GRACE_MS = 2 * 86_400_000;
/** Expired reservations purged per scope and call (the rest on the next calls; until then they still count, which only refuses more). */
export const PURGE_BATCH = 100;

const OK: ReserveDecision = Object.freeze({ ok: true as const });

function checkAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer (nano-dollars), got ${value}`);
}

function seedFailed(scope: BudgetScope, error: unknown): LimitsUnavailableError {
  const reason = error instanceof Error ? error.message : String(error);
  return new LimitsUnavailableError(`budget unavailable: reading the spend of ${scope.key} failed: ${reason}`, { cause: error });
}

function checkSeed(scope: BudgetScope, seed: bigint): bigint {
  if (typeof seed !== 'bigint' || seed < 0n) throw seedFailed(scope, new RangeError(`seed must be a non-negative bigint, got ${String(seed)}`));
  return seed;
}

// ---------------------------------------------------------------------------------------------------
// In memory

interface Reservation {
  id: string;
  amount: number;
  expiresAtMs: number;
  /** Scopes still counting it: emptied by settle, or scope by scope as expiry is noticed in each. */
  holders: ScopeState[];
}

interface ScopeState {
  spent: number;
  reserved: number;
  periodEndMs: number;
  /** Reservations counted here. */
  live: number;
  /** Min-heap on expiresAtMs; entries no longer held here (settled) wait for their expiry or a rebuild. */
  heap: Reservation[];
}

function heapPush(heap: Reservation[], item: Reservation): void {
  let i = heap.length;
  heap.push(item);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent].expiresAtMs <= item.expiresAtMs) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = item;
}

function heapPop(heap: Reservation[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  let i = 0;
  const n = heap.length;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap[child + 1].expiresAtMs < heap[child].expiresAtMs) child++;
    if (heap[child].expiresAtMs >= last.expiresAtMs) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = last;
}

/** Stops counting `reservation` in `state`; true when no scope counts it any more. */
function release(reservation: Reservation, state: ScopeState): boolean {
  const holders = reservation.holders;
  const at = holders.indexOf(state);
  if (at >= 0) {
    holders[at] = holders[holders.length - 1];
    holders.pop();
    state.reserved -= reservation.amount;
    state.live--;
  }
  return holders.length === 0;
}

export class InMemoryBudgetStore implements BudgetStore {
  private readonly scopes = new Map<string, ScopeState>();
  /** Live reservations by id (one map for all scopes: one insert and one delete per request). */
  private readonly reservations = new Map<string, Reservation>();
  private readonly seeding = new Map<string, Promise<void>>();
  private nextSweepMs = Number.NEGATIVE_INFINITY;

  /** Scopes currently held (for tests and metrics). */
  get size(): number {
    return this.scopes.size;
  }

  reserve(reservationId: string, scopes: readonly BudgetScope[], amountNanos: number, ttlMs: number, nowMs: number): MaybePromise<ReserveDecision> {
    checkAmount(amountNanos, 'reservation amount');
    if (nowMs >= this.nextSweepMs) this.sweep(nowMs);
    const pending = this.ensureSeeded(scopes);
    if (pending !== undefined) return pending.then(() => this.reserve(reservationId, scopes, amountNanos, ttlMs, nowMs));
    const existing = this.reservations.get(reservationId);
    if (existing !== undefined) {
      if (existing.expiresAtMs > nowMs) return OK; // a repeated reserve
      this.reservations.delete(reservationId);
      for (const state of existing.holders.slice()) release(existing, state);
    }
    const n = scopes.length;
    const holders: ScopeState[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const scope = scopes[i];
      const state = this.scopes.get(scope.key)!;
      this.purgeExpired(state, nowMs);
      if (state.spent + state.reserved + amountNanos > scope.limitNanos) {
        return { ok: false, key: scope.key, limitNanos: scope.limitNanos, spentNanos: state.spent, reservedNanos: state.reserved };
      }
      holders[i] = state;
    }
    const reservation: Reservation = { id: reservationId, amount: amountNanos, expiresAtMs: nowMs + ttlMs, holders };
    for (let i = 0; i < n; i++) {
      const state = holders[i];
      heapPush(state.heap, reservation);
      state.reserved += amountNanos;
      state.live++;
    }
    this.reservations.set(reservationId, reservation);
    return OK;
  }

  settle(reservationId: string, scopes: readonly BudgetScope[], actualNanos: number, nowMs: number): void {
    checkAmount(actualNanos, 'settled amount');
    const reservation = this.reservations.get(reservationId);
    if (reservation !== undefined) {
      this.reservations.delete(reservationId);
      const holders = reservation.holders;
      for (let i = 0; i < holders.length; i++) {
        holders[i].reserved -= reservation.amount;
        holders[i].live--;
      }
      holders.length = 0;
    }
    for (let i = 0; i < scopes.length; i++) {
      const state = this.scopes.get(scopes[i].key);
      if (state === undefined) continue; // not seeded: the ledger holds this spend
      this.purgeExpired(state, nowMs);
      state.spent += actualNanos;
    }
  }

  snapshot(scope: BudgetScope, nowMs: number): MaybePromise<{ spentNanos: number; reservedNanos: number }> {
    const pending = this.ensureSeeded([scope]);
    if (pending !== undefined) return pending.then(() => this.snapshot(scope, nowMs));
    const state = this.scopes.get(scope.key)!;
    this.purgeExpired(state, nowMs);
    return { spentNanos: state.spent, reservedNanos: state.reserved };
  }

  async close(): Promise<void> {
    this.scopes.clear();
    this.reservations.clear();
  }

  /** Frees this scope's share of every expired reservation. */
  private purgeExpired(state: ScopeState, nowMs: number): void {
    const heap = state.heap;
    while (heap.length > 0 && heap[0].expiresAtMs <= nowMs) {
      const top = heap[0];
      heapPop(heap);
      if (release(top, state) && this.reservations.get(top.id) === top) this.reservations.delete(top.id);
    }
    // Settled entries wait in the heap until their expiry; rebuild when they dominate.
    if (heap.length > 64 && heap.length > 2 * state.live) {
      const held = heap.filter((reservation) => reservation.holders.includes(state));
      heap.length = 0;
      for (const reservation of held) heapPush(heap, reservation);
    }
  }

  /** undefined when every scope is held; else a promise that settles when the missing ones are seeded. */
  private ensureSeeded(scopes: readonly BudgetScope[]): Promise<unknown> | undefined {
    let waits: Promise<void>[] | undefined;
    for (let i = 0; i < scopes.length; i++) {
      const scope = scopes[i];
      if (this.scopes.has(scope.key)) continue;
      let seeding = this.seeding.get(scope.key);
      if (seeding === undefined) {
        seeding = this.seed(scope);
        this.seeding.set(scope.key, seeding);
      }
      (waits ??= []).push(seeding);
    }
    if (waits === undefined) return undefined;
    return waits.length === 1 ? waits[0] : Promise.all(waits);
  }

  private seed(scope: BudgetScope): Promise<void> {
    const pending: Promise<void> = Promise.resolve()
      .then(() => scope.seed())
      .then(
        (seed) => {
          const spent = checkSeed(scope, seed);
          if (!this.scopes.has(scope.key)) {
            this.scopes.set(scope.key, { spent: Number(spent), reserved: 0, periodEndMs: scope.periodEndMs, live: 0, heap: [] });
          }
        },
        (error: unknown) => {
          throw error instanceof LimitsUnavailableError ? error : seedFailed(scope, error);
        },
      )
      .finally(() => {
        if (this.seeding.get(scope.key) === pending) this.seeding.delete(scope.key);
      });
    return pending;
  }

  /** Drops scopes whose period ended more than the grace ago; at most once a minute of the callers' clock. */
  private sweep(nowMs: number): void {
    this.nextSweepMs = nowMs + 60_000;
    for (const [key, state] of this.scopes) if (state.periodEndMs + BUDGET_COUNTER_GRACE_MS < nowMs) this.scopes.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------------
// Redis

const PURGE_LUA = `
local function purge(h, z, now)
  local ids = redis.call('ZRANGEBYSCORE', z, '-inf', now, 'LIMIT', 0, ${PURGE_BATCH})
  if #ids == 0 then return end
  for _, rid in ipairs(ids) do
    local f = 'r:' .. rid
    local a = redis.call('HGET', h, f)
    if a then
      redis.call('HDEL', h, f)
      if a ~= '0' then redis.call('HINCRBY', h, 'reserved', '-' .. a) end
    end
  end
  redis.call('ZREM', z, unpack(ids))
end
`;

/*
 * KEYS: h_1, z_1, …, h_n, z_n (hash and expiry set per scope).
 * ARGV: id, amount, now, expiresAt, then per scope i (base = 4 + 3(i−1)): limit, counter ttl ms or
 * '-1', seed or ''. Returns {1} | {0, i, spent, reserved} | {2, i, …} (scopes needing a seed).
 */
const RESERVE_LUA = `${PURGE_LUA}
local id, amount, now, expiresAt = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local amountN = tonumber(amount)
local f = 'r:' .. id
local n = #KEYS / 2
local missing = {}
for i = 1, n do
  local h = KEYS[2 * i - 1]
  if redis.call('HEXISTS', h, 'spent') == 0 then
    local base = 4 + 3 * (i - 1)
    local seed = ARGV[base + 3]
    if seed == '' then
      missing[#missing + 1] = i
    else
      redis.call('HSET', h, 'spent', seed, 'reserved', '0')
      if ARGV[base + 2] ~= '-1' then redis.call('PEXPIRE', h, ARGV[base + 2]) end
    end
  end
end
if #missing > 0 then return {2, unpack(missing)} end
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  purge(h, z, now)
  if redis.call('HEXISTS', h, f) == 0 then
    local v = redis.call('HMGET', h, 'spent', 'reserved')
    local spent, reserved = v[1], v[2] or '0'
    if tonumber(spent) + tonumber(reserved) + amountN > tonumber(ARGV[4 + 3 * (i - 1) + 1]) then
      return {0, i, spent, reserved}
    end
  end
end
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  if redis.call('HSETNX', h, f, amount) == 1 then
    if amount ~= '0' then redis.call('HINCRBY', h, 'reserved', amount) end
    redis.call('ZADD', z, expiresAt, id)
    local ttl = ARGV[4 + 3 * (i - 1) + 2]
    if ttl ~= '-1' then redis.call('PEXPIRE', z, ttl) end
  end
end
return {1}
`;

/* KEYS: h_1, z_1, …; ARGV: id, actual, now. */
const SETTLE_LUA = `${PURGE_LUA}
local id, actual, now = ARGV[1], ARGV[2], ARGV[3]
local f = 'r:' .. id
for i = 1, #KEYS, 2 do
  local h, z = KEYS[i], KEYS[i + 1]
  purge(h, z, now)
  local a = redis.call('HGET', h, f)
  if a then
    redis.call('HDEL', h, f)
    if a ~= '0' then redis.call('HINCRBY', h, 'reserved', '-' .. a) end
    redis.call('ZREM', z, id)
  end
  if actual ~= '0' and redis.call('HEXISTS', h, 'spent') == 1 then
    redis.call('HINCRBY', h, 'spent', actual)
  end
end
return 1
`;

/* KEYS: h, z; ARGV: now, seed or '', counter ttl ms or '-1'. Returns {2} | {1, spent, reserved}. */
const SNAPSHOT_LUA = `${PURGE_LUA}
local h, z = KEYS[1], KEYS[2]
if redis.call('HEXISTS', h, 'spent') == 0 then
  if ARGV[2] == '' then return {2} end
  redis.call('HSET', h, 'spent', ARGV[2], 'reserved', '0')
  if ARGV[3] ~= '-1' then redis.call('PEXPIRE', h, ARGV[3]) end
end
purge(h, z, ARGV[1])
local v = redis.call('HMGET', h, 'spent', 'reserved')
return {1, v[1], v[2] or '0'}
`;

interface BudgetScripts {
  swyBudgetReserve(numKeys: number, ...args: string[]): Promise<(number | string)[]>;
  swyBudgetSettle(numKeys: number, ...args: string[]): Promise<number>;
  swyBudgetSnapshot(h: string, z: string, now: string, seed: string, ttl: string): Promise<(number | string)[]>;
}

function defineBudgetScripts(client: Redis): BudgetScripts {
  const scripted = client as unknown as Partial<BudgetScripts>;
  if (typeof scripted.swyBudgetReserve !== 'function') client.defineCommand('swyBudgetReserve', { lua: RESERVE_LUA });
  if (typeof scripted.swyBudgetSettle !== 'function') client.defineCommand('swyBudgetSettle', { lua: SETTLE_LUA });
  if (typeof scripted.swyBudgetSnapshot !== 'function') client.defineCommand('swyBudgetSnapshot', { lua: SNAPSHOT_LUA, numberOfKeys: 2 });
  return client as unknown as BudgetScripts;
}

function unavailable(what: string, error: unknown): LimitsUnavailableError {
  return new LimitsUnavailableError(`budget unavailable: Redis ${what} failed: ${describeRedisFailure(error)}`, { cause: error });
}

/** PEXPIRE argument for a scope's counters: until 2 days after the period ends, relative to the caller's clock. */
function counterTtl(scope: BudgetScope, nowMs: number): string {
  if (!Number.isFinite(scope.periodEndMs)) return '-1';
  return String(Math.max(1000, Math.ceil(scope.periodEndMs - nowMs + BUDGET_COUNTER_GRACE_MS)));
}

const EXPIRY_SUFFIX = ':exp';
/** Reserve attempts: the first, one after seeding, one spare if a counter vanished in between. */
const RESERVE_ATTEMPTS = 3;

export interface RedisBudgetStoreOptions {
  /** Quit the client on `close()` (default false: whoever connected it closes it). */
  ownsClient?: boolean;
}

export class RedisBudgetStore implements BudgetStore {
  private readonly scripts: BudgetScripts;
  /** The latest `seed()` per scope on this replica (see `seedOf`). */
  private readonly seeding = new Map<string, SeedEntry>();
  /** Orders calls and seeds on this replica. */
  private seq = 0;

  constructor(
    private readonly client: Redis,
    private readonly options: RedisBudgetStoreOptions = {},
  ) {
    this.scripts = defineBudgetScripts(client);
  }

  async reserve(reservationId: string, scopes: readonly BudgetScope[], amountNanos: number, ttlMs: number, nowMs: number): Promise<ReserveDecision> {
    checkAmount(amountNanos, 'reservation amount');
    const n = scopes.length;
    if (n === 0) return OK;
    for (let i = 0; i < n; i++) checkAmount(scopes[i].limitNanos, `limit of ${scopes[i].key}`);
    const args: string[] = new Array(2 * n + 4 + 3 * n);
    for (let i = 0; i < n; i++) {
      args[2 * i] = scopes[i].key;
      args[2 * i + 1] = scopes[i].key + EXPIRY_SUFFIX;
    }
    const a = 2 * n;
    args[a] = reservationId;
    args[a + 1] = String(amountNanos);
    args[a + 2] = String(nowMs);
    args[a + 3] = String(nowMs + ttlMs);
    for (let i = 0; i < n; i++) {
      const base = a + 4 + 3 * i;
      args[base] = String(scopes[i].limitNanos);
      args[base + 1] = counterTtl(scopes[i], nowMs);
      args[base + 2] = '';
    }
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      const sentSeq = ++this.seq;
      let reply: (number | string)[];
      try {
        reply = await this.scripts.swyBudgetReserve(2 * n, ...args);
      } catch (error) {
        throw unavailable('reserve', error);
      }
      const status = Number(reply[0]);
      if (status === 1) return OK;
      if (status === 0) {
        const scope = scopes[Number(reply[1]) - 1];
        return { ok: false, key: scope.key, limitNanos: scope.limitNanos, spentNanos: Number(reply[2]), reservedNanos: Number(reply[3]) };
      }
      // 2: these scopes have no counter yet.
      const missing = reply.slice(1).map((index) => Number(index) - 1);
      const seeds = await Promise.all(missing.map((i) => this.seedOf(scopes[i], sentSeq)));
      for (let j = 0; j < missing.length; j++) args[a + 4 + 3 * missing[j] + 2] = seeds[j];
    }
    throw new LimitsUnavailableError(`budget unavailable: the counters of ${scopes.map((s) => s.key).join(', ')} vanished while being seeded`);
  }

  async settle(reservationId: string, scopes: readonly BudgetScope[], actualNanos: number, nowMs: number): Promise<void> {
    checkAmount(actualNanos, 'settled amount');
    const n = scopes.length;
    if (n === 0) return;
    const args: string[] = new Array(2 * n + 3);
    for (let i = 0; i < n; i++) {
      args[2 * i] = scopes[i].key;
      args[2 * i + 1] = scopes[i].key + EXPIRY_SUFFIX;
    }
    args[2 * n] = reservationId;
    args[2 * n + 1] = String(actualNanos);
    args[2 * n + 2] = String(nowMs);
    try {
      await this.scripts.swyBudgetSettle(2 * n, ...args);
    } catch (error) {
      throw unavailable('settle', error);
    }
  }

  async snapshot(scope: BudgetScope, nowMs: number): Promise<{ spentNanos: number; reservedNanos: number }> {
    let seed = '';
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      const sentSeq = ++this.seq;
      let reply: (number | string)[];
      try {
        reply = await this.scripts.swyBudgetSnapshot(scope.key, scope.key + EXPIRY_SUFFIX, String(nowMs), seed, counterTtl(scope, nowMs));
      } catch (error) {
        throw unavailable('snapshot', error);
      }
      if (Number(reply[0]) === 1) return { spentNanos: Number(reply[1]), reservedNanos: Number(reply[2]) };
      seed = await this.seedOf(scope, sentSeq);
    }
    throw new LimitsUnavailableError(`budget unavailable: the counter of ${scope.key} vanished while being seeded`);
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await closeRedis(this.client);
  }

  /**
   * The seed of a scope for a call that found it missing. Calls sent before a seed of this replica
   * started reuse it (their "missing" may predate the counter it set, and the value is as fresh as one
   * they would read now); calls sent after it read the ledger again (the counter vanished since).
   */
  private seedOf(scope: BudgetScope, sentSeq: number): Promise<string> {
    const known = this.seeding.get(scope.key);
    if (known !== undefined && known.startedSeq >= sentSeq) return known.value;
    if (this.seeding.size >= SEED_MEMORY) this.forgetOldSeeds();
    const entry: SeedEntry = {
      startedSeq: ++this.seq,
      startedAtMs: performance.now(),
      value: Promise.resolve()
        .then(() => scope.seed())
        .then(
          (seed) => checkSeed(scope, seed).toString(),
          (error: unknown) => {
            throw error instanceof LimitsUnavailableError ? error : seedFailed(scope, error);
          },
        ),
    };
    entry.value.catch(() => {
      if (this.seeding.get(scope.key) === entry) this.seeding.delete(scope.key);
    });
    this.seeding.set(scope.key, entry);
    return entry.value;
  }

  private forgetOldSeeds(): void {
    const before = performance.now() - 60_000; // far longer than any call may take (commandTimeout)
    for (const [key, entry] of this.seeding) if (entry.startedAtMs < before) this.seeding.delete(key);
  }
}

interface SeedEntry {
  /** `seq` when the seed started: calls sent before it may reuse it. */
  startedSeq: number;
  startedAtMs: number;
  value: Promise<string>;
}

/** Seeds remembered per replica before old ones are forgotten. */
const SEED_MEMORY = 1024;
