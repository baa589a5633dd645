#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig, ConfigError } from '../config/load-config.js';
import { resolveConfig, type ResolvedConfig } from '../config/resolve-config.js';
import { explainRoute, isDialect, type RouteExplanation } from '../routing/explain-plan.js';
import { InMemoryHealthTracker } from '../routing/health/in-memory-health-tracker.js';
import type { RunningGateway } from '../server/start-gateway.js';
import { GatewayError } from '../spec/errors.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerEvalCommand } from '../router-eval/eval-command.js';

/** The configuration `serve` and `route` run on: --config, else $SWITCHYARD_CONFIG, else the embedded defaults. Exits 2 on a config problem. */
function loadResolvedConfig(path: string | undefined, env: NodeJS.ProcessEnv): ResolvedConfig {
  try {
    return resolveConfig(loadConfig(path ?? env.SWITCHYARD_CONFIG, env), env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchyard: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

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
    const config = loadResolvedConfig(options.config, env);
    const host = options.host ?? env.HOST ?? config.server.host;
    const port = Number(options.port ?? env.PORT ?? config.server.port);
    // The gateway (Fastify, adapters, storage drivers) is loaded only to serve: the admin commands start fast.
    const { startGateway } = await import('../server/start-gateway.js');
    const { StoreOpenError } = await import('../storage/database.js');
    let gateway: RunningGateway;
    try {
      gateway = await startGateway({ config, host, port, logger: options.log === true });
    } catch (error) {
      // A database that cannot be reached or migrated: one line, not a stack trace.
      if (error instanceof StoreOpenError) {
        process.stderr.write(`switchyard: ${error.message}\n`); // the URL in it is already redacted
        process.exit(1);
      }
      throw error;
    }
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

program
  .command('route')
  .description('Explain how a request would be routed: every candidate of the route and its fallbacks, planned (ranked) or filtered (why), with the strategy\'s scores. Health is fresh (no live gateway state).')
  .argument('[prompt]', 'the prompt (one user message)', '')
  .requiredOption('-m, --model <name>', 'route, model id or alias to explain')
  .option('--explain', 'explain the routing decision (the only mode today)')
  .option('-c, --config <path>', 'path to switchyard.yaml (default: $SWITCHYARD_CONFIG, else embedded defaults)')
  .option('--dialect <dialect>', 'request dialect: openai-chat or anthropic-messages', 'openai-chat')
  .option('--max-tokens <n>', 'output tokens the request allows (used by cheapest and the context-length filter)')
  .option('--json', 'print the raw explanation as JSON')
  .action(async (prompt: string, options: { model: string; explain?: boolean; config?: string; dialect: string; maxTokens?: string; json?: boolean }) => {
    if (!options.explain) {
      process.stderr.write('switchyard route: only --explain is supported: switchyard route --explain --model <route> "<prompt>"\n');
      process.exit(2);
    }
    if (!isDialect(options.dialect)) {
      process.stderr.write(`switchyard route: --dialect must be openai-chat or anthropic-messages, got "${options.dialect}"\n`);
      process.exit(2);
    }
    const maxTokens = options.maxTokens === undefined ? undefined : Number(options.maxTokens);
    if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0)) {
      process.stderr.write(`switchyard route: --max-tokens must be a positive integer, got "${options.maxTokens}"\n`);
      process.exit(2);
    }
    const config = loadResolvedConfig(options.config, process.env);
    const messages = [{ role: 'user', content: prompt }];
    const body: Record<string, unknown> =
      options.dialect === 'anthropic-messages' ? { model: options.model, max_tokens: maxTokens ?? 1024, messages } : { model: options.model, messages, ...(maxTokens ? { max_tokens: maxTokens } : {}) };
    let explanation: RouteExplanation;
    try {
      const { gatewayLearnedRouter } = await import('../routing/learned/gateway-router.js');
      explanation = explainRoute(config, new InMemoryHealthTracker(config.routing.breaker), { model: options.model, dialect: options.dialect, body, now: Date.now(), learned: gatewayLearnedRouter() });
    } catch (error) {
      if (GatewayError.is(error)) {
        process.stderr.write(`switchyard route: ${error.message}\n`);
        process.exit(1);
      }
      throw error;
    }
    process.stdout.write(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
  });

/** The explanation as a few header lines and a table: rank, deployment, status or reason, score note. */
function formatExplanation(e: RouteExplanation): string {
  const lines: string[] = [];
  if (e.route) {
    const r = e.route;
    const retries = `${r.retries.attempts} retr${r.retries.attempts === 1 ? 'y' : 'ies'} per candidate`;
    const hedge = r.hedge ? `, hedge after ${r.hedge.delay_ms} ms${r.hedge.adaptive ? ' (adaptive)' : ''}` : '';
    lines.push(`Route:     ${r.name} (strategy ${r.strategy}, ${retries}${hedge}; fallbacks: ${r.fallbacks.length ? r.fallbacks.join(', ') : 'none'})`);
  } else if (e.model) {
    lines.push(`Model:     ${e.model.id}${e.requested !== e.model.id ? ` (alias ${e.requested})` : ''}; fallbacks: ${e.model.fallbacks.length ? e.model.fallbacks.join(', ') : 'none'}`);
  }
  const f = e.features;
  const needs = [f.images ? `${f.images} image${f.images === 1 ? '' : 's'}` : '', f.tools ? 'tools' : '', f.json ? 'JSON mode' : '', f.reasoning ? 'reasoning' : ''].filter(Boolean);
  lines.push(`Request:   ~${e.input_tokens.estimated} input tokens (ranked on a rough ${e.input_tokens.rough}), ${e.output_tokens} output tokens assumed${needs.length ? `; needs ${needs.join(', ')}` : ''}`);
  lines.push(e.error ? `Error:     ${e.error.code}: ${e.error.message}` : `Decision:  ${e.reason}`);
  lines.push('');
  const header = ['RANK', 'DEPLOYMENT', 'STATUS', 'SCORE'];
  const rows = e.candidates.map((c) => [
    c.rank === null ? '-' : String(c.rank),
    c.deployment,
    c.status === 'planned' ? `planned${c.available ? '' : ' (unavailable)'}${c.via && c.via.includes('fallback') ? ` via ${c.via}` : ''}` : `filtered: ${c.verdict!.code}`,
    c.status === 'planned' ? (c.score ?? '') : c.verdict!.message,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (i < header.length - 1 ? row[i].length : 0))));
  for (const row of [header, ...rows]) lines.push(row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell)).join('  ').trimEnd());
  return `${lines.join('\n')}\n`;
}

registerAdminCommands(program);
registerEvalCommand(program);

await program.parseAsync(process.argv);
