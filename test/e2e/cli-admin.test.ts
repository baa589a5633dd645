import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_OPENAPI } from '../../src/server/routes/admin-openapi.js';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { postJson, SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * The admin CLI against a real gateway: the built CLI (npm test builds first, as for
 * cli-route-explain.test.ts) runs as a child process with the admin key in its environment and talks
 * to the admin API over HTTP. teams create → keys create → a request with the new key → keys list →
 * keys revoke → spend --by model, then usage errors (exit 2, no request sent), API errors (exit 1)
 * and an unreachable gateway (exit 1, one line).
 */

/** Every CLI run is a new Node process: about a second each on an idle machine, several on a loaded one. */
const SLOW = 240_000;

const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');
const cwd = mkdtempSync(join(tmpdir(), 'swy-cli-admin-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** What the gateway really answered (printed by --json) must match the admin OpenAPI document. */
const DOC_ID = 'https://switchyard.test/admin-openapi.json';
const ajv = new Ajv2020({ allowUnionTypes: true, allErrors: true });
addFormatsModule.default(ajv);
ajv.addKeyword('components');
ajv.addSchema({ $id: DOC_ID, components: { schemas: (ADMIN_OPENAPI.components as { schemas: unknown }).schemas } });

function expectDocumented(schema: string, value: unknown): void {
  const validate = ajv.getSchema(`${DOC_ID}#/components/schemas/${schema}`)!;
  expect(validate(value), `${schema}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`).toBe(true);
}

let gateway: RunningGateway;
/** The CLI's environment: the gateway's URL and the admin (master) key. */
let env: Record<string, string>;
const cli = (...args: string[]) => run(args, env);

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function expectNoAdminKey(result: Run): void {
  expect(result.stdout).not.toContain(TEST_KEY);
  expect(result.stderr).not.toContain(TEST_KEY);
}

beforeAll(async () => {
  gateway = await startTestGateway(SIMULATED_ONLY);
  env = { SWITCHYARD_URL: gateway.url, SWITCHYARD_ADMIN_KEY: TEST_KEY };
});

afterAll(async () => {
  await gateway?.close();
});

describe('switchyard teams / keys / spend against a running gateway', () => {
  it('teams create → keys create → keys list → keys revoke → spend --by model --json', async () => {
    // teams create, as JSON
    const created = await cli('teams', 'create', '--name', 'research', '--budget-usd', '25', '--period', 'month', '--alert-at', '80%', '--rpm', '600', '--models', 'sim-small,small', '--log-prompts', '--json');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const team = JSON.parse(created.stdout);
    expect(team).toMatchObject({
      object: 'team',
      name: 'research',
      budget: { limit_usd: 25, period: 'month', alert_at: 0.8 },
      rate_limits: { rpm: 600 },
      allowed_models: ['sim-small', 'small'],
      data_policy: { log_prompts: true, retention_days: 30 },
      cache: true,
    });
    expect(team.id).toMatch(/^team_/);
    expectDocumented('Team', team);
    expectNoAdminKey(created);

    // teams show (a table, and JSON with the live budget status) and keys create (the secret once, with the warning)
    const [shown, shownJson, keyRun] = await Promise.all([
      cli('teams', 'show', team.id),
      cli('teams', 'show', team.id, '--json'),
      cli('keys', 'create', '--team', team.id, '--name', 'ci', '--models', 'sim-small', '--rpm', '60'),
    ]);
    expect(shownJson.code).toBe(0);
    const detail = JSON.parse(shownJson.stdout);
    expectDocumented('TeamDetail', detail);
    expect(detail.budget_status).toMatchObject({ spent_usd: '0.000000000', remaining_usd: '25.000000000', alerting: false });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Budget status: +spent \$0, reserved \$0, remaining \$25; resets \d{4}-\d\d-01T00:00:00\.000Z$/m);
    expect(shown.stdout).toMatch(new RegExp(`^Team: +research \\(${team.id}\\)$`, 'm'));
    expect(shown.stdout).toMatch(/^Budget: +\$25\/month, alert at 80%$/m);
    expect(shown.stdout).toMatch(/^Rate limits: +600 rpm$/m);
    expect(shown.stdout).toMatch(/^Models: +sim-small, small$/m);

    expect(keyRun.stderr).toBe('');
    expect(keyRun.code).toBe(0);
    const secret = /^ {4}(sk-swy-\S+)$/m.exec(keyRun.stdout)?.[1];
    expect(secret, keyRun.stdout).toBeDefined();
    expect(keyRun.stdout).toMatch(/shown only this once/);
    const keyId = /^Created key (key_\S+) "ci" \(for team (team_\S+)\)\.$/m.exec(keyRun.stdout)?.[1];
    expect(keyId, keyRun.stdout).toBeDefined();
    expectNoAdminKey(keyRun);

    // the new key works: one request to bill
    const answer = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'sim-small', messages: [{ role: 'user', content: 'Hello there' }] }, { authorization: `Bearer ${secret}` });
    expect(answer.status, answer.text).toBe(200);

    // teams update (--tpm alone keeps the rpm set before; --retention-days alone keeps log_prompts) then teams list;
    // meanwhile keys list, as a table and as JSON
    const [[updated, listed], keyList, keyListJson] = await Promise.all([
      cli('teams', 'update', team.id, '--tpm', '100000', '--no-cache', '--retention-days', '7', '--json').then(async (u) => [u, await cli('teams', 'list')] as const),
      cli('keys', 'list', '--team', team.id),
      cli('keys', 'list', '--json'),
    ]);
    expect(updated.stderr).toBe('');
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ id: team.id, rate_limits: { rpm: 600, tpm: 100000 }, data_policy: { log_prompts: true, retention_days: 7 }, cache: false });
    expectDocumented('Team', JSON.parse(updated.stdout));
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID +NAME +BUDGET +RATE LIMITS +MODELS +CACHE$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${team.id} +research +\\$25/month, alert at 80% +600 rpm, 100,000 tpm +sim-small, small +off$`, 'm'));

    expect(keyList.code).toBe(0);
    expect(keyList.stdout).toMatch(/^ID +NAME +TEAM +ROLE +PREFIX +MODELS +BUDGET +RATE LIMITS +EXPIRES +STATUS$/m);
    expect(keyList.stdout).toMatch(new RegExp(`^${keyId} +ci +${team.id} +team +sk-swy-\\S+… +sim-small +- +60 rpm +never +active$`, 'm'));
    expect(keyList.stdout).not.toContain(secret);
    const keysJson = JSON.parse(keyListJson.stdout);
    expect(keysJson.object).toBe('list');
    expectDocumented('KeyList', keysJson);
    expect(keysJson.data.map((k: { id: string }) => k.id)).toContain(keyId);
    expect(keyListJson.stdout).not.toContain(secret);

    // keys revoke: the key is refused from now on
    const revoked = await cli('keys', 'revoke', keyId!);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked key ${keyId} "ci" \\(team ${team.id}, sk-swy-\\S+…\\) at \\d{4}-\\d\\d-\\d\\dT`, 'm'));
    const refused = await postJson(`${gateway.url}/v1/chat/completions`, { model: 'sim-small', messages: [{ role: 'user', content: 'again' }] }, { authorization: `Bearer ${secret}` });
    expect(refused.status).toBe(401);

    // keys list shows it revoked; spend --by model (JSON and table): the request above, billed to sim-small
    await gateway.ledger.flush();
    const [afterRevoke, spend, spendTable] = await Promise.all([
      cli('keys', 'list', '--team', team.id),
      cli('spend', '--by', 'model', '--team', team.id, '--json'),
      cli('spend', '--by', 'model', '--team', team.id, '--from', '2020-01-01'),
    ]);
    expect(afterRevoke.stdout).toMatch(new RegExp(`^${keyId} .* revoked$`, 'm'));

    expect(spend.stderr).toBe('');
    expect(spend.code).toBe(0);
    const report = JSON.parse(spend.stdout);
    expectDocumented('SpendReport', report);
    expect(report).toMatchObject({ object: 'spend', group_by: 'model', from: null, to: null });
    expect(report.data).toHaveLength(1);
    expect(report.data[0]).toMatchObject({ group: 'sim-small', requests: 1 });
    expect(report.data[0].input_tokens).toBeGreaterThan(0);
    expect(BigInt(report.data[0].cost_nanos)).toBeGreaterThan(0n);
    expect(report.total).toMatchObject({ requests: 1, cost_usd: report.data[0].cost_usd });

    expect(spendTable.code).toBe(0);
    expect(spendTable.stdout).toMatch(/^Spend by model, from 2020-01-01T00:00:00\.000Z to now$/m);
    expect(spendTable.stdout).toMatch(/^MODEL +REQUESTS +INPUT +OUTPUT +CACHE READ +CACHE WRITE +REASONING +COST$/m);
    expect(spendTable.stdout).toMatch(/^sim-small +1 +\d+ +\d+ +0 +0 +0 +\$0\.\d+$/m);
    expect(spendTable.stdout).toMatch(/^TOTAL +1 +/m);
  }, SLOW);

  it('an admin key: keys create --admin makes a key that can use the admin CLI itself', async () => {
    const created = await cli('keys', 'create', '--admin', '--name', 'ops', '--json');
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/shown only this once/);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ role: 'admin', team_id: null, name: 'ops' });
    expectDocumented('CreatedKey', key);
    const [asAdmin, asMaster] = await Promise.all([
      run(['teams', 'list', '--json'], { SWITCHYARD_URL: gateway.url, SWITCHYARD_ADMIN_KEY: key.key }),
      // SWITCHYARD_MASTER_KEY is the fallback
      run(['teams', 'list', '--json'], { SWITCHYARD_URL: gateway.url, SWITCHYARD_MASTER_KEY: TEST_KEY }),
    ]);
    expect(asAdmin.code).toBe(0);
    expect(JSON.parse(asAdmin.stdout).object).toBe('list');
    expect(asMaster.code).toBe(0);
  }, SLOW);

  it('API errors: exit 1 with "switchyard <command>: <message>"', async () => {
    const [missing, unknownModel, wrongKey, revokeUnknown] = await Promise.all([
      cli('teams', 'show', 'team_nope'),
      cli('teams', 'create', '--name', 'bad-models', '--models', 'gpt-9'),
      run(['teams', 'list'], { SWITCHYARD_URL: gateway.url, SWITCHYARD_ADMIN_KEY: 'sk-swy-not-a-real-key-000000000000' }),
      cli('keys', 'revoke', 'key_nope'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe("switchyard teams show: No team with id 'team_nope' (GET /admin/teams lists them).\n");

    expect(unknownModel.code).toBe(1);
    expect(unknownModel.stderr).toMatch(/^switchyard teams create: allowed_models: 'gpt-9' is not a route, model or alias/);

    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^switchyard teams list: Invalid API key\b[^\n]*\n$/);
    expect(wrongKey.stderr).not.toContain('sk-swy-not-a-real-key');

    expect(revokeUnknown.code).toBe(1);
    expect(revokeUnknown.stderr).toMatch(/^switchyard keys revoke: No key with id 'key_nope'/);
  }, SLOW);

  it('usage errors: exit 2 naming the option to fix, before any request', async () => {
    // pointed at a port nothing listens on: had a request been sent, the error would be "cannot reach" with exit 1
    const nowhere = { SWITCHYARD_URL: `http://127.0.0.1:${await closedPort()}`, SWITCHYARD_ADMIN_KEY: TEST_KEY };
    // (every option check is covered in-process by test/unit/cli-admin.test.ts; here: the exit status and the line of the real binary)
    const cases: Array<[string[], RegExp]> = [
      [['teams', 'create', '--name', 'x', '--budget-usd', 'ten', '--period', 'month'], /^switchyard teams create: --budget-usd must be a positive number of US dollars .*got "ten"$/],
      [['teams', 'create', '--name', 'x', '--budget-usd', '10'], /^switchyard teams create: --budget-usd needs --period: day, month or total$/],
      [['spend', '--by', 'week'], /^switchyard spend: --by must be team, key, model, provider or day, got "week"$/],
      [['teams', 'create', '--name', 'x', '--bogus'], /^switchyard teams create: unknown option '--bogus'/],
    ];
    // each run starts a Node process (seconds on a loaded machine): all at once
    const results = await Promise.all(cases.map(([args]) => run(args, nowhere)));
    for (const [i, [args, message]] of cases.entries()) {
      const result = results[i];
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr.trim(), args.join(' ')).toMatch(message);
      expect(result.stderr).not.toContain('cannot reach');
    }
    // no admin key anywhere
    const noKey = await run(['teams', 'list'], { SWITCHYARD_URL: gateway.url });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/no admin key: set SWITCHYARD_ADMIN_KEY/);
  }, SLOW);

  it('an unreachable gateway: one line, exit 1, the admin key never printed', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const commands = [['teams', 'list'], ['keys', 'create', '--team', 'team_x', '--name', 'ci'], ['spend', '--by', 'model', '--json']];
    const results = await Promise.all(commands.map((args) => run(args, { SWITCHYARD_URL: url, SWITCHYARD_ADMIN_KEY: TEST_KEY })));
    for (const [i, args] of commands.entries()) {
      const result = results[i];
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`^switchyard ${args[0]}( ${args[1]})?: cannot reach Switchyard at ${url.replace(/\./g, '\\.')}: connect ECONNREFUSED[^\\n]*\\n$`));
      expectNoAdminKey(result);
    }
    // --url wins over $SWITCHYARD_URL
    const flag = await run(['teams', 'list', '--url', url], { SWITCHYARD_URL: gateway.url, SWITCHYARD_ADMIN_KEY: TEST_KEY });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain(`cannot reach Switchyard at ${url}`);
  }, SLOW);
});
