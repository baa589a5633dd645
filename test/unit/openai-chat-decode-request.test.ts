import { describe, expect, it } from 'vitest';
import { openaiChatDialect, openAIIncludeUsage } from '../../src/dialects/openai-chat/index.js';
import { GatewayError } from '../../src/spec/errors.js';

const decode = (body: unknown) => openaiChatDialect.decodeRequest(body);
const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] };

/** Decodes and returns the GatewayError it must throw. */
function decodeError(body: unknown): GatewayError {
  try {
    decode(body);
  } catch (error) {
    if (GatewayError.is(error)) return error;
    throw new Error(`expected a GatewayError, got ${String(error)}`);
  }
  throw new Error('expected decodeRequest to throw');
}

function expect400(body: unknown, param: string | undefined, message?: RegExp): GatewayError {
  const error = decodeError(body);
  expect(error.kind).toBe('invalid_request');
  expect(error.status).toBe(400);
  expect(error.code).toBe('SWY_ERR_INVALID_REQUEST');
  expect(error.param).toBe(param);
  if (message) expect(error.message).toMatch(message);
  return error;
}

describe('openai-chat decodeRequest: top level', () => {
  it('decodes the minimal request', () => {
    expect(decode(base)).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      stream: false,
    });
  });

  it('maps every sampling field', () => {
    const request = decode({
      ...base,
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['END', 'STOP'],
      seed: 42,
      frequency_penalty: 0.1,
      presence_penalty: -0.2,
      user: 'user-7',
      parallel_tool_calls: false,
      reasoning_effort: 'low',
      stream: true,
    });
    expect(request).toMatchObject({
      maxTokens: 100,
      temperature: 0.5,
      topP: 0.9,
      stopSequences: ['END', 'STOP'],
      seed: 42,
      frequencyPenalty: 0.1,
      presencePenalty: -0.2,
      user: 'user-7',
      parallelToolCalls: false,
      reasoning: { effort: 'low' },
      stream: true,
    });
    expect(request.extra).toBeUndefined();
  });

  it('turns a string stop into one stop sequence', () => {
    expect(decode({ ...base, stop: '\n\n' }).stopSequences).toEqual(['\n\n']);
  });

  it('max_completion_tokens wins over max_tokens; either alone is maxTokens', () => {
    expect(decode({ ...base, max_tokens: 10, max_completion_tokens: 20 }).maxTokens).toBe(20);
    expect(decode({ ...base, max_completion_tokens: 30 }).maxTokens).toBe(30);
    expect(decode({ ...base, max_tokens: 40 }).maxTokens).toBe(40);
  });

  it('treats null optional fields as absent', () => {
    const request = decode({ ...base, temperature: null, stop: null, tools: null, tool_choice: null, max_tokens: null, n: null });
    expect(request).toEqual({ model: 'gpt-4o', messages: request.messages, stream: false });
  });

  it('keeps unknown top-level fields, stream_options included, in extra', () => {
    const request = decode({
      ...base,
      stream: true,
      stream_options: { include_usage: true },
      logprobs: true,
      metadata: { team: 'a' },
      service_tier: 'flex',
    });
    expect(request.extra).toEqual({
      logprobs: true,
      metadata: { team: 'a' },
      service_tier: 'flex',
    });
    expect(openAIIncludeUsage({ ...base, stream: true, stream_options: { include_usage: true } })).toBe(true);
    expect(openAIIncludeUsage({ ...base, stream: true })).toBe(false);
    expect(openAIIncludeUsage({ ...base, stream: true, stream_options: { include_usage: false } })).toBe(false);
  });

  it('keeps reasoning_effort values the canonical form lacks (none, xhigh) in extra only', () => {
    const request = decode({ ...base, reasoning_effort: 'none' });
    expect(request.reasoning).toBeUndefined();
    expect(request.extra).toEqual({ reasoning_effort: 'none' });
    expect(decode({ ...base, reasoning_effort: 'high' }).reasoning).toEqual({ effort: 'high' });
    expect(decode({ ...base, reasoning_effort: 'minimal' }).reasoning).toEqual({ effort: 'minimal' });
  });

  it('accepts n = 1', () => {
    expect(decode({ ...base, n: 1 }).messages).toHaveLength(1);
  });
});

