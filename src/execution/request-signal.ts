/**
 * The request path's own cancellation signal.
 *
 * Every chat request has a signal (client gone, shutdown), every upstream call subscribes to it and
 * unsubscribes when it ends, and a hedged attempt has one of its own. Node's `AbortController` makes
 * each signal an EventTarget (two Maps, a prototype swap) and each subscription a Map entry, a list
 * root, a `Listener` and an async closure; in bench/gc-cost.mjs that machinery made each upstream
 * call's object graph (handler, headers, body, undici's request) survive scavenges and be promoted to
 * the old generation about twice as often, and the signals themselves were still the largest thing
 * promoted afterwards. So the gateway's controllers are `CancelController`s whose signal is a
 * `RequestSignal`: a small object with the part of the AbortSignal interface the request path uses —
 * `aborted`, `reason`, `throwIfAborted()`, `onabort`, and `addEventListener` / `removeEventListener`
 * for 'abort' (a function or an object with `handleEvent`, `once`, listeners called in order, a
 * listener's exception reported as uncaught rather than thrown into `abort()`'s caller, as
 * EventTarget does). It is typed as `AbortSignal` for the code that reads it; it is NOT an
 * EventTarget, so it must not be handed to Node or undici APIs that take a signal (none on the request
 * path do: upstream calls are cut through their handler).
 */

type AbortListener = ((event: AbortEvent) => void) | { handleEvent(event: AbortEvent): void };

/** What a listener receives: the event's type and the signal (no Event object is built). */
export interface AbortEvent {
  readonly type: 'abort';
  readonly target: AbortSignal;
}

export class RequestSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((event: AbortEvent) => void) | null = null;
  /** One listener, or several in order; `once` ones are dropped when they run (all run at most once anyway). */
  private listeners: AbortListener | AbortListener[] | undefined;

  addEventListener(type: string, listener: AbortListener | null | undefined): void {
    if (type !== 'abort' || listener == null || this.aborted) return;
    const held = this.listeners;
    if (held === undefined) this.listeners = listener;
    else if (Array.isArray(held)) {
      if (!held.includes(listener)) held.push(listener);
    } else if (held !== listener) this.listeners = [held, listener];
  }

  removeEventListener(type: string, listener: AbortListener | null | undefined): void {
    if (type !== 'abort' || listener == null) return;
    const held = this.listeners;
    if (held === listener) this.listeners = undefined;
    else if (Array.isArray(held)) {
      const at = held.indexOf(listener);
      if (at >= 0) held.splice(at, 1);
    }
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** Aborts with `reason` and calls `onabort` and every listener once. */
  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const held = this.listeners;
    this.listeners = undefined;
    const event: AbortEvent = { type: 'abort', target: this as unknown as AbortSignal };
    if (this.onabort) call(this.onabort, event);
    if (held === undefined) return;
    if (Array.isArray(held)) for (const listener of held) call(listener, event);
    else call(held, event);
  }
}

function call(listener: AbortListener, event: AbortEvent): void {
  try {
    if (typeof listener === 'function') listener(event);
    else listener.handleEvent(event);
  } catch (error) {
    // As an EventTarget listener's exception: reported as uncaught, never thrown into abort()'s caller.
    process.nextTick(() => {
      throw error;
    });
  }
}

/** An AbortController for the request path, with a `RequestSignal` (see above). */
export class CancelController {
  readonly signal: AbortSignal = new RequestSignal() as unknown as AbortSignal;

  abort(reason?: unknown): void {
    (this.signal as unknown as RequestSignal).fire(reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason);
  }
}
