import { describe, expect, it } from 'vitest';
import { flatten, LEDGER_COLUMNS } from '../../src/metering/ledger-writers.js';
import type { LedgerEntry } from '../../src/metering/usage-ledger.js';

describe('ledger rows flattened for the multi-row INSERT', () => {
  it('every column, in LEDGER_COLUMNS order (the INSERT lists them so), row after row', () => {
    // Each column holds its own name: the flattened row must read back as the column list.
    const row = (n: number) => Object.fromEntries(LEDGER_COLUMNS.map((column) => [column, `${column}#${n}`])) as unknown as LedgerEntry;
    expect(flatten([row(1), row(2)])).toEqual([...LEDGER_COLUMNS.map((c) => `${c}#1`), ...LEDGER_COLUMNS.map((c) => `${c}#2`)]);
  });

  it('absent optional columns become null (SQL NULL), never undefined', () => {
    const minimal = { request_id: 'r', created_at: 't', key_name: 'k', dialect: 'openai-chat', requested_model: 'm', model: 'm', provider: 'p', stream: 0, status: 200, input_tokens: 1, output_tokens: 2, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost_nanos: 5, latency_ms: 3 } as LedgerEntry;
    const values = flatten([minimal]);
    expect(values).toHaveLength(LEDGER_COLUMNS.length);
    expect(values.slice(0, 16)).toEqual(['r', 't', 'k', 'openai-chat', 'm', 'm', 'p', 0, 200, 1, 2, 0, 0, 0, 5, 3]);
    expect(values.slice(16)).toEqual(new Array(LEDGER_COLUMNS.length - 16).fill(null));
  });
});
