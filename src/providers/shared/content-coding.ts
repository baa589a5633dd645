import type { Transform } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { GatewayError, UPSTREAM_ERROR_CODES } from '../../spec/errors.js';

/**
 * Upstream answers in a content coding. Every call asks for `accept-encoding: identity`
 * (ACCEPT_IDENTITY), but HTTP lets a server that gets no Accept-Encoding use any coding, proxies and
 * replays of recorded traffic keep `content-encoding: gzip`, and the gateway reads the bytes
 * (usage, SSE framing, translation): so gzip, deflate and br bodies are decoded before anyone sees
 * them, as fetch-based clients do. Decoding runs in zlib's thread pool (no event-loop stall) and the
 * readers' own size limits bound what a small compressed body can expand to.
 */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

/** Request header sent on every upstream call: answer uncompressed. */
export const ACCEPT_IDENTITY = 'identity';

/**
 * The coding a `content-encoding` value asks to undo: undefined for none (absent, empty or
 * `identity`), `unsupported` for anything else (zstd, compress, or several codings stacked).
 */
export function contentCodingOf(value: string | string[] | undefined): ContentCoding | 'unsupported' | undefined {
  if (value === undefined) return undefined;
  const codings = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '' && part !== 'identity');
  if (codings.length === 0) return undefined;
  if (codings.length > 1) return 'unsupported';
  const coding = codings[0];
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate' || coding === 'br') return coding;
  return 'unsupported';
}

/**
 * A decoder for a body in `coding`, chosen by its first bytes: undefined when they show the body is
 * not in that coding after all (a gzip body always starts 1f 8b, a zlib one with a valid CMF/FLG pair),
 * which happens when a replay or proxy keeps the header of a body it already decoded — such a body is
 * read as it is. Brotli has no signature, so a `br` body is always decoded.
 */
export function createContentDecoder(coding: ContentCoding, first: Buffer): Transform | undefined {
  switch (coding) {
    case 'gzip':
      return first[0] === 0x1f && (first.length < 2 || first[1] === 0x8b) ? createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }) : undefined;
    case 'deflate':
      return first.length >= 2 && (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0 ? createInflate({ finishFlush: constants.Z_SYNC_FLUSH }) : undefined;
    case 'br':
      return createBrotliDecompress({ finishFlush: constants.BROTLI_OPERATION_FLUSH });
  }
}

export function unsupportedContentCoding(provider: string, value: string | string[]): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.BAD_RESPONSE,
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: `Upstream ${provider} answered in a content coding the gateway cannot read (content-encoding: ${headerValueForMessage(value)}); it was asked for identity.`,
    retryable: true,
    provider,
  });
}

export function undecodableBody(provider: string, coding: ContentCoding, cause: unknown): GatewayError {
  return new GatewayError({
    code: UPSTREAM_ERROR_CODES.BAD_RESPONSE,
    kind: 'upstream_error',
    origin: 'upstream',
    status: 502,
    message: `Upstream ${provider} sent a body marked content-encoding: ${coding} that does not decode (${cause instanceof Error ? cause.message : String(cause)}).`,
    retryable: true,
    provider,
    cause,
  });
}

/** A header value fit for an error message: printable ASCII, at most 64 characters. */
export function headerValueForMessage(value: string | string[]): string {
  return (Array.isArray(value) ? value.join(', ') : value).replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}
