import { Cancellation } from '../execution/cancellation.js';

/** What a tracked request can be cancelled through (an AbortController or the request path's CancelController). */
export interface Abortable {
  abort(reason?: unknown): void;
}

/** One open request in the Lifecycle's list (returned by `track`, given back to `untrack`). */
export interface OpenRequest {
  controller: Abortable | undefined;
  previous: OpenRequest | undefined;
  next: OpenRequest | undefined;
}

/**
 * The gateway's open requests and whether it is draining. Each chat request registers its controller
 * while it runs, so a shutdown that reaches its drain deadline can end every open stream with the
 * dialect's own error event (and meter it) instead of leaving a supervisor's SIGKILL to cut it.
 *
 * The open requests are a doubly-linked list threaded through one small object per request, not a
 * Set that every request adds to and deletes from (a long-lived hash table under constant churn is
 * rehashed over and over). In bench/gc-cost.mjs the list alone was within noise; together with the
 * light request signal it measured fewer bytes promoted per request than the signal change alone.
 * A node leaves the list with its links cleared, so a dead node holds nothing.
 */
export class Lifecycle {
  draining = false;
  private head: OpenRequest | undefined;

  track(controller: Abortable): OpenRequest {
    const node: OpenRequest = { controller, previous: undefined, next: this.head };
    if (this.head) this.head.previous = node;
    this.head = node;
    return node;
  }

  untrack(node: OpenRequest): void {
    if (node.controller === undefined) return; // already untracked
    if (node.previous) node.previous.next = node.next;
    else if (this.head === node) this.head = node.next;
    if (node.next) node.next.previous = node.previous;
    node.controller = undefined;
    node.previous = undefined;
    node.next = undefined;
  }

  /** How many requests are open. */
  get size(): number {
    let count = 0;
    for (let node = this.head; node; node = node.next) count++;
    return count;
  }

  /** Cancels every open request with the shutdown reason. */
  cancelAll(): void {
    const controllers: Abortable[] = [];
    for (let node = this.head; node; node = node.next) if (node.controller) controllers.push(node.controller);
    for (const controller of controllers) controller.abort(new Cancellation('shutdown'));
  }
}
