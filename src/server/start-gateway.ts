import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { UsageLedger } from '../metering/usage-ledger.js';
import { createProviders } from '../providers/registry.js';
import type { ProviderAdapter } from '../providers/provider.js';
import { UpstreamPool } from '../providers/shared/upstream-http.js';
import { openStore, type Store } from '../storage/database.js';
import { databaseUrlPassword } from '../storage/database-url.js';
import { setupKeyRing } from '../tenancy/api-keys.js';
import { buildApp } from './app.js';
import { startTenancy, type TenancyRuntime } from '../tenancy/tenancy-runtime.js';
import { gatewayLearnedRouter } from '../routing/learned/gateway-router.js';
import { FeedbackEstimator } from '../routing/learned/feedback.js';
import { InMemoryAffinityStore, type AffinityStore } from '../routing/learned/cache-affinity.js';
import { RedisAffinityStore } from '../routing/learned/shared-affinity-store.js';
import type { BudgetAlert } from '../tenancy/admission.js';
import { RequestMeter } from './request-meter.js';
import { registerConfigSecrets } from '../config/config-secrets.js';
import { registerSecret } from '../spec/redact-secrets.js';
import { Lifecycle } from './lifecycle.js';
import { InMemoryHealthTracker } from '../routing/health/in-memory-health-tracker.js';
import { SharedHealthTracker } from '../routing/health/shared-health-tracker.js';
import type { HealthTracker } from '../routing/health/health-tracker.js';
import { RetryBudget } from '../routing/health/retry-budget.js';
import { deploymentKey } from '../routing/deployment.js';

export interface StartOptions {
  config: ResolvedConfig;
  /** Runs on SQLite at this path whatever the configuration says (tests pass ':memory:'), unless databaseUrl is given too. */
  sqlitePath?: string;
  /** Overrides config.storage.databaseUrl (PostgreSQL). */
  databaseUrl?: string;
  host?: string;
  port?: number;
  logger?: boolean;
  /** Extra or replacement providers (tests inject instrumented adapters). */
  providers?: ReadonlyMap<string, ProviderAdapter>;
  /** Overrides config.limits.redisUrl (counters shared by a fleet); `null` forces in-process counters. */
  redisUrl?: string | null;
  /** Key prefix in Redis (default `swy:`, or $SWITCHYARD_REDIS_PREFIX): replicas of one fleet share it. */
  redisPrefix?: string;
  /** How long a read of the fleet's shared prompt-cache affinity map may take before this replica's own map answers (default 50 ms). */
  affinityReadTimeoutMs?: number;
  /** ms clock for health and the retry budget (tests inject one to move time without sleeping). */
  clock?: () => number;
}

export interface RunningGateway {
  app: FastifyInstance;
  url: string;
  store: Store;
  ledger: UsageLedger;
  /** Teams, keys, limits and budgets as this gateway runs them. */
  tenancy: TenancyRuntime;
  /** Per-deployment health (breakers, cooldowns, latency), as the router sees it. */
  health: HealthTracker;
  /** Which deployment holds each conversation's prompt cache (a RedisAffinityStore in a fleet). */
  affinity: AffinityStore;
  /** Set on the first start when no key was configured anywhere: shown once, only its hash is stored. */
  generatedMasterKey?: string;
  /**
   * Stops accepting requests (new ones get a 503 in their dialect), lets in-flight ones finish for up to
   * `server.drainTimeoutMs`, then ends the rest with the dialect's error event (metered), flushes the
   * ledger and closes the store.
   */
  close(): Promise<void>;
}