describe('openai-chat decodeRequest: top-level errors', () => {
  it.each([null, 'text', 42, [base]])('rejects a body that is not an object (%j)', (body) => {
    const error = expect400(body, undefined, /JSON object/);
    expect(error.origin).toBe('client');
  });

  it('rejects a missing or empty model', () => {
    expect400({ messages: base.messages }, 'model', /Missing required parameter: 'model'/);
    expect400({ ...base, model: '' }, 'model', /non-empty model name/);
    expect400({ ...base, model: 7 }, 'model', /expected string, received number/);
  });

  it('rejects messages that are missing, empty or not an array', () => {
    expect400({ model: 'm' }, 'messages', /Missing required parameter: 'messages'/);
    expect400({ model: 'm', messages: [] }, 'messages', /non-empty array/);
    expect400({ model: 'm', messages: 'hi' }, 'messages', /expected array/);
  });

  it('rejects n > 1 saying that only n=1 is supported', () => {
    expect400({ ...base, n: 2 }, 'n', /only n=1 is supported/);
  });

  it.each([
    [{ temperature: '0.5' }, 'temperature', /expected number, received string/],
    [{ temperature: 3 }, 'temperature', /<=2/],
    [{ top_p: 1.5 }, 'top_p', /<=1/],
    [{ max_tokens: 0 }, 'max_tokens', />0/],
    [{ max_tokens: 1.5 }, 'max_tokens', /integer/],
    [{ max_completion_tokens: -1 }, 'max_completion_tokens', />0/],
    [{ seed: 'x' }, 'seed', /expected number, received string/],
    [{ seed: 1.5 }, 'seed', /expected an integer/],
    [{ stop: 5 }, 'stop', /expected string or array/],
    [{ stop: ['a', 1] }, 'stop[1]', /expected string/],
    [{ frequency_penalty: 5 }, 'frequency_penalty', /<=2/],
    [{ presence_penalty: -3 }, 'presence_penalty', />=-2/],
    [{ user: 1 }, 'user', /expected string/],
    [{ stream: 'true' }, 'stream', /expected boolean/],
    [{ parallel_tool_calls: 'no' }, 'parallel_tool_calls', /expected boolean/],
    [{ stream_options: { include_usage: 'yes' } }, 'stream_options.include_usage', /expected boolean/],
    [{ reasoning_effort: 'extreme' }, 'reasoning_effort', /Supported: 'none', 'minimal'/],
  ])('rejects a wrong type or range: %j', (patch, param, message) => {
    expect400({ ...base, ...patch }, param, message);
  });
});

describe('openai-chat decodeRequest: messages', () => {
  it('turns system and developer messages into system text parts, in order', () => {
    const request = decode({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric.' }, { type: 'text', text: 'No emoji.' }] },
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'Late rule.' },
      ],
    });
    expect(request.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Use metric.' },
      { type: 'text', text: 'No emoji.' },
      { type: 'text', text: 'Late rule.' },
    ]);
    expect(request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
  });

  it('decodes user text and image parts (data URL → base64, https URL → url, detail kept)', () => {
    const request = decode({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(request.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'high' },
        { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
      ],
    });
  });

  it('decodes assistant text, refusal and tool calls (empty arguments become {})', () => {
    const request = decode({
      model: 'm',
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
        { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'refusal', refusal: 'b' }] },
      ],
    });
    expect(request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'call_1', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'call_2', name: 'get_time', argumentsJson: '{}' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'I cannot help with that.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
    ]);
  });

  it('accepts an assistant message with null content and only tool calls', () => {
    const request = decode({
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      ],
    });
    expect(request.messages[1].content).toEqual([{ type: 'tool-call', id: 'c', name: 'f', argumentsJson: '{}' }]);
  });

  it('turns tool messages into tool results in a user message; consecutive ones merge', () => {
    const request = decode({
      model: 'm',
      messages: [
        { role: 'user', content: 'Go' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
            { id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'a', content: 'result A' },
        { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: 'result ' }, { type: 'text', text: 'B' }] },
        { role: 'user', content: 'Thanks' },
        { role: 'user', content: 'Again' },
      ],
    });
    expect(request.messages.slice(2)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'tool-result', toolCallId: 'a', content: [{ type: 'text', text: 'result A' }] },
          {
            type: 'tool-result',
            toolCallId: 'b',
            content: [
              { type: 'text', text: 'result ' },
              { type: 'text', text: 'B' },
            ],
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      { role: 'user', content: [{ type: 'text', text: 'Again' }] },
    ]);
  });

  it('does not merge tool messages separated by another message', () => {
    const call = (id: string) => ({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'f', arguments: '{}' } }] });
    const request = decode({
      model: 'm',
      messages: [
        { role: 'user', content: 'Go' },
        call('a'),
        { role: 'tool', tool_call_id: 'a', content: 'A' },
        call('b'),
        { role: 'tool', tool_call_id: 'b', content: 'B' },
      ],
    });
    expect(request.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(request.messages[4].content).toEqual([{ type: 'tool-result', toolCallId: 'b', content: [{ type: 'text', text: 'B' }] }]);
  });
});

