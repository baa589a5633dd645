import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { defaultConfig } from './default-config.js';

/** A configuration problem, naming the path in the document and what is wrong there. */
export class ConfigError extends Error {
  readonly code = 'SWY_ERR_CONFIG';
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n  - ${problems.join('\n  - ')}` : message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of the document.
 * A reference to an unset variable without a default is an error naming the variable and the path;
 * write `${NAME:-}` for a value that may be empty.
 */
export function substituteEnv(document: unknown, env: Env, path: string[] = [], missing: string[] = []): unknown {
  if (typeof document === 'string') {
    return document.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback?: string) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      missing.push(`${path.join('.') || '(root)'}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(document)) return document.map((item, i) => substituteEnv(item, env, [...path, String(i)], missing));
  if (document !== null && typeof document === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(document)) out[key] = substituteEnv(value, env, [...path, key], missing);
    return out;
  }
  return document;
}

/** Validates a parsed document (after env substitution) into a Config, or throws ConfigError. */
export function parseConfig(document: unknown, env: Env = process.env, source = 'config'): Config {
  const missing: string[] = [];
  const substituted = substituteEnv(document, env, [], missing);
  if (missing.length) throw new ConfigError(`${source}: unresolved environment references`, missing);
  const result = configSchema.safeParse(substituted);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`${source} is invalid`, problems);
  }
  return result.data;
}

/** Reads switchyard.yaml (or the embedded defaults when no path is given). */
export function loadConfig(path: string | undefined, env: Env = process.env): Config {
  if (path === undefined) return parseConfig(defaultConfig(env), env, 'embedded default config');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  return parseConfig(document, env, path);
}
