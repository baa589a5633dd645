import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { UsageLedger } from '../metering/usage-ledger.js';
import { createProviders } from '../providers/registry.js';
import type { ProviderAdapter } from '../providers/provider.js';
import { closeUpstreamAgents } from '../providers/shared/upstream-http.js';
import { openSqliteStore, type Store } from '../storage/database.js';
import { setupKeyRing } from '../tenancy/api-keys.js';
import { buildApp } from './app.js';
import { RequestMeter } from './request-meter.js';

export interface StartOptions {
  config: ResolvedConfig;
  /** Overrides config.storage.sqlitePath (tests pass ':memory:'). */
  sqlitePath?: string;
  host?: string;
  port?: number;
  logger?: boolean;
  /** Extra or replacement providers (tests inject instrumented adapters). */
  providers?: ReadonlyMap<string, ProviderAdapter>;
}

export interface RunningGateway {
  app: FastifyInstance;
  url: string;
  store: Store;
  ledger: UsageLedger;
  /** Set on the first start when no key was configured anywhere: shown once, only its hash is stored. */
  generatedMasterKey?: string;
  /** Stops accepting requests, lets in-flight ones finish, flushes the ledger and closes the store. */
  close(): Promise<void>;
}

export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  const { config } = options;
  const store = await openSqliteStore(options.sqlitePath ?? config.storage.sqlitePath);
  const { keyRing, generatedMasterKey } = await setupKeyRing(config, store);
  const ledger = new UsageLedger(store);
  const meter = new RequestMeter(ledger);
  const metrics = new GatewayMetrics();
  meter.observe(metrics.observer);
  const providers = options.providers ?? createProviders(config);
  let ready = false;
  const app = buildApp({ config, providers, keyRing, meter, metrics, logger: options.logger, isReady: () => ready });
  const address = await app.listen({ host: options.host ?? config.server.host, port: options.port ?? config.server.port });
  ready = true;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: address,
    store,
    ledger,
    generatedMasterKey,
    close() {
      closing ??= (async () => {
        ready = false;
        await app.close();
        await Promise.all([...providers.values()].map((p) => p.close?.()));
        await ledger.close();
        await store.close();
        await closeUpstreamAgents();
      })();
      return closing;
    },
  };
}