describe('openai-chat decodeRequest: message errors', () => {
  const withMessages = (...messages: unknown[]) => ({ model: 'm', messages });

  it('rejects an unknown or missing role', () => {
    expect400(withMessages({ role: 'user', content: 'a' }, { role: 'robot', content: 'b' }), 'messages[1].role', /"robot".*Supported roles/);
    expect400(withMessages({ content: 'b' }), 'messages[0].role', /Missing required parameter/);
    expect400(withMessages({ role: 'function', name: 'f', content: 'x' }), 'messages[0].role', /role 'tool'/);
  });

  it('rejects a message that is not an object', () => {
    expect400(withMessages('hello'), 'messages[0]', /expected a message object/);
  });

  it('rejects wrong content types with the path of the field', () => {
    expect400(withMessages({ role: 'user', content: 5 }), 'messages[0].content', /expected string or array/);
    expect400(withMessages({ role: 'user' }), 'messages[0].content', /Missing required parameter/);
    expect400(withMessages({ role: 'user', content: [{ type: 'text', text: 5 }] }), 'messages[0].content[0].text', /expected string/);
    expect400(withMessages({ role: 'user', content: ['x'] }), 'messages[0].content[0]', /content part object/);
    expect400(withMessages({ role: 'user', content: [{ text: 'x' }] }), 'messages[0].content[0].type', /Missing required/);
    expect400(withMessages({ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }), 'messages[0].content[0].type', /only 'text' parts/);
  });

  it.each(['input_audio', 'file'])('rejects unsupported %s content parts by name', (type) => {
    const error = expect400(
      withMessages({ role: 'user', content: [{ type: 'text', text: 'x' }, { type, [type]: {} }] }),
      'messages[0].content[1].type',
    );
    expect(error.message).toContain(`'${type}'`);
    expect(error.message).toMatch(/not supported/);
  });

  it('rejects an unknown user content part type', () => {
    expect400(withMessages({ role: 'user', content: [{ type: 'video', video: {} }] }), 'messages[0].content[0].type', /"video"/);
  });

  it.each([
    ['data:image/png;base64', /Malformed data URL/],
    ['data:image/png,rawbytes', /not base64-encoded/],
    ['data:text/plain;base64,aGVsbG8=', /not an image/],
    ['data:image/png;base64,***', /not valid base64/],
    ['data:image/png;base64,', /empty or not valid base64/],
    ['ftp://example.com/cat.png', /http\(s\) URL or a base64 data URL/],
  ])('rejects a malformed image URL %s', (url, message) => {
    const content = [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url } }];
    expect400(withMessages({ role: 'user', content }), 'messages[0].content[1].image_url', message);
  });

  it('rejects an invalid image detail and a missing image_url', () => {
    expect400(
      withMessages({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x.y/z.png', detail: 'ultra' } }] }),
      'messages[0].content[0].image_url.detail',
      /"auto"\|"low"\|"high"/,
    );
    expect400(withMessages({ role: 'user', content: [{ type: 'image_url' }] }), 'messages[0].content[0].image_url', /Missing required/);
  });

  it('rejects malformed assistant messages', () => {
    expect400(withMessages({ role: 'assistant', content: null }), 'messages[0].content', /needs content or tool_calls/);
    expect400(
      withMessages({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { arguments: '{}' } }] }),
      'messages[0].tool_calls[0].function.name',
      /Missing required/,
    );
    expect400(
      withMessages({ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }),
      'messages[0].tool_calls[0].id',
    );
    expect400(
      withMessages({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'f', input: 'x' } }] }),
      'messages[0].tool_calls[0].type',
      /only 'function'/,
    );
    expect400(
      withMessages({ role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'https://x/y' } }] }),
      'messages[0].content[0].type',
      /'text' and 'refusal'/,
    );
    expect400(withMessages({ role: 'assistant', function_call: { name: 'f', arguments: '{}' } }), 'messages[0].function_call', /tool_calls/);
  });

  it('rejects tool messages without tool_call_id or with non-text content', () => {
    expect400(withMessages({ role: 'tool', content: 'x' }), 'messages[0].tool_call_id', /Missing required/);
    expect400(
      withMessages({ role: 'tool', tool_call_id: 'c', content: [{ type: 'image_url', image_url: { url: 'https://x/y' } }] }),
      'messages[0].content[0].type',
      /only 'text' parts/,
    );
  });
});

