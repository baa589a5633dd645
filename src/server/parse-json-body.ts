import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../spec/errors.js';

/**
 * Parses every request body as JSON whatever its content type (curl sends form-encoded by default),
 * with errors that say where the JSON broke.
 */
export function parseJsonBody(_request: FastifyRequest, body: Buffer | string, done: (error: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') {
    done(new GatewayError({ code: 'SWY_ERR_EMPTY_BODY', kind: 'invalid_request', message: 'The request body is empty; send a JSON object.' }));
    return;
  }
  try {
    done(null, JSON.parse(text));
  } catch (error) {
    done(
      new GatewayError({
        code: 'SWY_ERR_INVALID_JSON',
        kind: 'invalid_request',
        message: `The request body is not valid JSON: ${(error as Error).message}.`,
      }),
    );
  }
}
