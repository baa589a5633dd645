/**
 * Cheap cancellation hooks for the request path's own signals.
 *
 * Every upstream call has to be cut when its request is cancelled (client gone, shutdown, a hedge
 * lost). Subscribing with `signal.addEventListener('abort', …)` and unsubscribing when the call ends
 * costs more than it looks: Node's EventTarget allocates a Map, a list root, a Listener and an async
 * closure per signal and call, and bench/gc-cost.mjs showed the upstream call's whole object graph
 * (handler, headers, body, undici's request) surviving scavenges and being promoted to the old
 * generation about twice as much with the listener as without; passthrough cost ~11% more CPU per
 * request in interleaved runs (bench/cpu-ratio.mjs).
 *
 * So the gateway's own controllers are `CancelController`s: their signal carries a slot for hooks
 * (objects with `handleEvent()`, the same shape an EventTarget listener object has) that `abort` calls
 * after the signal's ordinary listeners. `onCancel` uses that slot when the signal has one and falls back
 * to `addEventListener` for any other AbortSignal (tests, `AbortSignal.timeout`), so behaviour is the
 * same either way: a hook added to an already aborted signal is not called (check `signal.aborted`
 * first, as with listeners), a removed hook is never called, and each hook runs at most once.
 */

const HOOKS = Symbol('switchyard.cancelHooks');

export interface CancelHook {
  handleEvent(): void;
}

type HookSlot = CancelHook | CancelHook[] | undefined;
type HookedSignal = AbortSignal & { [HOOKS]?: HookSlot | null };

export class CancelController extends AbortController {
  constructor() {
    super();
    // Marks the signal as hook-capable (own property: `null` = no hooks yet).
    (this.signal as HookedSignal)[HOOKS] = null;
  }

  override abort(reason?: unknown): void {
    const signal = this.signal as HookedSignal;
    if (signal.aborted) return;
    super.abort(reason);
    const slot = signal[HOOKS];
    signal[HOOKS] = null;
    if (!slot) return;
    if (Array.isArray(slot)) for (const hook of slot) run(hook);
    else run(slot);
  }
}

function run(hook: CancelHook): void {
  try {
    hook.handleEvent();
  } catch (error) {
    // As an EventTarget listener's exception: reported as uncaught, never thrown into abort()'s caller.
    process.nextTick(() => {
      throw error;
    });
  }
}

/** Calls `hook.handleEvent()` once when `signal` aborts (not if it already has). */
export function onCancel(signal: AbortSignal, hook: CancelHook): void {
  const hooked = signal as HookedSignal;
  if (!(HOOKS in hooked)) {
    signal.addEventListener('abort', hook, { once: true });
    return;
  }
  if (signal.aborted) return;
  const slot = hooked[HOOKS];
  if (!slot) hooked[HOOKS] = hook;
  else if (Array.isArray(slot)) slot.push(hook);
  else hooked[HOOKS] = [slot, hook];
}

/** Undoes `onCancel` (no effect when the hook is not registered or already ran). */
export function offCancel(signal: AbortSignal, hook: CancelHook): void {
  const hooked = signal as HookedSignal;
  if (!(HOOKS in hooked)) {
    signal.removeEventListener('abort', hook);
    return;
  }
  const slot = hooked[HOOKS];
  if (slot === hook) hooked[HOOKS] = null;
  else if (Array.isArray(slot)) {
    const at = slot.indexOf(hook);
    if (at >= 0) slot.splice(at, 1);
    if (slot.length === 0) hooked[HOOKS] = null;
  }
}
