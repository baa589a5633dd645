import { Cancellation } from '../execution/cancellation.js';

/**
 * The gateway's open requests and whether it is draining. Each chat request registers its controller
 * while it runs, so a shutdown that reaches its drain deadline can end every open stream with the
 * dialect's own error event (and meter it) instead of leaving a supervisor's SIGKILL to cut it.
 */
export class Lifecycle {
  draining = false;
  private readonly open = new Set<AbortController>();

  track(controller: AbortController): void {
    this.open.add(controller);
  }

  untrack(controller: AbortController): void {
    this.open.delete(controller);
  }

  /** Cancels every open request with the shutdown reason. */
  cancelAll(): void {
    for (const controller of this.open) controller.abort(new Cancellation('shutdown'));
  }
}
