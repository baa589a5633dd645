import { describe, expect, it } from 'vitest';
import { anthropicMessagesDialect, decodeCountTokensRequest, REQUIRES_ANTHROPIC_UPSTREAM } from '../../src/dialects/anthropic-messages/index.js';
import { GatewayError } from '../../src/spec/errors.js';

const decode = (body: unknown) => anthropicMessagesDialect.decodeRequest(body);
const base = { model: 'claude-x', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] };

function decodeError(body: unknown, decoder: (body: unknown) => unknown = decode): GatewayError {
  try {
    decoder(body);
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw error;
  }
  throw new Error('expected the decoder to throw');
}

function expectInvalid(body: unknown, param: string | undefined, message: RegExp | string, code = 'SWY_ERR_INVALID_REQUEST') {
  const error = decodeError(body);
  expect(error.kind).toBe('invalid_request');
  expect(error.status).toBe(400);
  expect(error.code).toBe(code);
  expect(error.param).toBe(param);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
}

describe('anthropic decodeRequest: fields', () => {
  it('decodes the minimal request', () => {
    expect(decode(base)).toEqual({
      model: 'claude-x',
      maxTokens: 256,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      stream: false,
    });
  });

  it('decodes sampling, stop, metadata and stream fields', () => {
    const request = decode({
      ...base,
      stop_sequences: ['END', '###'],
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: 'user-42' },
      stream: true,
    });
    expect(request).toMatchObject({ stopSequences: ['END', '###'], temperature: 0.3, topP: 0.9, topK: 40, user: 'user-42', stream: true });
    expect(request.extra).toBeUndefined();
  });

  it('treats null optional fields as absent', () => {
    const request = decode({ ...base, system: null, temperature: null, tools: null, metadata: null, stream: null });
    expect(request).toEqual(decode(base));
  });

  it('keeps unknown top-level fields in extra under their wire names', () => {
    const request = decode({ ...base, service_tier: 'auto', container: 'c_1', output_config: { effort: 'high' } });
    expect(request.extra).toEqual({ service_tier: 'auto', container: 'c_1', output_config: { effort: 'high' } });
  });

  it('decodes system as a string or as text blocks with cache_control', () => {
    expect(decode({ ...base, system: 'Be brief.' }).system).toEqual([{ type: 'text', text: 'Be brief.' }]);
    expect(decode({ ...base, system: '' }).system).toBeUndefined();
    expect(
      decode({
        ...base,
        system: [
          { type: 'text', text: 'Rules', cache_control: { type: 'ephemeral', ttl: '1h' } },
          { type: 'text', text: 'More' },
        ],
      }).system,
    ).toEqual([
      { type: 'text', text: 'Rules', cacheControl: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'More' },
    ]);
  });

  it('decodes thinking enabled/disabled/adaptive', () => {
    expect(decode({ ...base, thinking: { type: 'enabled', budget_tokens: 2048 } }).reasoning).toEqual({ budgetTokens: 2048 });
    const disabled = decode({ ...base, thinking: { type: 'disabled' } });
    expect(disabled.reasoning).toBeUndefined();
    expect(disabled.extra).toBeUndefined();
    const adaptive = decode({ ...base, thinking: { type: 'adaptive' } });
    expect(adaptive.reasoning).toBeUndefined();
    expect(adaptive.extra).toEqual({ thinking: { type: 'adaptive' } });
  });

  it('decodes custom tools and every tool_choice', () => {
    const tools = [
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { type: 'custom', name: 'noop', input_schema: { type: 'object' }, strict: true, cache_control: { type: 'ephemeral' } },
    ];
    const request = decode({ ...base, tools, tool_choice: { type: 'auto' } });
    expect(request.tools).toEqual([
      { name: 'get_weather', description: 'Weather', inputSchema: tools[0].input_schema },
      { name: 'noop', inputSchema: { type: 'object' }, strict: true },
    ]);
    expect(request.toolChoice).toEqual({ type: 'auto' });
    expect(request.parallelToolCalls).toBeUndefined();

    expect(decode({ ...base, tools, tool_choice: { type: 'any' } }).toolChoice).toEqual({ type: 'required' });
    expect(decode({ ...base, tools, tool_choice: { type: 'none' } }).toolChoice).toEqual({ type: 'none' });
    const forced = decode({ ...base, tools, tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true } });
    expect(forced.toolChoice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(forced.parallelToolCalls).toBe(false);
    expect(decode({ ...base, tools, tool_choice: { type: 'auto', disable_parallel_tool_use: false } }).parallelToolCalls).toBeUndefined();
  });
});

