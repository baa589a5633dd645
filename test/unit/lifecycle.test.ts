import { describe, expect, it } from 'vitest';
import { Cancellation } from '../../src/execution/cancellation.js';
import { Lifecycle } from '../../src/server/lifecycle.js';

describe('Lifecycle (open requests)', () => {
  it('cancels exactly the requests still open, with the shutdown reason, whatever order they left in', () => {
    const lifecycle = new Lifecycle();
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const nodes = controllers.map((c) => lifecycle.track(c));
    expect(lifecycle.size).toBe(5);
    lifecycle.untrack(nodes[2]); // middle
    lifecycle.untrack(nodes[4]); // head (the newest)
    lifecycle.untrack(nodes[0]); // tail (the oldest)
    lifecycle.untrack(nodes[0]); // twice: no effect
    expect(lifecycle.size).toBe(2);
    lifecycle.cancelAll();
    expect(controllers.map((c) => c.signal.aborted)).toEqual([false, true, false, true, false]);
    const reason = controllers[1].signal.reason as Cancellation;
    expect(reason).toBeInstanceOf(Cancellation);
    expect(reason.reason).toBe('shutdown');
  });

  it('a node that left holds no reference to its controller or its neighbours', () => {
    const lifecycle = new Lifecycle();
    const a = lifecycle.track(new AbortController());
    const b = lifecycle.track(new AbortController());
    const c = lifecycle.track(new AbortController());
    lifecycle.untrack(b);
    expect(b).toEqual({ controller: undefined, previous: undefined, next: undefined });
    expect(c.next).toBe(a);
    expect(a.previous).toBe(c);
    lifecycle.untrack(c);
    lifecycle.untrack(a);
    expect(lifecycle.size).toBe(0);
    lifecycle.cancelAll(); // nothing open: nothing to do
    const d = new AbortController();
    lifecycle.untrack(lifecycle.track(d));
    lifecycle.cancelAll();
    expect(d.signal.aborted).toBe(false);
  });
});
