import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath, readFixture, readFixtureJson } from '../helpers/fixtures.js';
import {
  describeErrors,
  validateChatCompletion,
  validateChatCompletionChunk,
  validateOpenAIError,
} from '../helpers/openapi-validator.js';

/** The validator itself is proven here: recorded OpenAI traffic passes, broken bodies fail. */

const JSON_DIR = 'openai/recorded-json-openai-python';
const SSE_DIR = 'openai/recorded-sse-openai-python';

function sseChunks(text: string): unknown[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
}

describe('openapi validator: recorded OpenAI traffic', () => {
  const jsonFiles = readdirSync(fixturePath(JSON_DIR)).filter((f) => f.endsWith('.json'));
  const sseFiles = readdirSync(fixturePath(SSE_DIR)).filter((f) => f.endsWith('.sse'));

  it('finds the recordings', () => {
    expect(jsonFiles.length).toBeGreaterThanOrEqual(14);
    expect(sseFiles.length).toBeGreaterThanOrEqual(12);
  });

  it.each(jsonFiles)('chat.completion body %s validates', (file) => {
    const result = validateChatCompletion(readFixtureJson(`${JSON_DIR}/${file}`));
    expect(result.valid, describeErrors(result.errors)).toBe(true);
  });

  it('the vercel-ai recorded chat.completion (annotations, usage details) validates', () => {
    const result = validateChatCompletion(readFixtureJson('openai/recorded-vercel-ai/openai-text.json'));
    expect(result.valid, describeErrors(result.errors)).toBe(true);
  });

  it.each(sseFiles)('every chunk of %s validates', (file) => {
    const chunks = sseChunks(readFixture(`${SSE_DIR}/${file}`));
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) {
      const result = validateChatCompletionChunk(chunk);
      expect(result.valid, `${JSON.stringify(chunk)}: ${describeErrors(result.errors)}`).toBe(true);
    }
  });

  it('the recorded error body validates', () => {
    const result = validateOpenAIError(readFixtureJson('openai/recorded-vercel-ai/reasoning-model-legacy-parameter-error.json'));
    expect(result.valid, describeErrors(result.errors)).toBe(true);
  });

  it('accepts system_fingerprint: null, as OpenAI sends it', () => {
    const body = readFixtureJson<Record<string, unknown>>(`${JSON_DIR}/parse_nothing.json`);
    expect(validateChatCompletion({ ...body, system_fingerprint: null }).valid).toBe(true);
  });
});

describe('openapi validator: rejects broken bodies', () => {
  const good = readFixtureJson<Record<string, unknown>>(`${JSON_DIR}/parse_multiple_pydantic_tools.json`);

  it('rejects a chat.completion with an unknown finish_reason', () => {
    const choices = good.choices as Array<Record<string, unknown>>;
    const broken = { ...good, choices: [{ ...choices[0], finish_reason: 'end_turn' }] };
    const result = validateChatCompletion(broken);
    expect(result.valid).toBe(false);
    expect(result.errors.some((e) => e.instancePath === '/choices/0/finish_reason')).toBe(true);
  });

  it('rejects a chat.completion whose message lacks content', () => {
    const choices = good.choices as Array<Record<string, unknown>>;
    const message = { ...(choices[0].message as Record<string, unknown>) };
    delete message.content;
    expect(validateChatCompletion({ ...good, choices: [{ ...choices[0], message }] }).valid).toBe(false);
  });

  it('rejects the wrong object type and a missing id', () => {
    expect(validateChatCompletion({ ...good, object: 'chat.completion.chunk' }).valid).toBe(false);
    const noId = { ...good };
    delete noId.id;
    expect(validateChatCompletion(noId).valid).toBe(false);
  });

  it('rejects chunks with an unknown delta role or a non-integer tool_call index', () => {
    const chunk = sseChunks(readFixture(`${SSE_DIR}/parse_multiple_pydantic_tools.f82268f2fefd.sse`))[1] as Record<string, unknown>;
    expect(validateChatCompletionChunk(chunk).valid).toBe(true);
    const choice = (chunk.choices as Array<Record<string, unknown>>)[0];
    const badIndex = { ...chunk, choices: [{ ...choice, delta: { tool_calls: [{ index: 'zero' }] } }] };
    expect(validateChatCompletionChunk(badIndex).valid).toBe(false);
    const badRole = { ...chunk, choices: [{ ...choice, delta: { role: 'robot' } }] };
    expect(validateChatCompletionChunk(badRole).valid).toBe(false);
  });

  it('accepts usage: null on a chunk but rejects usage without total_tokens', () => {
    const chunk = sseChunks(readFixture(`${SSE_DIR}/parse_nothing.e2aad469b71d.sse`))[0] as Record<string, unknown>;
    expect(validateChatCompletionChunk({ ...chunk, usage: null }).valid).toBe(true);
    expect(validateChatCompletionChunk({ ...chunk, usage: { prompt_tokens: 1, completion_tokens: 2 } }).valid).toBe(false);
  });

  it('rejects error bodies that miss param/code or are not wrapped in error', () => {
    expect(validateOpenAIError({ error: { message: 'x', type: 'invalid_request_error', param: null, code: null } }).valid).toBe(true);
    expect(validateOpenAIError({ error: { message: 'x', type: 'invalid_request_error' } }).valid).toBe(false);
    expect(validateOpenAIError({ message: 'x', type: 'invalid_request_error', param: null, code: null }).valid).toBe(false);
  });
});