describe('anthropic decodeRequest: content blocks', () => {
  it('decodes user text and image blocks (base64 and url) with cache_control', () => {
    const request = decode({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look', cache_control: { type: 'ephemeral' }, citations: null },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' }, cache_control: { type: 'ephemeral', ttl: '5m' } },
          ],
        },
      ],
    });
    expect(request.messages[0].content).toEqual([
      { type: 'text', text: 'Look', cacheControl: { type: 'ephemeral' } },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/a.jpg' }, cacheControl: { type: 'ephemeral', ttl: '5m' } },
    ]);
  });

  it('decodes a tool round trip: tool_use (input → JSON text), tool_result (string, blocks, is_error)', () => {
    const request = decode({
      ...base,
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris', units: ['c'] } },
            { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: {}, cache_control: { type: 'ephemeral' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01', content: '18C' },
            {
              type: 'tool_result',
              tool_use_id: 'call_abc',
              is_error: true,
              content: [
                { type: 'text', text: 'failed' },
                { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/' } },
              ],
            },
            { type: 'tool_result', tool_use_id: 'toolu_02' },
          ],
        },
      ],
    });
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool-call', id: 'toolu_01', name: 'get_weather', argumentsJson: '{"city":"Paris","units":["c"]}' },
        { type: 'tool-call', id: 'call_abc', name: 'get_weather', argumentsJson: '{}', cacheControl: { type: 'ephemeral' } },
      ],
    });
    expect(request.messages[2].content).toEqual([
      { type: 'tool-result', toolCallId: 'toolu_01', content: [{ type: 'text', text: '18C' }] },
      {
        type: 'tool-result',
        toolCallId: 'call_abc',
        isError: true,
        content: [
          { type: 'text', text: 'failed' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/' } },
        ],
      },
      { type: 'tool-result', toolCallId: 'toolu_02', content: [] },
    ]);
  });

  it('keeps thinking signatures byte for byte and redacted_thinking data', () => {
    const signature = 'EvQBCkYICxgCKkAxhD4NUKFz+/==\u00e9 ';
    const request = decode({
      ...base,
      messages: [
        { role: 'user', content: 'Q' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think.', signature },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va==' },
            { type: 'thinking', thinking: 'unsigned' },
            { type: 'text', text: 'A' },
          ],
        },
      ],
    });
    expect(request.messages[1].content).toEqual([
      { type: 'reasoning', text: 'Let me think.', signature },
      { type: 'redacted-reasoning', data: 'EmwKAhgBEgy3va==' },
      { type: 'reasoning', text: 'unsigned' },
      { type: 'text', text: 'A' },
    ]);
  });

  it('decodes assistant string content', () => {
    const request = decode({ ...base, messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'The answer is' }] });
    expect(request.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'The answer is' }] });
  });
});

