import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../spec/errors.js';
import { decodeRequestBody } from './request-coding.js';

/**
 * Builds the body parser: every request body is parsed as JSON whatever its content type (curl sends
 * form-encoded by default), after undoing its content-encoding (request-coding.ts), with errors that
 * say where the JSON broke. Bodies nested deeper than
 * `maxDepth` are refused before parsing: the gateway serialises bodies again (JSON.stringify recurses),
 * and a ~35 KB body nested thousands of levels deep would otherwise overflow the stack.
 */
export function jsonBodyParser(maxDepth: number, bodyLimitBytes: number) {
  return function parseJsonBody(request: FastifyRequest, body: Buffer | string, done: (error: Error | null, value?: unknown) => void): void {
    const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    decodeRequestBody(raw, request.headers['content-encoding'], bodyLimitBytes, (bytes) => {
      if (GatewayError.is(bytes)) return done(bytes);
      let value: unknown;
      try {
        value = parseJsonRequestBody(bytes, maxDepth);
      } catch (error) {
        done(error as Error);
        return;
      }
      done(null, value);
    });
  };
}

/** Parses a request body (any content type) as JSON; throws the typed error for a body too deep, empty or not JSON. */
export function parseJsonRequestBody(bytes: Buffer, maxDepth: number): unknown {
  const depth = jsonNestingDepth(bytes, maxDepth);
  if (depth > maxDepth) {
    throw new GatewayError({
      code: 'SWY_ERR_BODY_TOO_DEEP',
      kind: 'invalid_request',
      message: `The request body nests objects and arrays more than ${maxDepth} levels deep; flatten it.`,
    });
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new GatewayError({ code: 'SWY_ERR_EMPTY_BODY', kind: 'invalid_request', message: 'The request body is empty; send a JSON object.' });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError({
      code: 'SWY_ERR_INVALID_JSON',
      kind: 'invalid_request',
      message: `The request body is not valid JSON: ${(error as Error).message}.`,
    });
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The deepest nesting of `{`/`[` outside strings, in one linear pass over the bytes; stops counting
 * once `limit` is exceeded. Malformed JSON is measured the same way (JSON.parse reports it after).
 * Strings are skipped with native searches, so long string values cost little.
 */
export function jsonNestingDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let deepest = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      // Jump to the closing quote: the next quote not preceded by an odd run of backslashes.
      let j = i + 1;
      for (;;) {
        j = bytes.indexOf(QUOTE, j);
        if (j < 0) return deepest;
        let slashes = 0;
        for (let k = j - 1; k > i && bytes[k] === BACKSLASH; k--) slashes++;
        if (slashes % 2 === 0) break;
        j++;
      }
      i = j;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/** A request body over `server.bodyLimitBytes` (announced or counted), on every route. */
export function bodyTooLargeError(limitBytes: number): GatewayError {
  return new GatewayError({
    code: 'SWY_ERR_BODY_TOO_LARGE',
    kind: 'request_too_large',
    message: `Request body is too large: the limit is ${limitBytes} bytes (server.bodyLimitBytes).`,
  });
}
