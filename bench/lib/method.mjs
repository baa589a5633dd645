/** How a run measured what it reports (stored in the results next to the numbers). */
export function methodFor(settings, { pinned }) {
  return {
    loopback: 'Every process listens on 127.0.0.1; all load targets 127.0.0.1.',
    pinning: pinned
      ? 'taskset -c 0: the target under test (bare proxy, Switchyard, Portkey — started pinned, so every thread inherits the mask). taskset -c 1: mock upstream, load generator and the bench script. The direct target is the mock itself, so it shares core 1 with the load generator.'
      : 'not pinned (taskset missing)',
    alternation: `Targets are measured round-robin, ${settings.rounds} round(s), each round starting at a different target; before each measurement the bench waits until the target process is idle (<10% of a core over 200 ms).`,
    request: 'POST /v1/chat/completions {model, messages:[1 user message], max_tokens:64} (+ stream:true, stream_options.include_usage:true for streams). The mock answers with a precomputed chat.completion (usage included) or a 22-event SSE stream + usage chunk + [DONE]; Anthropic upstream: message JSON or the full event sequence.',
    switchyard: 'node dist/cli/main.js serve --config <generated>: master-key auth on every request, model resolution, SQLite usage ledger (batched writes) in a temp dir, openai provider → mock (passthrough), anthropic provider → mock (translated). No --log. Metrics (prom-client) and routing strategies are not implemented yet, so they are not in the path.',
    portkey: '@portkey-ai/gateway build/start-server.js --headless --port=N (bound to loopback by a preload), headers x-portkey-provider: openai and x-portkey-custom-host: http://127.0.0.1:<mock>/v1.',
    saturation: `autocannon, ${settings.connections} connections, closed loop, ${settings.saturationS} s per round; req/s = 2xx responses / duration (median of rounds); CPU per request = Δ(utime+stime) of the target from /proc/<pid>/stat ÷ 2xx responses; RSS = highest VmRSS sampled every 200 ms.`,
    fixedRate: `Open-loop generator (undici Pool, ${settings.connections} connections): request i is issued at start + i/rate (1 ms timer) for ${settings.fixedRateS} s per round at ${settings.rates.join(' and ')} req/s; latency from issue to the last body byte (hrtime, µs); percentiles pooled over rounds; added = target percentile − direct percentile. autocannon's overallRate was not used: it sends each second's quota back-to-back and records whole milliseconds.`,
    streaming: `${settings.streamConcurrency} closed-loop clients (undici) for ${settings.streamTimingS} s per round; TTFB = first body byte after the request is issued, total = last byte; a stream counts only if it ends with data: [DONE].`,
    slowStreams: `${settings.slowStreamCount} streams opened in waves of 100 every 20 ms; the mock sends the opening event at once, then 1 event per ${settings.slowIntervalMs} ms for ${settings.slowChunks} events; target VmRSS sampled every 100 ms, the peak is reported with the most streams seen open at once by the client.`,
    router: `resolveModel + checkCapabilities from dist/routing over a decoded 4-message request with an image and a tool, 100-model catalog with 20 aliases, ${settings.routerIterations.toLocaleString('en-US')} iterations each timed with process.hrtime.bigint after 20,000 warm-up calls, in its own pinned process.`,
  };
}