describe('anthropic decodeRequest: errors', () => {
  it('rejects a body that is not an object', () => {
    expectInvalid('hello', undefined, /JSON object/);
    expectInvalid([base], undefined, /JSON object/);
  });

  it('requires model, messages and max_tokens', () => {
    expectInvalid({ messages: base.messages, max_tokens: 1 }, 'model', 'model: Field required');
    expectInvalid({ model: 'm', messages: base.messages }, 'max_tokens', 'max_tokens: Field required');
    expectInvalid({ model: 'm', max_tokens: 1 }, 'messages', 'messages: Field required');
    expectInvalid({ ...base, messages: [] }, 'messages', 'messages: List should have at least 1 item');
    expectInvalid({ ...base, model: '' }, 'model', 'model: String should have at least 1 character');
  });

  it('requires max_tokens to be a positive integer', () => {
    expectInvalid({ ...base, max_tokens: 0 }, 'max_tokens', 'max_tokens: Input should be greater than or equal to 1');
    expectInvalid({ ...base, max_tokens: -5 }, 'max_tokens', 'max_tokens: Input should be greater than or equal to 1');
    expectInvalid({ ...base, max_tokens: 1.5 }, 'max_tokens', 'max_tokens: Input should be a valid integer');
    expectInvalid({ ...base, max_tokens: '100' }, 'max_tokens', 'max_tokens: Input should be a valid number');
    expectInvalid({ ...base, max_tokens: null }, 'max_tokens', 'max_tokens: Input should be a valid number');
  });

  it('checks sampling ranges and types like Anthropic', () => {
    expectInvalid({ ...base, temperature: 1.5 }, 'temperature', 'temperature: Input should be less than or equal to 1');
    expectInvalid({ ...base, top_p: -0.1 }, 'top_p', 'top_p: Input should be greater than or equal to 0');
    expectInvalid({ ...base, top_k: 2.5 }, 'top_k', 'top_k: Input should be a valid integer');
    expectInvalid({ ...base, stop_sequences: 'END' }, 'stop_sequences', 'stop_sequences: Input should be a valid list');
    expectInvalid({ ...base, stop_sequences: ['a', 3] }, 'stop_sequences.1', 'stop_sequences.1: Input should be a valid string');
    expectInvalid({ ...base, stream: 'yes' }, 'stream', 'stream: Input should be a valid boolean');
    expectInvalid({ ...base, metadata: { user_id: 7 } }, 'metadata.user_id', 'metadata.user_id: Input should be a valid string');
  });

  it('allows only user and assistant roles', () => {
    expectInvalid(
      { ...base, messages: [{ role: 'system', content: 'x' }] },
      'messages.0.role',
      "messages.0.role: Input should be 'user' or 'assistant'",
    );
    expectInvalid({ ...base, messages: [{ content: 'x' }] }, 'messages.0.role', 'messages.0.role: Field required');
    expectInvalid({ ...base, messages: ['hi'] }, 'messages.0', 'messages.0: Input should be a valid dictionary');
  });

  it('rejects missing or malformed content', () => {
    expectInvalid({ ...base, messages: [{ role: 'user' }] }, 'messages.0.content', 'messages.0.content: Field required');
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: 42 }] },
      'messages.0.content',
      'messages.0.content: Input should be a valid string or a list of content blocks',
    );
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ text: 'no type' }] }] },
      'messages.0.content.0.type',
      'messages.0.content.0.type: Field required',
    );
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] },
      'messages.0.content.0.text',
      'messages.0.content.0.text: Input should be a valid string',
    );
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }] }] },
      'messages.0.content.0.cache_control.type',
      "messages.0.content.0.cache_control.type: Input should be 'ephemeral'",
    );
  });

  it('rejects unknown block types with the expected tags', () => {
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] },
      'messages.0.content.0.type',
      /^messages\.0\.content\.0\.type: Input tag 'video' found using 'type' does not match any of the expected tags: 'text', 'image'/,
    );
  });

  it('rejects blocks in the wrong role', () => {
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }] },
      'messages.0.content.0.type',
      /'tool_use' blocks are not allowed in user messages/,
    );
    expectInvalid(
      { ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 't' }] }] },
      'messages.0.content.0.type',
      /'tool_result' blocks are not allowed in assistant messages/,
    );
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ type: 'thinking', thinking: 't', signature: 's' }] }] },
      'messages.0.content.0.type',
      /'thinking' blocks are not allowed in user messages/,
    );
  });

  it('rejects bad image sources', () => {
    const withImage = (source: unknown) => ({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source }] }] });
    expectInvalid(
      withImage({ type: 'base64', media_type: 'image/tiff', data: 'x' }),
      'messages.0.content.0.source.media_type',
      "messages.0.content.0.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
    );
    expectInvalid(withImage({ type: 'base64', media_type: 'image/png' }), 'messages.0.content.0.source.data', 'messages.0.content.0.source.data: Field required');
    expectInvalid(withImage({ type: 'url' }), 'messages.0.content.0.source.url', 'messages.0.content.0.source.url: Field required');
    expectInvalid(withImage(undefined), 'messages.0.content.0.source', 'messages.0.content.0.source: Field required');
    expectInvalid(withImage({ type: 'ftp', url: 'x' }), 'messages.0.content.0.source.type', /Input tag 'ftp'/);
  });

  it('rejects malformed tool_use, tool_result, thinking and redacted_thinking blocks', () => {
    const assistant = (block: unknown) => ({ ...base, messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [block] }] });
    expectInvalid(
      assistant({ type: 'tool_use', id: 't', name: 'f', input: '{"a":1}' }),
      'messages.1.content.0.input',
      'messages.1.content.0.input: Input should be a valid dictionary',
    );
    expectInvalid(assistant({ type: 'tool_use', name: 'f', input: {} }), 'messages.1.content.0.id', 'messages.1.content.0.id: Field required');
    expectInvalid(
      assistant({ type: 'thinking', signature: 's' }),
      'messages.1.content.0.thinking',
      'messages.1.content.0.thinking: Field required',
    );
    expectInvalid(assistant({ type: 'redacted_thinking' }), 'messages.1.content.0.data', 'messages.1.content.0.data: Field required');
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] },
      'messages.0.content.0.tool_use_id',
      'messages.0.content.0.tool_use_id: Field required',
    );
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', is_error: 'yes' }] }] },
      'messages.0.content.0.is_error',
      'messages.0.content.0.is_error: Input should be a valid boolean',
    );
    expectInvalid(
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'audio' }] }] }] },
      'messages.0.content.0.content.0.type',
      /Input tag 'audio'/,
    );
  });

  it('rejects Anthropic-only blocks with a pointer to passthrough', () => {
    const cases: Array<[unknown, string]> = [
      [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }, 'messages.0.content.0.type'],
      [{ role: 'user', content: [{ type: 'search_result', source: 's', title: 't', content: [] }] }, 'messages.0.content.0.type'],
      [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }] }, 'messages.0.content.0.type'],
      [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }, 'messages.0.content.0.source.type'],
      [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source: {} }] }] }, 'messages.0.content.0.content.0.type'],
    ];
    for (const [message, param] of cases) {
      const error = decodeError({ ...base, messages: [message] });
      expect(error.code).toBe(REQUIRES_ANTHROPIC_UPSTREAM);
      expect(error.kind).toBe('invalid_request');
      expect(error.param).toBe(param);
      expect(error.message).toContain('Anthropic upstream');
    }
  });

  it('rejects system blocks that are not text', () => {
    expectInvalid({ ...base, system: [{ type: 'image', source: {} }] }, 'system.0.type', /Input tag 'image'.*'text'$/);
    expectInvalid({ ...base, system: 7 }, 'system', 'system: Input should be a valid string or a list of content blocks');
  });

  it('rejects server tools and malformed custom tools', () => {
    const server = decodeError({ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] });
    expect(server.code).toBe(REQUIRES_ANTHROPIC_UPSTREAM);
    expect(server.param).toBe('tools.0.type');
    expect(server.message).toMatch(/web_search_20250305.*Anthropic upstream/);

    expectInvalid({ ...base, tools: [{ name: 'f' }] }, 'tools.0.input_schema', 'tools.0.input_schema: Field required');
    expectInvalid({ ...base, tools: [{ input_schema: {} }] }, 'tools.0.name', 'tools.0.name: Field required');
    expectInvalid({ ...base, tools: [{ name: 'f', input_schema: [] }] }, 'tools.0.input_schema', 'tools.0.input_schema: Input should be a valid dictionary');
    expectInvalid({ ...base, tools: {} }, 'tools', 'tools: Input should be a valid list');
  });

  it('rejects bad tool_choice and thinking', () => {
    expectInvalid({ ...base, tool_choice: { type: 'required' } }, 'tool_choice.type', "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
    expectInvalid({ ...base, tool_choice: { type: 'tool' } }, 'tool_choice.name', 'tool_choice.name: Field required');
    expectInvalid({ ...base, tool_choice: 'auto' }, 'tool_choice', 'tool_choice: Input should be a valid dictionary');
    expectInvalid({ ...base, thinking: { type: 'enabled' } }, 'thinking.budget_tokens', 'thinking.budget_tokens: Field required');
    expectInvalid(
      { ...base, thinking: { type: 'enabled', budget_tokens: 500 } },
      'thinking.budget_tokens',
      'thinking.budget_tokens: Input should be greater than or equal to 1024',
    );
    expectInvalid({ ...base, thinking: { type: 'on' } }, 'thinking.type', "thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'");
  });
});

describe('decodeCountTokensRequest', () => {
  it('validates like decodeRequest but does not require max_tokens', () => {
    const { max_tokens: _omitted, ...withoutMax } = base;
    const request = decodeCountTokensRequest({ ...withoutMax, tools: [{ name: 'f', input_schema: { type: 'object' } }] });
    expect(request.maxTokens).toBeUndefined();
    expect(request.tools).toHaveLength(1);
    expect(decodeCountTokensRequest(base).maxTokens).toBe(256);
    const error = decodeError({ model: 'm' }, decodeCountTokensRequest);
    expect(error.param).toBe('messages');
    expect(decodeError({ ...withoutMax, max_tokens: 0 }, decodeCountTokensRequest).param).toBe('max_tokens');
  });
});
