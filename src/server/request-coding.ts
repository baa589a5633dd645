import { brotliDecompress, constants, gunzip, inflate } from 'node:zlib';
import { contentCodingOf, headerValueForMessage } from '../providers/shared/content-coding.js';
import { GatewayError } from '../spec/errors.js';
import { bodyTooLargeError } from './parse-json-body.js';

/**
 * A request body sent with `content-encoding` (gzip, x-gzip, deflate or br) is decoded before it is
 * parsed, on every route: in zlib's thread pool (no event-loop stall) and never past the body limit,
 * which applies to the decoded bytes (a small compressed body cannot expand into gigabytes). `done`
 * gets the body as it is when there is no coding (synchronously), the decoded body, or the error: 415
 * for a coding the gateway does not read, 413 past the limit, 400 for bytes that do not decode.
 */
export function decodeRequestBody(bytes: Buffer, encoding: string | string[] | undefined, limit: number, done: (body: Buffer | GatewayError) => void): void {
  const coding = contentCodingOf(encoding);
  if (coding === undefined) return done(bytes);
  if (coding === 'unsupported') return done(unsupportedRequestCoding(encoding!));
  const finished = (error: Error | null, decoded: Buffer) => {
    if (!error) return done(decoded);
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return done(bodyTooLargeError(limit));
    done(new GatewayError({ code: 'SWY_ERR_BODY_ENCODING', kind: 'invalid_request', message: `The request body is marked content-encoding: ${coding} but does not decode (${error.message}).` }));
  };
  if (coding === 'br') brotliDecompress(bytes, { maxOutputLength: limit }, finished);
  else if (coding === 'deflate') inflate(bytes, { maxOutputLength: limit, finishFlush: constants.Z_SYNC_FLUSH }, finished);
  else gunzip(bytes, { maxOutputLength: limit }, finished);
}

function unsupportedRequestCoding(encoding: string | string[]): GatewayError {
  return new GatewayError({
    code: 'SWY_ERR_UNSUPPORTED_CONTENT_ENCODING',
    kind: 'invalid_request',
    status: 415,
    message: `The request body's content-encoding (${headerValueForMessage(encoding)}) is not one the gateway reads: send it uncompressed, or as gzip, deflate or br.`,
  });
}
