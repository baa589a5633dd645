import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, substituteEnv } from '../../src/config/load-config.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import type { BedrockProviderConfig } from '../../src/config/schema.js';
import { resolveBedrockAuth } from '../../src/providers/bedrock/resolve-bedrock-auth.js';

const minimal = {
  providers: { sim: { type: 'simulated' } },
  models: [{ id: 'm1', provider: 'sim' }],
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  it('substitutes ${ENV} and ${ENV:-default} and reports unset variables with their path', () => {
    const missing: string[] = [];
    const out = substituteEnv({ a: '${X}', b: ['${Y:-fallback}'], c: 'pre-${X}-post', d: '${NOPE}' }, { X: 'x' }, [], missing);
    expect(out).toEqual({ a: 'x', b: ['fallback'], c: 'pre-x-post', d: '' });
    expect(missing).toEqual(['d: environment variable NOPE is not set']);
  });

  it('applies defaults and freezes the resolved config', () => {
    const resolved = resolveConfig(parseConfig(minimal, {}), {});
    expect(resolved.server).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(resolved.timeouts.firstByteMs).toBe(60_000);
    expect(resolved.findModel('m1')?.upstreamModel).toBe('m1');
    expect(Object.isFrozen(resolved.models[0])).toBe(true);
    expect(() => {
      (resolved.server as { port: number }).port = 1;
    }).toThrow();
  });

  it('names the path and the problem for invalid documents', () => {
    const problems = problemsOf(() =>
      parseConfig({ providers: { p: { type: 'openai' } }, models: [{ id: 'm', provider: 'p', pricing: { inputPerMTok: -1, outputPerMTok: 1 } }] }, {}),
    );
    expect(problems.some((p) => p.startsWith('providers.p.apiKey'))).toBe(true);
    expect(problems.some((p) => p.startsWith('models.0.pricing.inputPerMTok'))).toBe(true);
  });

  it('rejects unknown keys (typos) instead of ignoring them', () => {
    const problems = problemsOf(() => parseConfig({ ...minimal, modles: [] }, {}));
    expect(problems.join('\n')).toMatch(/modles/);
  });

  it('cross-checks providers, duplicate ids and aliases', () => {
    const problems = problemsOf(() =>
      resolveConfig(
        parseConfig(
          {
            providers: { sim: { type: 'simulated' } },
            models: [
              { id: 'a', provider: 'sim' },
              { id: 'a', provider: 'sim' },
              { id: 'b', provider: 'ghost' },
            ],
            aliases: { fast: 'nothing' },
          },
          {},
        ),
        {},
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'models.1.id: duplicate model id "a"',
        expect.stringContaining('models.2.provider: unknown provider "ghost"'),
        'aliases.fast: points at unknown model "nothing"',
      ]),
    );
  });

  it('fills Bedrock credentials from the standard AWS variables and complains when there are none', () => {
    const doc = { providers: { br: { type: 'bedrock', region: 'us-east-1' } }, models: [{ id: 'c', provider: 'br' }] };
    const resolved = resolveConfig(parseConfig(doc, {}), { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'tok' });
    expect(resolved.providers.br).toMatchObject({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' });
    const problems = problemsOf(() => resolveConfig(parseConfig(doc, {}), {}));
    expect(problems[0]).toMatch(/^providers\.br: bedrock needs apiKey/);
  });

  it('lets configured Bedrock credentials win over ambient ones, without mixing the two', () => {
    const keys = { type: 'bedrock', region: 'us-east-1', accessKeyId: 'CONF_AK', secretAccessKey: 'conf-secret' };
    const doc = (provider: Record<string, unknown>) => ({ providers: { br: provider }, models: [{ id: 'c', provider: 'br' }] });
    const ambient = { AWS_BEARER_TOKEN_BEDROCK: 'env-bearer', AWS_ACCESS_KEY_ID: 'ENV_AK', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' };

    const configuredKeys = resolveConfig(parseConfig(doc(keys), {}), ambient).providers.br;
    expect(configuredKeys).toEqual({ type: 'bedrock', region: 'us-east-1', accessKeyId: 'CONF_AK', secretAccessKey: 'conf-secret' });
    expect(resolveBedrockAuth('br', configuredKeys as BedrockProviderConfig, ambient)).toEqual({
      type: 'sigv4',
      region: 'us-east-1',
      credentials: { accessKeyId: 'CONF_AK', secretAccessKey: 'conf-secret' },
    });

    const configuredApiKey = resolveConfig(parseConfig(doc({ type: 'bedrock', region: 'us-east-1', apiKey: 'conf-key' }), {}), ambient).providers.br;
    expect(configuredApiKey).toEqual({ type: 'bedrock', region: 'us-east-1', apiKey: 'conf-key' });

    // Nothing configured: the environment bearer token comes before the environment keys.
    const fromEnv = resolveConfig(parseConfig(doc({ type: 'bedrock', region: 'us-east-1' }), {}), ambient).providers.br;
    expect(fromEnv).toEqual({ type: 'bedrock', region: 'us-east-1', apiKey: 'env-bearer' });

    // Half a configured key pair is a problem, not completed from the environment.
    const half = problemsOf(() => resolveConfig(parseConfig(doc({ type: 'bedrock', region: 'us-east-1', accessKeyId: 'CONF_AK' }), {}), ambient));
    expect(half).toEqual(['providers.br: bedrock needs both accessKeyId and secretAccessKey (or apiKey)']);
  });

  it('loads YAML files and reports YAML syntax errors with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swy-config-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'providers:\n  sim: { type: simulated }\nmodels:\n  - { id: m1, provider: sim }\naliases: { fast: m1 }\n');
    const resolved = resolveConfig(loadConfig(good, {}), {});
    expect(resolved.findModel('fast')?.id).toBe('m1');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'providers: [unclosed\n');
    expect(() => loadConfig(bad, {})).toThrow(/bad\.yaml is not valid YAML/);
    expect(() => loadConfig(join(dir, 'missing.yaml'), {})).toThrow(/cannot read config file/);
  });

  it('the example config in the repository validates', () => {
    const resolved = resolveConfig(
      loadConfig(new URL('../../switchyard.example.yaml', import.meta.url).pathname, { SWITCHYARD_MASTER_KEY: 'k'.repeat(16), OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a' }),
      { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
    );
    expect(resolved.findModel('large')?.id).toBe('claude-sonnet-4-5');
    expect(resolved.findModel('azure-gpt-4o')?.upstreamModel).toBe('my-gpt4o-deployment');
  });
});

describe('embedded default config', () => {
  it('uses simulated models only when no provider keys are set', () => {
    const resolved = resolveConfig(loadConfig(undefined, {}), {});
    expect(resolved.models.map((m) => m.id)).toEqual(['sim-large', 'sim-medium', 'sim-small']);
    expect(resolved.models.every((m) => m.simulated)).toBe(true);
    expect(resolved.findModel('large')?.id).toBe('sim-large');
  });

  it('adds real providers from the standard environment variables', () => {
    const env = { OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'sk-a', AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'S', AWS_REGION: 'eu-west-1', PORT: '9999' };
    const resolved = resolveConfig(loadConfig(undefined, env), env);
    expect(Object.keys(resolved.providers).sort()).toEqual(['anthropic', 'bedrock', 'openai', 'simulated']);
    expect(resolved.providers.bedrock).toMatchObject({ region: 'eu-west-1' });
    expect(resolved.server.port).toBe(9999);
    expect(resolved.findModel('large')?.simulated).toBe(false);
    expect(resolved.findModel('o4-mini')?.traits.reasoning).toBe(true);
  });
});
