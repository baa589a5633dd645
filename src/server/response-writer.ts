import type { ServerResponse } from 'node:http';
import type { DialectCodec } from '../dialects/dialect.js';
import type { Attempt } from '../execution/attempt.js';
import { cancelReason, cancellationError } from '../execution/cancellation.js';
import { formatWarningsHeader, type GatewayError } from '../spec/index.js';
import { toGatewayError } from '../spec/errors.js';
import { formatUsdNanos } from '../metering/compute-cost.js';
import { requestCostNanos } from './attempt-billing.js';
import type { EchoGuard } from './echo-guard.js';
import { SSE_HEADERS, writeSse } from './write-sse.js';

/** How writing the committed attempt ended. */
export interface WriteOutcome {
  /** Set when the answer did not complete: an upstream failure after commit, a cut, a shutdown. */
  failure?: GatewayError;
}

/** The request's cost (all its billed attempts) in USD: a header on complete answers, an HTTP trailer on streams. */
export const COST_HEADER = 'x-switchyard-cost-usd';

/**
 * The one response writer for both modes. It commits to the client only with an attempt that is
 * ready (complete body, or a stream that produced its first content), so everything before that
 * point could still fail over invisibly. It owns the headers (gateway, upstream, warnings, cost) and
 * the in-stream error: a failure after commit ends the stream with the dialect's own error event.
 * `attempts` (every attempt of the request) and `inputTokens` (the prompt estimate for cut answers)
 * price the request as its ledger rows will: x-switchyard-cost-usd is known before a complete body's
 * headers, and comes as a trailer (declared in `Trailer`) at the end of a chunked stream. `guard`
 * (echo-guard.ts) takes the call's own credentials out of forwarded header values and written bytes.
 */
export function writeCommitted(
  res: ServerResponse,
  codec: DialectCodec,
  signal: AbortSignal,
  attempt: Attempt,
  gatewayHeaders: readonly string[],
  attempts: readonly Attempt[] = [attempt],
  inputTokens: () => number = () => 0,
  guard?: EchoGuard,
): WriteOutcome | Promise<WriteOutcome> {
  const source = attempt.source!;
  // Headers as one flat [name, value, …] list: no merged object built per request.
  const headers: string[] = [];
  const stream = source.body === undefined;
  for (const name in source.head.headers) {
    // A stream is sent as SSE whatever the upstream labelled it (text/plain, none…): writeStream sets its content type.
    if (stream && name === 'content-type') continue;
    headers.push(name, guard ? guard.text(source.head.headers[name]) : source.head.headers[name]);
  }
  for (const value of gatewayHeaders) headers.push(value);
  if (source.head.upstreamRequestId) headers.push('x-switchyard-upstream-request-id', guard ? guard.text(source.head.upstreamRequestId) : source.head.upstreamRequestId);
  if (source.head.warnings.length) headers.push('x-switchyard-warnings', formatWarningsHeader(source.head.warnings));

  if (source.body !== undefined) {
    const body = guard ? guard.bytes(source.body) : source.body;
    if (source.head.headers['content-type'] === undefined) headers.push('content-type', 'application/json');
    headers.push('content-length', String(Buffer.byteLength(body)));
    headers.push(COST_HEADER, formatUsdNanos(requestCostNanos(attempts, attempt, undefined, inputTokens)));
    res.writeHead(200, headers);
    res.end(body);
    return COMPLETE; // synchronously: no promise for the common case
  }
  return writeStream(res, codec, signal, attempt, headers, attempts, inputTokens, guard);
}

const COMPLETE: WriteOutcome = Object.freeze({});

/** A committed stream: buffered events, then the rest as they come; the in-stream error and the cost trailer. */
async function writeStream(
  res: ServerResponse,
  codec: DialectCodec,
  signal: AbortSignal,
  attempt: Attempt,
  headers: string[],
  attempts: readonly Attempt[],
  inputTokens: () => number,
  guard: EchoGuard | undefined,
): Promise<WriteOutcome> {
  const source = attempt.source!;
  for (const name in SSE_HEADERS) if (name === 'content-type' || source.head.headers[name] === undefined) headers.push(name, SSE_HEADERS[name]);
  headers.push('trailer', COST_HEADER);
  res.writeHead(200, headers);
  // Corked while events are at hand: the head, the events buffered before commit and whatever else is
  // already queued leave in one socket write, not one per event; uncorked before anything is awaited.
  const cork = new Cork(res);
  let failure: GatewayError | undefined;
  try {
    for (const event of attempt.buffered) {
      if (event.bytes === undefined || event.bytes.length === 0) continue;
      const pending = writeSse(res, guard ? guard.bytes(event.bytes) : event.bytes);
      if (pending) await cork.flushed(pending);
    }
    const events = source.events!;
    for (;;) {
      if (signal.aborted || res.destroyed) break;
      const next = events.poll?.() ?? (await cork.flushed(events.next()));
      if (next.done) break;
      const event = next.value;
      if (event.kind === 'error') {
        failure = event.error;
        break;
      }
      if (event.bytes === undefined || event.bytes.length === 0) continue;
      cork.hold();
      // Synchronous unless the socket pushes back: an await per event would cost a microtask and a promise on every token.
      const pending = writeSse(res, guard ? guard.bytes(event.bytes) : event.bytes);
      if (pending) await cork.flushed(pending);
    }
  } catch (error) {
    failure = toGatewayError(error);
  }
  cork.flush();
  // Who cut the stream decides what is said: nothing to a client that left, the dialect's error otherwise.
  const reason = cancelReason(signal);
  if (reason) failure = cancellationError(reason, attempt.deployment.model.provider);
  else if (!failure && !source.finished() && res.destroyed) failure = cancellationError('client-closed');
  if (!res.destroyed) {
    if (failure && reason !== 'client-closed') await writeSse(res, codec.encodeStreamError(failure));
    // Dropped by Node when the response is not chunked (an HTTP/1.0 client); the ledger has it either way.
    if (!res.destroyed) res.addTrailers({ [COST_HEADER]: formatUsdNanos(requestCostNanos(attempts, attempt, failure, inputTokens)) });
    res.end();
  }
  return failure ? { failure } : {};
}

/** A response's cork: held while writes are synchronous, flushed before each wait. */
class Cork {
  private held = true;

  constructor(private readonly res: ServerResponse) {
    res.cork();
  }

  hold(): void {
    if (this.held) return;
    this.held = true;
    this.res.cork();
  }

  flush(): void {
    if (!this.held) return;
    this.held = false;
    this.res.uncork();
  }

  /** Flushes what is held, then waits. */
  flushed<T>(waiting: Promise<T>): Promise<T> {
    this.flush();
    return waiting;
  }
}
