import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/providers/simulated/simulated-provider.js';
import { GatewayError } from '../../src/spec/errors.js';
import type { ChatRequest, ImagePart } from '../../src/spec/index.js';
import { testCallContext } from '../conformance/call-context.js';

const provider = createSimulatedProvider('sim', { type: 'simulated', latencyMs: 0, tokensPerSecond: 0 });
const IMAGE: ImagePart = { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } };

function withImages(count: number): ChatRequest {
  return {
    model: 'any',
    stream: false,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What do these show?' }, ...Array.from({ length: count }, () => IMAGE)] }],
  };
}

describe('simulated images', () => {
  it('mentions how many images it received', async () => {
    const result = await provider.chat(withImages(2), testCallContext('sim-large'));
    const text = result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
    expect(text).toContain('[received 2 image(s)]');
  });

  it('counts images inside tool results too', async () => {
    const request: ChatRequest = {
      model: 'any',
      stream: false,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Take a screenshot.' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'screenshot', argumentsJson: '{}' }] },
        { role: 'user', content: [{ type: 'tool-result', toolCallId: 't1', content: [{ type: 'text', text: 'done' }, IMAGE] }] },
      ],
    };
    const result = await provider.chat(request, testCallContext('sim-medium'));
    expect(JSON.stringify(result.content)).toContain('[received 1 image(s)]');
  });

  it('rejects images for a model without image input (sim-small) with a 400 naming messages', async () => {
    for (const call of [
      () => provider.chat(withImages(1), testCallContext('sim-small', { model: { images: false } })),
      () => provider.chatStream({ ...withImages(1), stream: true }, testCallContext('sim-small', { model: { images: false } })),
    ]) {
      const error: unknown = await call().then(() => undefined, (e: unknown) => e);
      expect(GatewayError.is(error)).toBe(true);
      expect(error).toMatchObject({ kind: 'invalid_request', status: 400, param: 'messages', retryable: false });
      expect((error as Error).message).toMatch(/sim-small does not accept images/);
    }
  });
});
