import type { ProviderCredentials } from '../providers/credentials.js';
import type { Team, VirtualKey } from './tenancy-types.js';

/** A verified team key with everything admission and routing need, loaded once and cached per key. */
export interface TenantContext {
  readonly team: Team;
  readonly key: VirtualKey;
  /** The team's own provider credentials (bring-your-own-key), by provider name, decrypted. */
  readonly credentials: ReadonlyMap<string, ProviderCredentials>;
  /** Epoch ms after which the key is refused (Infinity when it never expires). */
  readonly expiresAtMs: number;
}
