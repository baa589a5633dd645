import { describe, expect, it } from 'vitest';
import { CancelController } from '../../src/execution/request-signal.js';

interface Hook {
  handleEvent(): void;
}

function recorder(log: string[], name: string, signal?: AbortSignal): Hook {
  return { handleEvent: () => log.push(`${name}:${String(signal?.reason)}`) };
}

describe('abort listeners: a CancelController behaves as an AbortController', () => {
  for (const kind of ['CancelController', 'plain AbortController'] as const) {
    const make = () => (kind === 'CancelController' ? new CancelController() : new AbortController());

    it(`${kind}: every registered hook runs once on abort, after the signal is aborted; removed ones never`, () => {
      const controller = make();
      const log: string[] = [];
      const a = recorder(log, 'a', controller.signal);
      const b = recorder(log, 'b', controller.signal);
      const c = recorder(log, 'c', controller.signal);
      controller.signal.addEventListener('abort', a);
      controller.signal.addEventListener('abort', b);
      controller.signal.addEventListener('abort', c);
      controller.signal.removeEventListener('abort', b);
      controller.signal.removeEventListener('abort', b); // twice: no effect
      controller.abort('gone');
      controller.abort('again'); // a second abort changes nothing
      expect(log).toEqual(['a:gone', 'c:gone']);
    });

    it(`${kind}: a hook added after the abort is not called; listeners still fire`, () => {
      const controller = make();
      const log: string[] = [];
      controller.signal.addEventListener('abort', () => log.push('listener'));
      controller.signal.addEventListener('abort', recorder(log, 'hook', controller.signal));
      controller.abort('x');
      controller.signal.addEventListener('abort', recorder(log, 'late', controller.signal));
      expect(log).toEqual(['listener', 'hook:x']);
      expect(controller.signal.aborted).toBe(true);
    });
  }

  it('a single hook removed before the abort leaves nothing to call', () => {
    const controller = new CancelController();
    const log: string[] = [];
    const hook = recorder(log, 'h');
    controller.signal.addEventListener('abort', hook);
    controller.signal.removeEventListener('abort', hook);
    controller.abort();
    expect(log).toEqual([]);
  });

  it('a throwing hook does not stop the others nor reach the caller of abort', async () => {
    const controller = new CancelController();
    const log: string[] = [];
    controller.signal.addEventListener('abort', { handleEvent: () => { throw new Error('boom'); } });
    controller.signal.addEventListener('abort', recorder(log, 'after'));
    const uncaught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    expect(() => controller.abort('r')).not.toThrow();
    expect(log).toEqual(['after:undefined']);
    expect(((await uncaught) as Error).message).toBe('boom');
  });
});

describe("the request path's RequestSignal", () => {
  it('has the AbortSignal surface the gateway reads', () => {
    const controller = new CancelController();
    const signal = controller.signal;
    const seen: string[] = [];
    signal.onabort = (event) => seen.push(`onabort:${event.type}`);
    const listener = (event: Event) => seen.push(`fn:${event.type}:${event.target === signal}`);
    signal.addEventListener('abort', listener);
    signal.addEventListener('abort', listener); // the same listener twice: called once
    signal.addEventListener('other' as 'abort', () => seen.push('never'));
    expect(signal.aborted).toBe(false);
    expect(() => signal.throwIfAborted()).not.toThrow();
    controller.abort();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('AbortError');
    expect(() => signal.throwIfAborted()).toThrow(DOMException);
    expect(seen).toEqual(['onabort:abort', 'fn:abort:true']);
  });

  it('keeps the given reason and forgets its listeners once fired', () => {
    const controller = new CancelController();
    const reason = new Error('client went away');
    let calls = 0;
    controller.signal.addEventListener('abort', () => calls++);
    controller.abort(reason);
    controller.abort(new Error('later'));
    expect(controller.signal.reason).toBe(reason);
    expect(calls).toBe(1);
  });
});
