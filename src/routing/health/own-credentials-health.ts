import type { AttemptOutcome, DeploymentHealth, HealthTracker } from './health-tracker.js';

/**
 * The health view of a request made with a team's own provider credentials (bring-your-own-key). A
 * rejected key (401/403), an exhausted quota or a rate limit (429) on those credentials says nothing
 * about the deployment every other team shares, so such failures are recorded as neutral (in-flight
 * released, no breaker count, no cooldown), and the team's quota headers are not read as the
 * deployment's headroom. Everything else (5xx, timeouts, latency) is the provider's and counts.
 */
export class OwnCredentialsHealth implements HealthTracker {
  constructor(
    private readonly inner: HealthTracker,
    /** Providers the request calls with its own credentials. */
    private readonly ownProviders: ReadonlySet<string>,
  ) {}

  get(key: string): DeploymentHealth {
    return this.inner.get(key);
  }

  tryAcquire(key: string): boolean {
    return this.inner.tryAcquire(key);
  }

  isAvailable(key: string): boolean {
    return this.inner.isAvailable(key);
  }

  started(key: string): void {
    this.inner.started(key);
  }

  ended(key: string, outcome: AttemptOutcome): void {
    const kind = outcome.error?.kind;
    const credentialFailure = kind === 'authentication' || kind === 'permission' || kind === 'rate_limit' || kind === 'quota_exceeded';
    if (!outcome.ok && credentialFailure && this.ownProviders.has(providerOf(key))) {
      // A failure without an error is neutral to the tracker: in-flight is released, nothing else counts.
      this.inner.ended(key, { ok: false });
      return;
    }
    this.inner.ended(key, outcome);
  }

  observeHeaders(key: string, headers: Readonly<Record<string, string | string[] | undefined>>): void {
    if (this.ownProviders.has(providerOf(key))) return;
    this.inner.observeHeaders(key, headers);
  }

  entries(): Array<[string, DeploymentHealth]> {
    return this.inner.entries();
  }
}

function providerOf(deploymentKey: string): string {
  const slash = deploymentKey.indexOf('/');
  return slash < 0 ? deploymentKey : deploymentKey.slice(0, slash);
}

