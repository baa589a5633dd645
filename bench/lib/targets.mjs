/**
 * The systems under test, all reached with the same OpenAI Chat Completions request from the
 * client's side. `model` is what the client sends; `slowModel` selects the mock's paced stream.
 *
 * Switchyard rows call with `teamKey` when one is given (a team with a budget and rate limits: see
 * team.mjs), else with the master key (no team, no limits). The "no team" row always uses the master
 * key, so the difference between it and the passthrough row is the cost of admission. The fleet row
 * has two origins (its replicas): load jobs split their connections or alternate their requests.
 */
import { BENCH_MASTER_KEY } from './gateway-config.mjs';

const PROMPT = [{ role: 'user', content: 'Say hello in one short sentence.' }];

export function defineTargets({ mock, bare, gateway, portkey, teamKey, fleet }) {
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
    const base = { origin: `http://127.0.0.1:${gateway.port}`, pathPrefix: '/v1', headers: { authorization: `Bearer ${teamKey ?? BENCH_MASTER_KEY}` }, pid: gateway.pid, streams: true };
    const team = teamKey ? ', team key' : '';
    targets['switchyard-passthrough'] = { ...base, label: `Switchyard passthrough${team}`, model: 'bench-openai', slowModel: 'bench-openai-slow' };
    targets['switchyard-passthrough-noteam'] = { ...base, headers: { authorization: `Bearer ${BENCH_MASTER_KEY}` }, label: 'Switchyard passthrough, no team (master key)', model: 'bench-openai', slowModel: 'bench-openai-slow' };
    targets['switchyard-translated'] = { ...base, label: 'Switchyard translated', model: 'bench-anthropic', slowModel: 'bench-anthropic-slow' };
    targets['switchyard-routed'] = { ...base, label: 'Switchyard routed (3 candidates, least-busy)', model: 'bench-routed', slowModel: 'bench-routed-slow' };
    targets['switchyard-learned'] = { ...base, label: 'Switchyard learned router (3 candidates, quality-cost)', model: 'bench-learned', slowModel: 'bench-learned-slow' };
    targets['switchyard-failover'] = { ...base, label: 'Switchyard failover (primary 503 → fallback)', model: 'bench-failover', slowModel: 'bench-failover-slow' };
  }
  if (fleet) {
    const origins = fleet.replicas.map((replica) => `http://127.0.0.1:${replica.port}`);
    targets['switchyard-fleet'] = {
      label: `Switchyard fleet (${fleet.replicas.length} replicas, PostgreSQL + Redis)`,
      origin: origins[0],
      origins,
      pathPrefix: '/v1',
      headers: { authorization: `Bearer ${fleet.teamKey}` },
      model: 'bench-openai',
      slowModel: 'bench-openai-slow',
      pid: fleet.replicas[0].pid,
      pids: fleet.replicas.map((replica) => replica.pid),
      redisCounters: fleet.counters,
      redisServerStats: fleet.serverStats,
      streams: true,
    };
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

/** The request (origin — or origins, for a fleet —, path, headers, body) a load job sends to a target. */
export function chatRequest(target, { stream = false, slow = false } = {}) {
  const body = { model: slow ? target.slowModel : target.model, messages: PROMPT, max_tokens: 64 };
  if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
  return {
    origin: target.origin,
    ...(target.origins ? { origins: target.origins } : {}),
    path: `${target.pathPrefix}/chat/completions`,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify(body),
  };
}
