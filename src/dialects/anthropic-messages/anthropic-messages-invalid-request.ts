import type { z } from 'zod';
import { GatewayError, invalidRequest } from '../../spec/errors.js';

/**
 * Client-input errors for the Anthropic Messages dialect, worded the way the Anthropic API words
 * its own 400s: `<dotted.path>: <problem>` (e.g. `max_tokens: Field required`,
 * `messages.0.content.1.source.media_type: Input should be 'image/jpeg', ...`). `param` is the same
 * dotted path, so a client can find the field without parsing the message.
 */

export type FieldPath = ReadonlyArray<string | number | symbol>;

/**
 * Code for valid Anthropic input that only an Anthropic upstream can take (server tools, document
 * blocks, Files API sources, …). The server can recognise it and route the request to same-dialect
 * passthrough instead of failing.
 */
export const REQUIRES_ANTHROPIC_UPSTREAM = 'SWY_ERR_REQUIRES_ANTHROPIC_UPSTREAM';

/** Joins a path the way Anthropic does: `messages.0.content.1.type`. */
export function formatFieldPath(path: FieldPath): string {
  return path.map((segment) => String(segment)).join('.');
}

/** A 400 for the field at `path`, message `<path>: <problem>`. */
export function invalidField(path: FieldPath, problem: string): GatewayError {
  if (path.length === 0) return invalidRequest(problem);
  const param = formatFieldPath(path);
  return invalidRequest(`${param}: ${problem}`, param);
}

/**
 * A 400 for input that is valid Anthropic but has no canonical form, so it can only be served by
 * passing the request through to an Anthropic upstream.
 */
export function requiresAnthropicUpstream(path: FieldPath, what: string): GatewayError {
  const param = formatFieldPath(path);
  return new GatewayError({
    code: REQUIRES_ANTHROPIC_UPSTREAM,
    kind: 'invalid_request',
    origin: 'client',
    param,
    message:
      `${param}: ${what} is not supported when Switchyard translates the request for another provider; ` +
      'it works only when the request is passed through unchanged to an Anthropic upstream. ' +
      'Route this model to an Anthropic provider, or remove it from the request.',
  });
}

/** The pydantic-style "Input tag … does not match" message Anthropic gives for an unknown `type`. */
export function unknownTag(path: FieldPath, tag: unknown, expected: readonly string[]): GatewayError {
  return invalidField(
    path,
    `Input tag '${String(tag)}' found using 'type' does not match any of the expected tags: ${expected.map((e) => `'${e}'`).join(', ')}`,
  );
}

/**
 * Validates `value` with `schema`; on failure throws a 400 for the first issue with `param` set to
 * `basePath` plus the issue's own path.
 */
export function parseField<T>(schema: z.ZodType<T>, value: unknown, basePath: FieldPath): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return throwIssue(issue, basePath);
}

function throwIssue(issue: z.core.$ZodIssue, basePath: FieldPath): never {
  throw invalidField([...basePath, ...issue.path], describeIssue(issue));
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a valid string',
  number: 'a valid number',
  int: 'a valid integer',
  boolean: 'a valid boolean',
  array: 'a valid list',
  object: 'a valid dictionary',
  record: 'a valid dictionary',
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const missing = issue.input === undefined;
  switch (issue.code) {
    case 'invalid_type':
      if (missing) return 'Field required';
      return `Input should be ${TYPE_WORDS[issue.expected] ?? `of type ${issue.expected}`}`;
    case 'too_small': {
      const bound = Number(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set') return `List should have at least ${bound} item${bound === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `String should have at least ${bound} character${bound === 1 ? '' : 's'}`;
      return `Input should be greater than ${issue.inclusive ? 'or equal to ' : ''}${bound}`;
    }
    case 'too_big': {
      const bound = Number(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set') return `List should have at most ${bound} item${bound === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `String should have at most ${bound} character${bound === 1 ? '' : 's'}`;
      return `Input should be less than ${issue.inclusive ? 'or equal to ' : ''}${bound}`;
    }
    case 'invalid_union':
      return missing ? 'Field required' : issue.message;
    case 'invalid_value':
      if (missing) return 'Field required';
      return `Input should be ${joinAlternatives(issue.values.map((v) => `'${String(v)}'`))}`;
    default:
      return issue.message;
  }
}

function joinAlternatives(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