export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  const { config } = options;
  // Every credential the gateway holds is scrubbed from anything that leaves it (errors, logs).
  registerConfigSecrets(config);
  const databaseUrl = options.databaseUrl ?? (options.sqlitePath === undefined ? config.storage.databaseUrl : undefined);
  if (databaseUrl) registerSecret(databaseUrlPassword(databaseUrl));
  // Migrates on open; an unreachable database throws StoreOpenError (one line, password redacted).
  const store = await openStore({ databaseUrl, sqlitePath: options.sqlitePath ?? config.storage.sqlitePath });
  const { keyRing, generatedMasterKey } = await setupKeyRing(config, store);
  if (generatedMasterKey) registerSecret(generatedMasterKey);
  const redisUrl = options.redisUrl === null ? undefined : (options.redisUrl ?? config.limits.redisUrl);
  if (redisUrl) registerSecret(redisPassword(redisUrl));
  const redisPrefix = options.redisPrefix ?? process.env.SWITCHYARD_REDIS_PREFIX;
  let tenancy: TenancyRuntime;
  let budgetAlert: (alert: BudgetAlert) => void = () => undefined;
  try {
    tenancy = await startTenancy({ config, store, keyRing, ...(redisUrl ? { redisUrl } : {}), ...(redisPrefix ? { redisPrefix } : {}), onBudgetAlert: (alert) => budgetAlert(alert) });
  } catch (error) {
    await store.close();
    throw error;
  }
  const ledger = new UsageLedger(store);
  const meter = new RequestMeter(ledger);
  const metrics = new GatewayMetrics();
  budgetAlert = (alert) => {
    metrics.budgetAlert(alert.scope);
    // One structured line on stderr per crossed threshold (per budget period and replica).
    process.stderr.write(
      `${JSON.stringify({ level: 'warn', msg: 'budget alert', scope: alert.scope, id: alert.id, name: alert.name, period: alert.period, limit_usd: alert.limitNanos / 1e9, spent_usd: alert.spentNanos / 1e9, alert_at: alert.alertAt })}\n`,
    );
  };
  meter.observe(metrics.observer);
  // This gateway's own upstream connections: closed with it, never shared with another gateway.
  const pool = new UpstreamPool();
  const providers = options.providers ?? createProviders(config, { pool });
  const clock = options.clock ?? Date.now;
  const deploymentKeys = config.models.map(deploymentKey);
  const localHealth = new InMemoryHealthTracker(config.routing.breaker, clock);
  // In a fleet, breaker openings/closes and cooldowns are shared through Redis; measurements stay local.
  const known = new Set(deploymentKeys);
  const shared = tenancy.redis ? new SharedHealthTracker(localHealth, tenancy.redis, { clock, accept: (key) => known.has(key) }) : undefined;
  await shared?.start(); // never throws: without Redis the replica runs on its own state until it reconnects
  const health: HealthTracker = shared ?? localHealth;
  // The learned router (committed weights, decoded once) and the teams' feedback corrections.
  const learned = gatewayLearnedRouter();
  const feedback = new FeedbackEstimator(store.db);
  // Prompt-cache affinity: in a fleet, shared through Redis (this replica's map as fallback) so a moved conversation keeps its cache.
  const affinity: AffinityStore = tenancy.redis ? new RedisAffinityStore(tenancy.redis, { accept: (key) => known.has(key), ...(options.affinityReadTimeoutMs !== undefined ? { readTimeoutMs: options.affinityReadTimeoutMs } : {}) }) : new InMemoryAffinityStore();
  if (affinity instanceof RedisAffinityStore) metrics.attachAffinity(() => affinity.stats);
  const retryBudget = new RetryBudget(config.routing.retryBudget, clock);
  metrics.attachHealth(health, () => deploymentKeys);
  const lifecycle = new Lifecycle();
  let ready = false;
  const app = buildApp({
    config,
    providers,
    keyRing,
    meter,
    health,
    retryBudget,
    metrics,
    lifecycle,
    clock,
    logger: options.logger,
    isReady: () => ready,
    authenticator: tenancy.authenticator,
    admission: tenancy.admission,
    learned,
    feedback,
    affinity,
    tenancy: {
      config,
      store: tenancy.store,
      vault: tenancy.vault,
      bus: tenancy.bus,
      admission: tenancy.admission,
      requestLog: tenancy.requestLog,
      receipts: async ({ from, to }) => {
        await ledger.flush();
        let query = store.db.selectFrom('usage_ledger').select(['request_id', 'created_at', 'route', 'provider', 'receipt', 'policy_hash']).where('receipt', 'is not', null);
        if (from) query = query.where('created_at', '>=', from);
        if (to) query = query.where('created_at', '<', to);
        return query.orderBy('created_at').execute();
      },
    },
  });
  let address: string;
  await feedback.start();
  try {
    address = await app.listen({ host: options.host ?? config.server.host, port: options.port ?? config.server.port });
  } catch (error) {
    // The port is taken (or similar): release what was opened, so the process can exit cleanly.
    await Promise.allSettled([app.close(), ...[...providers.values()].map((p) => p.close?.())]);
    await Promise.allSettled([ledger.close(), shared?.close()]);
    await Promise.allSettled([tenancy.close()]);
    await Promise.allSettled([store.close(), pool.close()]);
    throw error;
  }
  ready = true;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: address,
    store,
    ledger,
    tenancy,
    health,
    affinity,
    generatedMasterKey,
    close() {
      closing ??= (async () => {
        ready = false;
        lifecycle.draining = true;
        const closed = app.close();
        // app.close() closes only the keep-alive connections idle at that moment: one busy then stays open
        // after its response and would hold close() until the deadline. Close each as soon as it goes idle.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
        sweep.unref();
        const stopSweep = () => clearInterval(sweep);
        closed.then(stopSweep, stopSweep);
        // The drain deadline: open requests are ended (streams get the dialect's error event and are
        // metered), then any socket still open is closed so the ledger can flush before a SIGKILL.
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, config.server.drainTimeoutMs);
          timer.unref();
        });
        const drained = await Promise.race([closed.then(() => true), deadline.then(() => false)]);
        clearTimeout(timer);
        if (!drained) {
          lifecycle.cancelAll();
          const grace = setTimeout(() => app.server.closeAllConnections(), 1_000);
          grace.unref();
          await closed;
          clearTimeout(grace);
        }
        await Promise.all([...providers.values()].map((p) => p.close?.()));
        await ledger.close();
        await shared?.close();
        feedback.close();
        await tenancy.close();
        await store.close();
        await pool.close();
      })();
      return closing;
    },
  };
}

/** The password of a redis:// URL, registered with the redactor. */
function redisPassword(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.password ? decodeURIComponent(parsed.password) : undefined;
  } catch {
    return undefined;
  }
}
