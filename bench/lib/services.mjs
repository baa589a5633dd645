/**
 * Starting the processes of a run: mock upstream and load worker on the load core, bare proxy,
 * Switchyard and Portkey on the target core. Each resolves to { pid, port, child }.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeGatewayConfig } from './gateway-config.mjs';
import { productionNodeFlags } from './node-flags.mjs';
import { freePort } from './processes.mjs';
import { CPU_LOAD, CPU_TARGET } from './settings.mjs';

const here = (file) => new URL(file, import.meta.url).pathname;
const readyJson = (line) => {
  try {
    const value = JSON.parse(line);
    return value.ready ? value : undefined;
  } catch {
    return undefined;
  }
};

export async function startMock(group, { slowIntervalMs, slowChunks }) {
  const started = await group.start({
    name: 'mock upstream',
    nodeArgs: [here('./mock-upstream.mjs'), '--slow-interval-ms', String(slowIntervalMs), '--slow-chunks', String(slowChunks)],
    cpus: CPU_LOAD,
    ready: readyJson,
  });
  return { pid: started.pid, port: started.info.port, child: started.child };
}

export async function startBareProxy(group, mock) {
  const started = await group.start({
    name: 'bare proxy',
    nodeArgs: [here('./bare-proxy.mjs'), '--upstream', `http://127.0.0.1:${mock.port}`],
    cpus: CPU_TARGET,
    ready: readyJson,
  });
  return { pid: started.pid, port: started.info.port, child: started.child };
}

/**
 * Switchyard as in production: `node <npm start's flags> dist/cli/main.js serve --config <file>`, extra
 * node flags optional (--cpu-prof). One process on its SQLite file with in-process counters: DATABASE_URL and REDIS_URL
 * are blanked for it, so a shell that exports them does not turn it into a fleet member.
 */
export async function startSwitchyard(group, { root, mock, dir, nodeFlags = [], cpus = CPU_TARGET, timeouts }) {
  const configPath = writeGatewayConfig({ mockPort: mock.port, dir, timeouts });
  const started = await group.start({
    name: 'switchyard',
    nodeArgs: [...productionNodeFlags(root), ...nodeFlags, join(root, 'dist/cli/main.js'), 'serve', '--config', configPath, '--port', '0'],
    env: { DATABASE_URL: '', REDIS_URL: '' },
    cpus,
    ready: (line) => {
      const match = /listening on https?:\/\/[^:]+:(\d+)/.exec(line);
      return match ? { port: Number(match[1]) } : undefined;
    },
  });
  return { pid: started.pid, port: started.info.port, child: started.child, configPath, sqlitePath: join(dir, 'switchyard-bench.db') };
}

export function portkeyEntry(root) {
  const entry = join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  return existsSync(entry) ? entry : undefined;
}

/**
 * Portkey's Node server as packaged (`start-server.js --headless --port=N`). It has no host flag and
 * listens on all interfaces, so a preload (loopback-only.mjs) binds it to 127.0.0.1.
 */
export async function startPortkey(group, { root }) {
  const entry = portkeyEntry(root);
  if (!entry) throw new Error('@portkey-ai/gateway is not installed (npm install)');
  const port = await freePort();
  const started = await group.start({
    name: 'portkey',
    nodeArgs: ['--import', pathToFileURL(here('./loopback-only.mjs')).href, entry, '--headless', `--port=${port}`],
    cpus: CPU_TARGET,
    waitPort: port,
    timeoutMs: 30_000,
  });
  return { pid: started.pid, port, child: started.child, stderrTail: started.stderrTail };
}

export async function startLoadWorker(group) {
  const started = await group.start({ name: 'load worker', nodeArgs: [here('./load-worker.mjs')], cpus: CPU_LOAD, ipc: true, ready: readyJson });
  return started.child;
}
