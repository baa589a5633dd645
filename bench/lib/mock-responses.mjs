/**
 * Precomputed upstream responses for the mock: built once at start, written as Buffers, so the
 * mock spends its time in the kernel rather than in JSON.stringify and is never the bottleneck.
 * Shapes follow the recorded wire formats (see ../shared/fixtures/README.md): OpenAI chunks with
 * `data:` lines ending in `[DONE]`, usage as an extra chunk with `choices: []` only when
 * `stream_options.include_usage` was asked; Anthropic events named like their `type`, in the order
 * message_start, content_block_start, ping, content_block_delta*, content_block_stop, message_delta,
 * message_stop, with no `[DONE]`.
 */

export const CHUNK_WORDS = 20;
const words = Array.from({ length: CHUNK_WORDS }, (_, i) => (i === 0 ? 'Hello' : ` w${i}`));
const text = words.join('');
const created = 1_700_000_000;

const openaiUsage = {
  prompt_tokens: 12,
  completion_tokens: CHUNK_WORDS,
  total_tokens: 12 + CHUNK_WORDS,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

export const OPENAI_JSON = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model: 'mock-model',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage: openaiUsage,
    service_tier: 'default',
    system_fingerprint: 'fp_bench',
  }),
);

const openaiChunk = (choices, extra = {}) =>
  Buffer.from(
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'mock-model', service_tier: 'default', system_fingerprint: 'fp_bench', choices, ...extra })}\n\n`,
  );

/** The content events of an OpenAI stream (role chunk, one chunk per word, finish chunk), without usage or [DONE]. */
export const OPENAI_SSE_BODY = [
  openaiChunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]),
  ...words.map((word) => openaiChunk([{ index: 0, delta: { content: word }, logprobs: null, finish_reason: null }])),
  openaiChunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]),
];
export const OPENAI_SSE_USAGE = openaiChunk([], { usage: openaiUsage });
export const OPENAI_SSE_DONE = Buffer.from('data: [DONE]\n\n');

export const ANTHROPIC_JSON = Buffer.from(
  JSON.stringify({
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    model: 'mock-model',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: CHUNK_WORDS },
  }),
);

const anthropicEvent = (data) => Buffer.from(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);

/** Every event of an Anthropic Messages stream, in wire order. */
export const ANTHROPIC_SSE = [
  anthropicEvent({
    type: 'message_start',
    message: {
      id: 'msg_bench',
      type: 'message',
      role: 'assistant',
      model: 'mock-model',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
    },
  }),
  anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  anthropicEvent({ type: 'ping' }),
  ...words.map((word) => anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } })),
  anthropicEvent({ type: 'content_block_stop', index: 0 }),
  anthropicEvent({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: CHUNK_WORDS } }),
  anthropicEvent({ type: 'message_stop' }),
];
