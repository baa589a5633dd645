import { credentialSecrets, type ProviderCredentials } from '../providers/credentials.js';
import { registerCallSecret } from '../spec/redact-secrets.js';
import { hashKey, type Caller, type KeyRing } from './api-keys.js';
import type { CredentialVault } from './credential-vault.js';
import type { TenancyBus, TenancyEvent } from './limits-types.js';
import type { TenancyStore, VirtualKey } from './tenancy-types.js';
import type { TenantContext } from './tenant-context.js';

export interface AuthenticatorOptions {
  /** How long a verified key is trusted without asking the store again (revocation normally arrives by the bus at once). */
  positiveTtlMs?: number;
  /** How long an unknown key is remembered as unknown (so a flood of bad keys does not reach the database). */
  negativeTtlMs?: number;
  /** Most keys cached (positive and negative together); the oldest are dropped first. */
  maxEntries?: number;
  clock?: () => number;
}

interface CacheEntry {
  caller: Caller | undefined;
  /** Epoch ms until which this entry may be used. */
  freshUntil: number;
}

/**
 * Verifies presented keys. Configured keys and the master key are in the KeyRing (a map of digests);
 * admin and team keys are looked up in the store by SHA-256 digest, then cached by digest (never by
 * plaintext) with their team, policy and decrypted credentials. A hit is synchronous (one hash and
 * one map lookup). Revocations and team changes arrive through the TenancyBus and drop the cached
 * entries at once on every replica; the TTL bounds staleness should a message be lost.
 */
export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<Caller | undefined>>();
  private readonly positiveTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(
    private readonly keyRing: KeyRing,
    private readonly store: TenancyStore,
    private readonly vault: CredentialVault,
    bus: TenancyBus | undefined,
    options: AuthenticatorOptions = {},
  ) {
    this.positiveTtlMs = options.positiveTtlMs ?? 30_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 50_000;
    this.clock = options.clock ?? Date.now;
    bus?.subscribe((event) => this.onEvent(event));
  }

  /** The caller for this key, or undefined when the key is unknown, revoked or expired. */
  verify(key: string): Caller | undefined | Promise<Caller | undefined> {
    const digest = hashKey(key);
    const ringCaller = this.keyRing.verifyDigest(digest);
    if (ringCaller) return ringCaller;
    const now = this.clock();
    const cached = this.cache.get(digest);
    if (cached && cached.freshUntil > now) return usable(cached.caller, now);
    return this.load(digest);
  }

  /** Drops every cached entry of this key (by digest) or team. */
  forgetKey(keyHash: string): void {
    this.cache.delete(keyHash);
  }

  forgetAll(): void {
    this.cache.clear();
  }

  forgetTeam(teamId: string): void {
    for (const [digest, entry] of this.cache) if (entry.caller?.teamId === teamId) this.cache.delete(digest);
  }

  get cachedEntries(): number {
    return this.cache.size;
  }

  private onEvent(event: TenancyEvent): void {
    if (event.type === 'key-revoked' || event.type === 'key-changed') this.forgetKey(event.keyHash);
    else if (event.type === 'team-changed') this.forgetTeam(event.teamId);
  }

  private load(digest: string): Promise<Caller | undefined> {
    const pending = this.loading.get(digest);
    if (pending) return pending;
    const promise = (async () => {
      try {
        const key = await this.store.findKeyByHash(digest);
        const caller = key && !key.revokedAt ? await this.callerFor(key) : undefined;
        this.remember(digest, caller);
        return usable(caller, this.clock());
      } finally {
        this.loading.delete(digest);
      }
    })();
    this.loading.set(digest, promise);
    return promise;
  }

  private async callerFor(key: VirtualKey): Promise<Caller | undefined> {
    if (key.role === 'admin') return { keyName: key.name, role: 'admin', keyId: key.id };
    if (!key.teamId) return undefined;
    const team = await this.store.getTeam(key.teamId);
    if (!team) return undefined;
    const credentials = new Map<string, ProviderCredentials>();
    if (team.credentialProviders.length > 0) {
      const sealed = await this.store.getTeamCredentials(team.id);
      for (const [provider, value] of Object.entries(sealed)) {
        const opened = this.vault.open(team.id, provider, value);
        if (!opened) continue;
        for (const secret of credentialSecrets(opened)) registerCallSecret(secret);
        credentials.set(provider, opened);
      }
    }
    const tenant: TenantContext = {
      team,
      key,
      credentials,
      expiresAtMs: key.expiresAt ? Date.parse(key.expiresAt) : Number.POSITIVE_INFINITY,
    };
    return { keyName: key.name, role: 'user', teamId: team.id, keyId: key.id, tenant };
  }

  private remember(digest: string, caller: Caller | undefined): void {
    if (this.cache.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.maxEntries / 10);
      for (const oldest of this.cache.keys()) {
        this.cache.delete(oldest);
        if (--drop === 0) break;
      }
    }
    this.cache.delete(digest);
    this.cache.set(digest, { caller, freshUntil: this.clock() + (caller ? this.positiveTtlMs : this.negativeTtlMs) });
  }
}

/** An expired key is refused even while cached. */
function usable(caller: Caller | undefined, now: number): Caller | undefined {
  if (!caller) return undefined;
  const tenant = caller.tenant;
  if (tenant && tenant.expiresAtMs <= now) return undefined;
  return caller;
}
