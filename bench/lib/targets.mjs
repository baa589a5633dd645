/**
 * The systems under test, all reached with the same OpenAI Chat Completions request from the
 * client's side. `model` is what the client sends; `slowModel` selects the mock's paced stream.
 */
import { BENCH_MASTER_KEY } from './gateway-config.mjs';

const PROMPT = [{ role: 'user', content: 'Say hello in one short sentence.' }];

export function defineTargets({ mock, bare, gateway, portkey }) {
  const targets = {
    direct: {
      label: 'direct (mock)',
      origin: `http://127.0.0.1:${mock.port}`,
      pathPrefix: '/v1',
      headers: { authorization: 'Bearer sk-mock-openai' },
      model: 'mock-fast',
      slowModel: 'mock-slow',
      pid: mock.pid,
      streams: true,
    },
  };
  if (bare) {
    targets.bare = { ...targets.direct, label: 'bare proxy', origin: `http://127.0.0.1:${bare.port}`, pid: bare.pid };
  }
  if (gateway) {
    const base = { origin: `http://127.0.0.1:${gateway.port}`, pathPrefix: '/v1', headers: { authorization: `Bearer ${BENCH_MASTER_KEY}` }, pid: gateway.pid, streams: true };
    targets['switchyard-passthrough'] = { ...base, label: 'Switchyard passthrough', model: 'bench-openai', slowModel: 'bench-openai-slow' };
    targets['switchyard-translated'] = { ...base, label: 'Switchyard translated', model: 'bench-anthropic', slowModel: 'bench-anthropic-slow' };
    targets['switchyard-routed'] = { ...base, label: 'Switchyard routed (3 candidates, least-busy)', model: 'bench-routed', slowModel: 'bench-routed-slow' };
    targets['switchyard-failover'] = { ...base, label: 'Switchyard failover (primary 503 → fallback)', model: 'bench-failover', slowModel: 'bench-failover-slow' };
  }
  if (portkey) {
    targets.portkey = {
      label: 'Portkey',
      origin: `http://127.0.0.1:${portkey.port}`,
      pathPrefix: '/v1',
      headers: {
        authorization: 'Bearer sk-mock-openai',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `http://127.0.0.1:${mock.port}/v1`,
      },
      model: 'mock-fast',
      slowModel: 'mock-slow',
      pid: portkey.pid,
      stderrTail: portkey.stderrTail,
      streams: true, // set to false by the run if its streaming fails (checked, not assumed)
    };
  }
  return targets;
}

/** The request (origin, path, headers, body) a load job sends to a target. */
export function chatRequest(target, { stream = false, slow = false } = {}) {
  const body = { model: slow ? target.slowModel : target.model, messages: PROMPT, max_tokens: 64 };
  if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
  return {
    origin: target.origin,
    path: `${target.pathPrefix}/chat/completions`,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify(body),
  };
}
