import { providerSecrets } from '../config/config-secrets.js';
import type { ProviderConfig } from '../config/schema.js';
import { credentialSecrets } from '../providers/credentials.js';
import { MIN_REGISTERED_SECRET_LENGTH, REDACTED } from '../spec/redact-secrets.js';
import type { TenantContext } from '../tenancy/tenant-context.js';

/**
 * Keeps an upstream from handing a client the credentials the gateway sent it, in a *successful*
 * answer: a proxy or a debugging server that echoes request headers into the completion text or into
 * `x-request-id`, a model asked to repeat what it was sent. (Error answers are scrubbed by
 * redactSecrets.) An upstream only knows what it was sent, so each answer is checked for the secrets of
 * its own call — the provider's configured credentials, or the team's own for that provider — raw and
 * JSON-escaped, in every header value the gateway forwards and in every byte written to the client
 * (the whole body, or each stream event), and each occurrence becomes `[redacted]`.
 *
 * Cost: one native `indexOf` per secret form over each body or event (a provider has one or two), so
 * the hot path pays well under a microsecond. A secret an upstream splits across two stream events, or
 * encodes otherwise, is not recognised: the guard stops echoes, not an upstream set on exfiltration.
 */
export class EchoGuard {
  private readonly needles: Buffer[];

  constructor(private readonly forms: readonly string[]) {
    this.needles = forms.map((form) => Buffer.from(form, 'utf8'));
  }

  /** A guard for these secrets (their raw and JSON-escaped forms), or undefined when none is long enough to match safely. */
  static of(secrets: Iterable<string>): EchoGuard | undefined {
    const forms = new Set<string>();
    for (const raw of secrets) {
      const secret = raw.trim();
      if (secret.length < MIN_REGISTERED_SECRET_LENGTH) continue;
      forms.add(secret);
      const escaped = JSON.stringify(secret).slice(1, -1);
      forms.add(escaped);
      forms.add(escaped.replaceAll('/', '\\/'));
    }
    return forms.size === 0 ? undefined : new EchoGuard([...forms].sort((a, b) => b.length - a.length));
  }

  /** The text with every secret form replaced (the same string when none occurs). */
  text(value: string): string {
    let out = value;
    for (const form of this.forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  }

  /** The bytes with every secret form replaced (the same object when none occurs, the common case). */
  bytes<T extends string | Uint8Array>(chunk: T): T {
    if (typeof chunk === 'string') return this.text(chunk) as T;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let out: Buffer | undefined;
    for (const needle of this.needles) {
      const from = out ?? bytes;
      let at = from.indexOf(needle);
      if (at < 0) continue;
      const pieces: Buffer[] = [];
      let start = 0;
      while (at >= 0) {
        pieces.push(from.subarray(start, at), REDACTED_BYTES);
        start = at + needle.length;
        at = from.indexOf(needle, start);
      }
      pieces.push(from.subarray(start));
      out = Buffer.concat(pieces);
    }
    return (out ?? chunk) as T;
  }
}

const REDACTED_BYTES = Buffer.from(REDACTED, 'utf8');

/** The guard of each provider's configured credentials, and of each team's own credentials per provider (cached per tenant context). */
export class EchoGuards {
  private readonly configured = new Map<string, EchoGuard | undefined>();
  private readonly owned = new WeakMap<TenantContext, Map<string, EchoGuard | undefined>>();

  constructor(private readonly providers: Readonly<Record<string, ProviderConfig>>) {
    for (const [name, config] of Object.entries(providers)) this.configured.set(name, EchoGuard.of(providerSecrets(config)));
  }

  /** The guard for a call to `provider` by `tenant` (its own credentials for that provider when it has some). */
  for(provider: string, tenant: TenantContext | undefined): EchoGuard | undefined {
    const own = tenant?.credentials.get(provider);
    if (!tenant || !own) return this.configured.get(provider);
    let byProvider = this.owned.get(tenant);
    if (!byProvider) this.owned.set(tenant, (byProvider = new Map()));
    if (!byProvider.has(provider)) {
      const config = this.providers[provider];
      byProvider.set(provider, EchoGuard.of([...credentialSecrets(own), ...(config ? providerSecrets(config) : [])]));
    }
    return byProvider.get(provider);
  }
}
