#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig, ConfigError } from '../config/load-config.js';
import { resolveConfig } from '../config/resolve-config.js';
import { startGateway } from '../server/start-gateway.js';

const program = new Command();
program
  .name('switchyard')
  .description('Switchyard: one OpenAI/Anthropic-compatible API in front of OpenAI, Anthropic, AWS Bedrock and OpenAI-compatible providers.')
  .version('0.1.0');

program
  .command('serve')
  .description('Run the gateway. Without --config it runs on embedded defaults (SQLite, simulated models unless provider keys are set).')
  .option('-c, --config <path>', 'path to switchyard.yaml (default: $SWITCHYARD_CONFIG, else embedded defaults)')
  .option('--host <host>', 'listen address (default: $HOST or 127.0.0.1)')
  .option('--port <port>', 'listen port (default: $PORT or 8080)')
  .option('--log', 'log requests (pino JSON on stdout)')
  .action(async (options: { config?: string; host?: string; port?: string; log?: boolean }) => {
    const env = process.env;
    let config;
    try {
      config = resolveConfig(loadConfig(options.config ?? env.SWITCHYARD_CONFIG, env), env);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`switchyard: ${error.message}\n`);
        process.exit(2);
      }
      throw error;
    }
    const host = options.host ?? env.HOST ?? config.server.host;
    const port = Number(options.port ?? env.PORT ?? config.server.port);
    const gateway = await startGateway({ config, host, port, logger: options.log === true });
    const out = process.stdout;
    out.write(`Switchyard listening on ${gateway.url}\n`);
    out.write(`  OpenAI:    POST ${gateway.url}/v1/chat/completions\n  Anthropic: POST ${gateway.url}/v1/messages\n`);
    out.write(`  Models:    ${config.models.map((m) => (m.simulated ? `${m.id} (simulated)` : m.id)).join(', ')}\n`);
    if (gateway.generatedMasterKey) {
      out.write(
        `\nNo API key was configured, so a master key was generated. It is shown only this once; only its hash is stored:\n\n    ${gateway.generatedMasterKey}\n\nSet SWITCHYARD_MASTER_KEY to use a key of your own.\n`,
      );
    }
    const shutdown = (signal: string) => {
      out.write(`\n${signal}: draining in-flight requests and flushing the usage ledger…\n`);
      gateway.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });

await program.parseAsync(process.argv);
