import { parseConfig } from '../../src/config/load-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { startGateway, type RunningGateway, type StartOptions } from '../../src/server/start-gateway.js';

export const TEST_KEY = 'sk-swy-test-master-key-0123456789';

/** Starts a gateway on 127.0.0.1:<random port> from a config document (YAML-equivalent object). */
export async function startTestGateway(document: Record<string, unknown>, options: Partial<StartOptions> = {}): Promise<RunningGateway> {
  const withAuth = { auth: { masterKey: TEST_KEY }, ...document };
  const config = resolveConfig(parseConfig(withAuth, {}), {});
  return startGateway({ config, sqlitePath: ':memory:', host: '127.0.0.1', port: 0, ...options });
}

/** Two replicas of one fleet: the same config, one Redis under `redisPrefix` (each on its own in-memory SQLite). */
export async function startReplicaPair(document: Record<string, unknown>, redisUrl: string, redisPrefix: string, options: Partial<StartOptions> = {}): Promise<[RunningGateway, RunningGateway]> {
  const fleet = { redisUrl, redisPrefix, ...options };
  const a = await startTestGateway(document, fleet);
  const b = await startTestGateway(document, fleet);
  return [a, b];
}

export const SIMULATED_ONLY = {
  providers: { simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 } },
  models: [
    { id: 'sim-large', provider: 'simulated', pricing: { inputPerMTok: 2, outputPerMTok: 8 }, capabilities: { tools: true, images: true, json: true, reasoning: true } },
    { id: 'sim-small', provider: 'simulated', pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 }, capabilities: { tools: true, images: false, json: true, reasoning: false } },
  ],
  aliases: { small: 'sim-small' },
};

export interface JsonResponse {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  return readJson(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

/** GET with a key (or none): the status, headers, text and the JSON when it is JSON. */
export async function getJson(url: string, key?: string): Promise<JsonResponse> {
  return readJson(await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} }));
}

async function readJson(response: Response): Promise<JsonResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}
