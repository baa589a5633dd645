import type { StreamEventKind } from '../providers/provider.js';
import type { Deployment } from '../routing/deployment.js';
import type { GatewayError, Usage, Warning } from '../spec/index.js';
import { toGatewayError } from '../spec/errors.js';
import { CancelController } from './request-signal.js';
import { Cancellation, cancellationError, cancelReason, type CancelReason } from './cancellation.js';

/** One event of an attempt's stream, already in the client's wire format. */
export interface AttemptEvent {
  kind: StreamEventKind;
  /** Bytes for the client (raw upstream SSE for passthrough, encoded SSE text for translation). */
  bytes?: string | Uint8Array;
  error?: GatewayError;
}

/** What the client will be told about the answer (written when the attempt is committed). */
export interface AttemptHead {
  /** Upstream response headers worth forwarding (passthrough: content type, request ids, rate limits). */
  headers: Record<string, string>;
  upstreamRequestId?: string;
  warnings: Warning[];
}

/**
 * An attempt's events; `poll` (passthrough and translated streams have it) takes one already queued, or
 * the end, without a promise; `close` releases them as `return()` does, without one.
 */
export interface AttemptEvents extends AsyncIterator<AttemptEvent> {
  poll?(): IteratorResult<AttemptEvent> | undefined;
  close?(): void;
}

/**
 * One upstream call that has been accepted (2xx), in either mode, seen the same way: a head, then
 * either a complete body or a sequence of tagged events, plus what is known for metering.
 */
export interface AttemptSource {
  readonly head: AttemptHead;
  /** Non-stream: the complete response in the client's dialect (JSON). */
  readonly body?: string | Buffer;
  /** Stream: the events; ends after a `finish` (with any trailer) or an `error`. */
  readonly events?: AttemptEvents;
  usage(): Usage | undefined;
  finished(): boolean;
  deliveredChars(): number;
}

export type AttemptState = 'opening' | 'ready' | 'failed' | 'cancelled' | 'done';

/** The usage an attempt is billed for and where it came from (server/attempt-billing.ts decides it). */
export interface MeteredUsage {
  readonly usage: Usage;
  readonly usageSource: 'reported' | 'estimated' | 'none';
}

/**
 * One attempt at one deployment. `prime()` opens the upstream call and, for streams, reads until the
 * first content part (or the finish of an empty answer), buffering what came before: any failure up to
 * that point throws, and the attempt loop can retry or fall over without the client seeing anything.
 * A cancellable attempt (one that may race another: a hedge) has its own signal, linked to the
 * request's, so it can be cancelled alone with a reason that is never mistaken for a client
 * disconnect. Any other attempt uses the request's signal itself: no controller or listener per call
 * on the hot path.
 */
export class Attempt {
  private readonly controller?: CancelController;
  readonly signal: AbortSignal;
  readonly startedAt = performance.now();
  state: AttemptState = 'opening';
  source?: AttemptSource;
  error?: GatewayError;
  /** ms from the attempt's start to its first content (or complete body). */
  ttftMs?: number;
  endedAt?: number;
  /** Set once when the attempt's usage is metered (cost header or ledger), so both use the same counts. */
  metered?: MeteredUsage;
  readonly buffered: AttemptEvent[] = [];
  private readonly unlink: () => void;

  constructor(
    readonly number: number,
    readonly deployment: Deployment,
    requestSignal: AbortSignal,
    private readonly open: (signal: AbortSignal) => Promise<AttemptSource>,
    cancellable = false,
  ) {
    if (!cancellable) {
      this.signal = requestSignal;
      this.unlink = () => undefined;
      return;
    }
    const controller = new CancelController();
    this.controller = controller;
    this.signal = controller.signal;
    const onAbort = () => controller.abort(requestSignal.reason);
    if (requestSignal.aborted) onAbort();
    else requestSignal.addEventListener('abort', onAbort, { once: true });
    this.unlink = () => requestSignal.removeEventListener('abort', onAbort);
  }

  /**
   * Opens the call and reads up to the commit point. Rejects with the attempt's typed error on failure.
   * A promise chain (one promise for a complete answer), not an async function.
   */
  prime(): Promise<void> {
    let opened: Promise<AttemptSource>;
    try {
      opened = this.open(this.signal);
    } catch (error) {
      return Promise.reject(this.fail(error));
    }
    return opened.then(
      (source) => this.opened(source),
      (error: unknown) => {
        throw this.fail(error);
      },
    );
  }

  private opened(source: AttemptSource): void | Promise<void> {
    this.source = source;
    const events = source.events;
    if (!events) return this.ready();
    return this.readToCommit(events);
  }

  /** A stream: reads (buffering) until its first content part, or the finish of an empty answer. */
  private async readToCommit(events: AttemptEvents): Promise<void> {
    for (;;) {
      let next: IteratorResult<AttemptEvent>;
      try {
        next = events.poll?.() ?? (await events.next());
      } catch (error) {
        throw this.fail(error);
      }
      if (next.done) throw this.fail(new Error('the stream ended without an answer'));
      const event = next.value;
      if (event.kind === 'error') throw this.fail(event.error);
      this.buffered.push(event);
      if (event.kind === 'content' || event.kind === 'finish') {
        this.ready();
        return;
      }
    }
  }

  /** Cancels a cancellable attempt (its upstream call is aborted and its body released). */
  cancel(reason: CancelReason): void {
    if (this.state === 'done' || this.state === 'failed' || this.state === 'cancelled') return;
    if (!this.controller) throw new Error('only an attempt created cancellable can be cancelled alone');
    this.state = 'cancelled';
    this.controller.abort(new Cancellation(reason));
    this.release();
  }

  /** The attempt is over (written, failed after commit, or abandoned): release the upstream body. */
  finish(): void {
    if (this.state === 'ready') this.state = 'done';
    this.release();
  }

  /** Did the upstream accept the call (2xx)? Providers bill from then on. */
  get billed(): boolean {
    return this.source !== undefined;
  }

  private ready(): void {
    this.state = 'ready';
    this.ttftMs = performance.now() - this.startedAt;
  }

  private fail(error: unknown): GatewayError {
    const reason = cancelReason(this.signal);
    this.error = reason ? cancellationError(reason, this.deployment.model.provider) : toGatewayError(error);
    if (this.state === 'opening') this.state = reason ? 'cancelled' : 'failed';
    this.release();
    return this.error;
  }

  private release(): void {
    if (this.endedAt === undefined) this.endedAt = performance.now();
    this.unlink();
    const events = this.source?.events;
    if (events?.close) events.close();
    else if (events?.return) void events.return(undefined).catch(() => undefined);
  }
}