describe('openai-chat decodeRequest: tools, tool_choice, response_format', () => {
  const weather = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      strict: true,
    },
  };

  it('decodes function tools; missing parameters become an empty object schema', () => {
    const request = decode({ ...base, tools: [weather, { type: 'function', function: { name: 'now' } }] });
    expect(request.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather for a city',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
      { name: 'now', inputSchema: { type: 'object', properties: {} } },
    ]);
  });

  it.each([
    ['none', { type: 'none' }],
    ['auto', { type: 'auto' }],
    ['required', { type: 'required' }],
    [{ type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
  ])('decodes tool_choice %j', (choice, expected) => {
    expect(decode({ ...base, tools: [weather], tool_choice: choice }).toolChoice).toEqual(expected);
  });

  it('rejects a tool_choice naming a tool that is not in tools', () => {
    expect400(
      { ...base, tools: [weather], tool_choice: { type: 'function', function: { name: 'get_time' } } },
      'tool_choice.function.name',
      /'get_time'.*not one of the functions/,
    );
    expect400({ ...base, tool_choice: 'required' }, 'tool_choice', /no 'tools'/);
    expect400({ ...base, tools: [weather], tool_choice: 'sometimes' }, 'tool_choice', /Supported: 'none', 'auto', 'required'/);
    expect400({ ...base, tools: [weather], tool_choice: { type: 'allowed_tools', allowed_tools: {} } }, 'tool_choice.type');
  });

  it('rejects malformed tools', () => {
    expect400({ ...base, tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0].type', /only 'function' tools/);
    expect400({ ...base, tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name', /Missing required/);
    expect400({ ...base, tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] }, 'tools[0].function.parameters');
    expect400({ ...base, tools: [weather, weather] }, 'tools[1].function.name', /Duplicate tool name/);
    expect400({ ...base, tools: {} }, 'tools', /expected array/);
  });

  it('decodes response_format text, json_object and json_schema', () => {
    expect(decode({ ...base, response_format: { type: 'text' } }).responseFormat).toEqual({ type: 'text' });
    expect(decode({ ...base, response_format: { type: 'json_object' } }).responseFormat).toEqual({ type: 'json_object' });
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    expect(
      decode({
        ...base,
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true, description: 'The answer' } },
      }).responseFormat,
    ).toEqual({ type: 'json_schema', name: 'answer', schema, strict: true, description: 'The answer' });
  });

  it('rejects malformed response_format', () => {
    expect400({ ...base, response_format: { type: 'xml' } }, 'response_format.type', /Supported: 'text', 'json_object', 'json_schema'/);
    expect400({ ...base, response_format: { type: 'json_schema' } }, 'response_format.json_schema', /Missing required/);
    expect400({ ...base, response_format: { type: 'json_schema', json_schema: { schema: {} } } }, 'response_format.json_schema.name');
  });
});
