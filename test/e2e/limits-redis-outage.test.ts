import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { startGateway, type RunningGateway } from '../../src/server/start-gateway.js';
import { closedPort, redisTestSpace, TcpProxy } from '../helpers/redis.js';
import { postJson, SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * What a gateway running with Redis does when Redis goes away: requests of teams with a budget or a
 * rate limit fail closed with a 503 in the caller's dialect (counters that cannot be checked are not
 * trusted), requests without limits keep being served, and everything recovers when Redis returns.
 * A gateway that cannot reach Redis at start refuses to start with one clear line.
 */

const space = redisTestSpace('outage');
const proxy = new TcpProxy();
let gateway: RunningGateway;
let limited: string;
let unlimited: string;

async function admin(path: string, body: unknown) {
  const res = await postJson(`${gateway.url}${path}`, body);
  expect(res.status, res.text).toBe(201);
  return res.json;
}

const chat = (key: string) => postJson(`${gateway.url}/v1/chat/completions`, { model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${key}` });
const anthropic = (key: string) =>
  postJson(`${gateway.url}/v1/messages`, { model: 'sim-small', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }, { authorization: '', 'x-api-key': key, 'anthropic-version': '2023-06-01' });

beforeAll(async () => {
  await proxy.start();
  gateway = await startTestGateway(SIMULATED_ONLY, { redisUrl: proxy.url, redisPrefix: space.prefix });
  const a = await admin('/admin/teams', { name: 'with-budget', budget: { limit_usd: 10, period: 'month' }, rate_limits: { rpm: 1000 } });
  const b = await admin('/admin/teams', { name: 'no-limits' });
  limited = (await admin('/admin/keys', { team_id: a.id, name: 'k' })).key;
  unlimited = (await admin('/admin/keys', { team_id: b.id, name: 'k' })).key;
  expect(gateway.tenancy.mode).toBe('redis');
});

afterAll(async () => {
  await gateway?.close();
  await proxy.sever();
  await space.cleanup();
});

describe('limits on Redis', () => {
  it('serve, fail closed while Redis is gone, and recover', async () => {
    expect((await chat(limited)).status).toBe(200);
    await proxy.sever();
    const refused = await chat(limited);
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe('SWY_ERR_LIMITS_UNAVAILABLE');
    expect(refused.json.error.message).toMatch(/cannot be checked/);
    const refusedAnthropic = await anthropic(limited);
    // Anthropic's dialect says "overloaded" with its own status, which its SDKs retry.
    expect(refusedAnthropic.status).toBe(529);
    expect(refusedAnthropic.json).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    // Nothing to count for a team without limits: served as usual (its key is cached).
    expect((await chat(unlimited)).status).toBe(200);
    await proxy.restart();
    let recovered = 0;
    for (let i = 0; i < 100 && recovered !== 200; i++) {
      recovered = (await chat(limited)).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(200);
  }, 30_000);

  it('release its Redis connections when it cannot listen (port taken)', async () => {
    const counter = await space.connect();
    // The failing gateway gets a key prefix of its own, so its connections (named after the prefix) are
    // told apart from the running gateway's, which may be reconnecting after the test before.
    const prefix = `${space.prefix}failed:`;
    const name = `name=switchyard-${prefix}`;
    const open = async () => String(await counter.client('LIST')).split('\n').filter((line: string) => line.includes(name)).length;
    // The naming this relies on: the running gateway's main connection carries its prefix's name.
    expect(String(await counter.client('LIST'))).toContain(`name=switchyard-${space.prefix} `);
    const port = Number(new URL(gateway.url).port);
    const config = resolveConfig(parseConfig({ auth: { masterKey: TEST_KEY }, ...SIMULATED_ONLY }, {}), {});
    const error = await startGateway({ config, sqlitePath: ':memory:', host: '127.0.0.1', port, redisUrl: proxy.url, redisPrefix: prefix }).then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(error?.code).toBe('EADDRINUSE');
    // Closing is asynchronous on the server's side: poll until they are gone (they never go if leaked).
    let left = await open();
    for (let i = 0; i < 100 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      left = await open();
    }
    expect(left).toBe(0);
  });

  it('refuse to start when Redis cannot be reached, with one line naming it', async () => {
    const port = await closedPort();
    const config = resolveConfig(parseConfig({ auth: { masterKey: TEST_KEY }, ...SIMULATED_ONLY }, {}), {});
    const error = await startGateway({ config, sqlitePath: ':memory:', host: '127.0.0.1', port: 0, redisUrl: `redis://:hunter2secret@127.0.0.1:${port}` }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(new RegExp(`cannot reach Redis at redis://.*127\\.0\\.0\\.1:${port}`));
    expect(error!.message).not.toContain('hunter2secret');
    expect(error!.message.split('\n')).toHaveLength(1);
  });
});
