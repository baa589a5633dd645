import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNeutrality } from '../../src/cli/admin-commands.js';
import { auditNeutrality, type AuditRow } from '../../src/routing/learned/audit.js';
import { policyHash } from '../../src/routing/learned/receipts.js';
import type { DecisionReceipt } from '../../src/routing/strategies/strategy.js';
import type { RunningGateway } from '../../src/server/start-gateway.js';
import { getJson, SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

/**
 * The neutrality audit on a seeded ledger: provider shares, a planted dominated choice (reported,
 * unexplained), a dominated choice a declared task-tier preference explains (reported, explained), and
 * decisions that are not dominated (not reported).
 */

function receipt(strategy: DecisionReceipt['strategy'], choice: string, candidates: Array<[string, string, number, number, string?]>, extra: Partial<DecisionReceipt> = {}): DecisionReceipt {
  return {
    strategy,
    policy: { strategy, route: 'r' },
    candidates: candidates.map(([deployment, provider, quality, cost, note]) => ({ deployment, model: deployment.split('/')[1], provider, quality, cost_usd: cost, available: true, ...(note ? { note } : {}) })),
    tie_break: 'higher predicted quality, then lower estimated cost, then lower latency EWMA, then declared candidate order',
    choice,
    ...extra,
  };
}

function row(id: string, r: DecisionReceipt, at = '2026-12-01T10:00:00.000Z'): AuditRow {
  const chosen = r.candidates.find((c) => c.deployment === r.choice)!;
  return { request_id: id, created_at: at, route: 'r', provider: chosen.provider, receipt: JSON.stringify(r), policy_hash: policyHash(r.policy) };
}

const CANDIDATES: Array<[string, string, number, number]> = [
  ['a/big', 'a', 0.9, 0.01],
  ['b/mid', 'b', 0.8, 0.002],
  ['c/small', 'c', 0.6, 0.0002],
];

const SEEDED: AuditRow[] = [
  row('req_ok_1', receipt('quality-cost', 'b/mid', CANDIDATES)),
  row('req_ok_2', receipt('quality-cost', 'c/small', CANDIDATES)),
  row('req_ok_3', receipt('quality-cost', 'a/big', CANDIDATES)),
  // Planted: big chosen although "b/twin" is predicted as good (0.9) and cheaper.
  row('req_planted', receipt('quality-cost', 'a/big', [...CANDIDATES, ['b/twin', 'b', 0.9, 0.005]])),
  // task-tier chose the declared preferred tier although mid is as good and cheaper for this prompt: explained.
  row(
    'req_tier',
    receipt(
      'task-tier',
      'a/big',
      [
        ['a/big', 'a', 0.8, 0.01, 'tier large (preference 1)'],
        ['b/mid', 'b', 0.8, 0.002, 'tier medium (preference 2)'],
      ],
      { prompt: { task: 'reasoning', difficulty: 0.9, cluster: 0, analyzer: 'x' }, policy: { strategy: 'task-tier', route: 'r', tiers: { reasoning: ['large', 'medium'] } } },
    ),
  ),
  { request_id: 'req_plain', created_at: '2026-12-01T10:00:00.000Z', route: null, provider: 'a', receipt: null, policy_hash: null },
  { request_id: 'req_bad', created_at: '2026-12-01T10:00:00.000Z', route: 'r', provider: 'a', receipt: '{not json', policy_hash: null },
];

describe('auditNeutrality', () => {
  it('reports provider shares over receipted decisions', () => {
    const report = auditNeutrality(SEEDED);
    expect(report.decisions).toBe(5);
    expect(report.unreadable).toBe(1);
    expect(report.providers).toEqual([
      { provider: 'a', chosen: 3, share: 0.6, eligible: 5 },
      { provider: 'b', chosen: 1, share: 0.2, eligible: 5 },
      { provider: 'c', chosen: 1, share: 0.2, eligible: 4 },
    ]);
    expect(report.policies.map((p) => p.decisions).sort()).toEqual([1, 4]);
  });

  it('finds the planted dominated choice, unexplained, and names the declared preference of the explained one', () => {
    const report = auditNeutrality(SEEDED);
    expect(report.dominated.map((d) => d.request_id)).toEqual(['req_planted', 'req_tier']);
    const planted = report.dominated[0];
    expect(planted).toMatchObject({ chosen: { deployment: 'a/big', quality: 0.9, cost_usd: 0.01 }, dominated_by: { deployment: 'b/twin', quality: 0.9, cost_usd: 0.005 }, explained_by: null });
    expect(report.dominated[1].explained_by).toContain('declared task tiers');
    expect(report.unexplained).toBe(1);
  });

  it('names declared cache affinity when a conversation was kept on a dominated deployment', () => {
    const kept = row(
      'req_affinity',
      receipt('quality-cost', 'a/big', [...CANDIDATES, ['b/twin', 'b', 0.9, 0.005]], { applied: { affinity: { conversation: 'c_1', previous: 'a/big', kept: true, reason: 'kept' } } }),
    );
    const report = auditNeutrality([kept]);
    expect(report.dominated).toHaveLength(1);
    expect(report.dominated[0].explained_by).toContain('declared cache affinity');
    expect(report.unexplained).toBe(0);
  });

  it('does not count equal candidates (ties) as dominated', () => {
    const tie = row('req_tie', receipt('quality-cost', 'a/x', [['a/x', 'a', 0.8, 0.001], ['b/y', 'b', 0.8, 0.001]]));
    expect(auditNeutrality([tie]).dominated).toEqual([]);
  });
});

describe('GET /admin/audit/neutrality', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(SIMULATED_ONLY);
    const base = { created_at: '', key_name: 'seed', dialect: 'openai-chat', requested_model: 'r', model: 'm', provider: '', stream: 0, status: 200, input_tokens: 1, output_tokens: 1, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost_nanos: 1, latency_ms: 1, route: 'r', attempt: 1, attempts: 1, usage_source: 'reported' };
    for (const seeded of SEEDED) {
      await gateway.store.db
        .insertInto('usage_ledger')
        .values({ ...base, request_id: seeded.request_id, created_at: seeded.created_at, provider: seeded.provider, receipt: seeded.receipt, policy_hash: seeded.policy_hash })
        .execute();
    }
  });
  afterAll(async () => gateway?.close());

  it('reads the receipts in the ledger and reports the planted choice', async () => {
    const res = await getJson(`${gateway.url}/admin/audit/neutrality?from=2026-12-01&to=2026-12-02`, TEST_KEY);
    expect(res.status, res.text).toBe(200);
    expect(res.json.decisions).toBe(5);
    expect(res.json.unexplained).toBe(1);
    expect(res.json.dominated[0].request_id).toBe('req_planted');
    const outside = await getJson(`${gateway.url}/admin/audit/neutrality?from=2026-12-02`, TEST_KEY);
    expect(outside.json.decisions).toBe(0);
    const bad = await getJson(`${gateway.url}/admin/audit/neutrality?from=yesterday`, TEST_KEY);
    expect(bad.status).toBe(400);
  });

  it('switchyard audit neutrality prints the report and exits 1 when a choice is unexplained', async () => {
    // The built CLI (npm test builds first), as an operator runs it.
    const cli = resolve(import.meta.dirname, '../../dist/cli/main.js');
    const run = promisify(execFile);
    const env = { ...process.env, SWITCHYARD_URL: gateway.url, SWITCHYARD_ADMIN_KEY: TEST_KEY };
    const failed = await run(process.execPath, [cli, 'audit', 'neutrality', '--from', '2026-12-01'], { env }).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain('UNEXPLAINED req_planted: chose a/big');
    expect(failed?.stdout).toMatch(/a\s+3\s+60\.0%/);
    const clean = await run(process.execPath, [cli, 'audit', 'neutrality', '--from', '2026-12-02', '--json'], { env });
    expect(JSON.parse(clean.stdout)).toMatchObject({ decisions: 0, unexplained: 0 });
  }, 60_000);
});

describe('formatNeutrality', () => {
  it('lists shares and puts unexplained dominated choices first, naming the explanation of the others', () => {
    const text = formatNeutrality(auditNeutrality(SEEDED));
    expect(text).toContain('Dominated choices: 2 (1 unexplained)');
    expect(text.indexOf('UNEXPLAINED')).toBeLessThan(text.indexOf('explained  '));
    expect(text).toContain('declared task tiers');
  });
});
