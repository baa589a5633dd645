import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { explainRoute, promptBody } from '../../src/routing/explain-plan.js';
import { InMemoryHealthTracker } from '../../src/routing/health/in-memory-health-tracker.js';
import { GatewayError } from '../../src/spec/errors.js';

const config = resolveConfig(
  parseConfig(
    {
      providers: { sim: { type: 'simulated' }, other: { type: 'simulated' } },
      models: [
        { id: 'big', provider: 'sim', pricing: { inputPerMTok: 10, outputPerMTok: 30 }, capabilities: { images: true } },
        { id: 'tiny', provider: 'sim', pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4 }, capabilities: { images: false } },
        { id: 'mid', provider: 'other', pricing: { inputPerMTok: 1, outputPerMTok: 4 }, capabilities: { images: true } },
        { id: 'spare', provider: 'other', capabilities: { images: true } },
      ],
      aliases: { small: 'tiny' },
      routes: {
        vision: { candidates: ['big', 'tiny', 'mid'], strategy: 'cheapest', fallbacks: ['spare'], retries: { attempts: 2 } },
        textonly: { candidates: ['tiny'], strategy: 'priority' },
      },
    },
    {},
  ),
  {},
);

const imageBody = {
  model: 'vision',
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      ],
    },
  ],
};

function tracker(at = { now: 1_000_000 }) {
  return { clock: at, health: new InMemoryHealthTracker({}, () => at.now) };
}

describe('explainRoute', () => {
  it('filters the candidate without images and ranks the others by price (cheapest), then the fallback', () => {
    const { health } = tracker();
    const e = explainRoute(config, health, { model: 'vision', body: imageBody, now: 1_000_000 });
    expect(e.requested).toBe('vision');
    expect(e.route).toMatchObject({ name: 'vision', strategy: 'cheapest', candidates: ['big', 'tiny', 'mid'], fallbacks: ['spare'], hedge: null });
    expect(e.route!.retries.attempts).toBe(2);
    expect(e.features).toMatchObject({ images: 1, remote_images: 0, tools: false, stream: false });
    expect(e.input_tokens.estimated).toBeGreaterThan(0);
    expect(e.input_tokens.rough).toBeGreaterThanOrEqual(1600);
    expect(e.output_tokens).toBe(1024);
    expect(e.error).toBeNull();
    expect(e.reason).toMatch(/^cheapest: .* on other\/mid/);

    const rows = e.candidates.map((c) => [c.status, c.rank, c.deployment]);
    expect(rows).toEqual([
      ['planned', 1, 'other/mid'],
      ['planned', 2, 'sim/big'],
      ['planned', 3, 'other/spare'],
      ['filtered', null, 'sim/tiny'],
    ]);
    const tiny = e.candidates.find((c) => c.model === 'tiny')!;
    expect(tiny.verdict).toMatchObject({ code: 'SWY_ERR_MODEL_NO_IMAGES', param: 'messages' });
    expect(tiny.verdict!.message).toMatch(/does not accept images/);
    expect(tiny.via).toBe('route vision');
    expect(tiny.provider).toBe('sim');

    const [mid, big, spare] = e.candidates;
    expect(mid.score).toMatch(/^\$[\d.]+ est\.$/);
    expect(big.score).toMatch(/^\$[\d.]+ est\.$/);
    expect(mid.via).toBe('route vision');
    expect(mid.retries).toEqual({ attempts: 2, backoff_ms: 100, max_backoff_ms: 2000 });
    expect(spare.via).toBe('route vision fallback spare');
    expect(spare.retries!.attempts).toBe(0); // a model fallback has no retries of its own
    expect(mid.available).toBe(true);
    expect(mid.health).toMatchObject({ breaker: 'closed', in_flight: 0, error_rate: 0, cooldown_until: null, ttft_ewma_ms: null });
    // JSON-able as is
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it('ranks every candidate in price order for a text prompt', () => {
    const { health } = tracker();
    const e = explainRoute(config, health, { model: 'vision', prompt: 'Hello there', now: 1_000_000 });
    expect(e.candidates.filter((c) => c.status === 'planned').map((c) => c.model)).toEqual(['tiny', 'mid', 'big', 'spare']);
    expect(e.candidates.every((c) => c.status === 'planned')).toBe(true);
    expect(e.features.text_chars).toBe('Hello there'.length);
  });

  it('shows live health: a cooling-down deployment is unavailable and ranked last, with why', () => {
    const { health, clock } = tracker();
    health.started('sim/tiny');
    health.ended('sim/tiny', { ok: false, error: new GatewayError({ code: 'SWY_ERR_UPSTREAM_RATE_LIMIT', kind: 'rate_limit', origin: 'upstream', message: 'slow down', retryAfterMs: 3000 }) });
    health.started('other/mid');
    health.ended('other/mid', { ok: true, latencyMs: 400, ttftMs: 120 });
    health.started('other/mid'); // one in flight
    const e = explainRoute(config, health, { model: 'vision', prompt: 'Hello', now: clock.now });
    const order = e.candidates.map((c) => c.model);
    // moved last within its route; the route's fallback still follows
    expect(order).toEqual(['mid', 'big', 'tiny', 'spare']);
    const tiny = e.candidates[2];
    expect(tiny.status).toBe('planned');
    expect(tiny.available).toBe(false);
    expect(tiny.health.cooldown_remaining_ms).toBe(3000);
    expect(tiny.health.cooldown_until).toBe(clock.now + 3000);
    expect(tiny.score).toMatch(/cooling down/);
    expect(e.reason).toMatch(/1 unavailable moved last/);
    expect(e.candidates[0].health).toMatchObject({ in_flight: 1, ttft_ewma_ms: 120, latency_ewma_ms: 400 });
  });

  it('explains a request no candidate can serve, with the error the client would get', () => {
    const { health } = tracker();
    const e = explainRoute(config, health, { model: 'textonly', body: { ...imageBody, model: 'textonly' }, now: 0 });
    expect(e.error?.code).toBe('SWY_ERR_MODEL_NO_IMAGES');
    expect(e.reason).toBeNull();
    expect(e.candidates).toHaveLength(1);
    expect(e.candidates[0]).toMatchObject({ status: 'filtered', deployment: 'sim/tiny', via: null, verdict: { code: 'SWY_ERR_MODEL_NO_IMAGES' } });
  });

  it('explains a model requested by alias, and throws the gateway 404 for an unknown name', () => {
    const { health } = tracker();
    const e = explainRoute(config, health, { model: 'small', prompt: 'hi', now: 0 });
    expect(e.route).toBeNull();
    expect(e.model).toEqual({ id: 'tiny', fallbacks: [] });
    expect(e.candidates.map((c) => [c.rank, c.deployment, c.via])).toEqual([[1, 'sim/tiny', 'model']]);
    expect(e.reason).toMatch(/requested by name/);
    expect(() => explainRoute(config, health, { model: 'nope', prompt: 'hi', now: 0 })).toThrow(expect.objectContaining({ code: 'SWY_ERR_MODEL_NOT_FOUND' }));
  });

  it('turns a prompt into the minimal body of each dialect', () => {
    expect(promptBody('openai-chat', 'm', 'hi')).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(promptBody('anthropic-messages', 'm', 'hi')).toEqual({ model: 'm', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] });
    const { health } = tracker();
    const e = explainRoute(config, health, { model: 'vision', dialect: 'anthropic-messages', prompt: 'hi', now: 0 });
    expect(e.dialect).toBe('anthropic-messages');
    expect(e.features.max_output_tokens).toBe(1024);
  });
});
