import type { z } from 'zod';
import { invalidRequest, type GatewayError } from '../../spec/errors.js';

/**
 * Client-input errors for the OpenAI Chat dialect. `param` uses OpenAI's own notation
 * (`messages[2].content[0].image_url`), so a client sees the same pointer the OpenAI API would give.
 */

export type ParamPath = ReadonlyArray<string | number | symbol>;

/** Joins a path into OpenAI's param notation: keys with dots, array indices in brackets. */
export function formatParam(path: ParamPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** A 400 naming the field at fault. */
export function invalidParam(path: ParamPath, message: string): GatewayError {
  return invalidRequest(message, path.length === 0 ? undefined : formatParam(path));
}

/**
 * Validates `value` with a zod schema. On failure throws a 400 for the first issue, with `param` set
 * to `basePath` plus the issue's own path and a message that says what was expected.
 */
export function parseWithSchema<T>(schema: z.ZodType<T>, value: unknown, basePath: ParamPath): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw issueToInvalidRequest(result.error.issues[0], basePath);
}

function issueToInvalidRequest(issue: z.core.$ZodIssue, basePath: ParamPath): GatewayError {
  const deepest = deepestIssue(issue);
  const path = [...basePath, ...deepest.path];
  const param = formatParam(path);
  const detail = describeIssue(deepest);
  if (detail.missing) return invalidParam(path, `Missing required parameter: '${param}'.`);
  return invalidParam(path, `Invalid value for '${param === '' ? 'body' : param}': ${detail.text}.`);
}

/**
 * For a failed union, the branch that got furthest (longest issue path) explains the failure best:
 * `content: [{type:'text', text: 5}]` should report `content[0].text`, not "expected string".
 * Paths of nested issues are made absolute.
 */
function deepestIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first === undefined) continue;
    if (best === undefined || first.path.length > best.path.length) best = first;
  }
  if (best === undefined || best.path.length === 0) return issue;
  const nested = deepestIssue(best);
  return { ...nested, path: [...issue.path, ...nested.path] } as z.core.$ZodIssue;
}

function describeIssue(issue: z.core.$ZodIssue): { text: string; missing: boolean } {
  if (issue.code === 'invalid_union') {
    const expected = new Set<string>();
    let received: string | undefined;
    for (const branch of issue.errors) {
      const first = branch[0];
      if (first?.code === 'invalid_type') {
        expected.add(first.expected);
        received ??= receivedOf(first.message);
      }
    }
    if (expected.size > 0) {
      return {
        text: `expected ${[...expected].join(' or ')}${received ? `, received ${received}` : ''}`,
        missing: received === 'undefined',
      };
    }
    return { text: 'does not match any accepted form', missing: false };
  }
  if (issue.code === 'invalid_type') {
    const received = receivedOf(issue.message);
    const expected = issue.expected === 'int' ? 'an integer' : issue.expected;
    return { text: `expected ${expected}${received ? `, received ${received}` : ''}`, missing: received === 'undefined' };
  }
  return { text: issue.message.replace(/^(Invalid input|Invalid option|Too small|Too big): /, ''), missing: false };
}

function receivedOf(message: string): string | undefined {
  return /received (\w+)/.exec(message)?.[1];
}
