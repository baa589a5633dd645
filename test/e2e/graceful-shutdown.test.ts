import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SIMULATED_ONLY, startTestGateway, TEST_KEY } from '../helpers/start-test-gateway.js';

describe('graceful shutdown', () => {
  it('lets an in-flight stream finish, refuses new work, and flushes its usage to the ledger', async () => {
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'swy-shutdown-')), 'ledger.db');
    const gateway = await startTestGateway({ ...SIMULATED_ONLY, providers: { simulated: { type: 'simulated', latencyMs: 0, tokensPerSecond: 400 } } }, { sqlitePath });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-large', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'a long answer please' }] }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-switchyard-request-id');
    const closing = gateway.close();
    const body = await response.text();
    await closing;
    expect(body.trim().endsWith('data: [DONE]')).toBe(true);
    const usageChunk = body
      .split('\n\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)) as { usage?: { completion_tokens: number } })
      .find((c) => c.usage);
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();

    const db = new Database(sqlitePath, { readonly: true });
    const row = db.prepare('select output_tokens, error_code from usage_ledger where request_id = ?').get(requestId) as { output_tokens: number; error_code: string | null };
    db.close();
    expect(row).toEqual({ output_tokens: usageChunk!.usage!.completion_tokens, error_code: null });
  });
});
