import { describe, expect, it } from 'vitest';
import { EchoGuard, EchoGuards } from '../../src/server/echo-guard.js';
import type { TenantContext } from '../../src/tenancy/tenant-context.js';

const SECRET = 'sk-live-0123456789/abcdef';

describe('EchoGuard', () => {
  const guard = EchoGuard.of([SECRET, 'short'])!;

  it('replaces every occurrence in bytes and text, raw and JSON-escaped; returns the same object when there is none', () => {
    const clean = Buffer.from('{"content":"nothing to see"}');
    expect(guard.bytes(clean)).toBe(clean);
    const text = `a ${SECRET} b ${SECRET} c ${JSON.stringify(SECRET).slice(1, -1).replaceAll('/', '\\/')}`;
    expect(guard.bytes(Buffer.from(text)).toString()).toBe('a [redacted] b [redacted] c [redacted]');
    expect(guard.text(text)).toBe('a [redacted] b [redacted] c [redacted]');
    expect(guard.bytes(`x${SECRET}`)).toBe('x[redacted]');
    const view = new Uint8Array(Buffer.from(`[${SECRET}]`));
    expect(Buffer.from(guard.bytes(view)).toString()).toBe('[[redacted]]');
  });

  it('ignores secrets too short to match safely', () => {
    expect(guard.text('a short word')).toBe('a short word');
    expect(EchoGuard.of(['tiny', ''])).toBeUndefined();
  });
});

describe('EchoGuards', () => {
  const providers = {
    openai: { type: 'openai', apiKey: 'sk-configured-openai-key', headers: {} },
    local: { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 },
  } as never;
  const guards = new EchoGuards(providers);

  it("guards a provider's configured key, and a team's own key for that provider when it brings one", () => {
    expect(guards.for('openai', undefined)!.text('k=sk-configured-openai-key')).toBe('k=[redacted]');
    expect(guards.for('local', undefined)).toBeUndefined();
    const tenant = { credentials: new Map([['openai', { kind: 'api-key', apiKey: 'sk-team-own-key-123456' }]]) } as unknown as TenantContext;
    const own = guards.for('openai', tenant)!;
    expect(own.text('sk-team-own-key-123456 / sk-configured-openai-key')).toBe('[redacted] / [redacted]');
    expect(guards.for('openai', tenant)).toBe(own); // cached per tenant context
    const other = { credentials: new Map() } as unknown as TenantContext;
    expect(guards.for('openai', other)!.text('sk-team-own-key-123456')).toBe('sk-team-own-key-123456');
  });
});
