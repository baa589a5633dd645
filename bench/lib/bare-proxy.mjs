/**
 * The bare pass-through proxy (run as its own process): node:http in, one undici Pool out, no
 * auth, no parsing, no metering. It buffers the request body (as any JSON gateway must) and pipes
 * the response back chunk by chunk. It is the practical ceiling of a Node gateway on this machine.
 *
 * Prints `{"ready":true,"port":N}` on stdout when listening on 127.0.0.1.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
if (!values.upstream) throw new Error('bare-proxy: --upstream http://127.0.0.1:<port> is required');

const pool = new Pool(values.upstream, { connections: 2048, pipelining: 1, keepAliveTimeout: 60_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const headers = { 'content-type': req.headers['content-type'] ?? 'application/json' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    pool.request({ method: req.method, path: req.url, headers, body: Buffer.concat(chunks) }).then(
      ({ statusCode, headers: upstreamHeaders, body }) => {
        const out = {};
        for (const [name, value] of Object.entries(upstreamHeaders)) if (!HOP_BY_HOP.has(name)) out[name] = value;
        res.writeHead(statusCode, out);
        body.on('data', (chunk) => res.write(chunk));
        body.on('end', () => res.end());
        body.on('error', () => res.destroy());
        res.on('close', () => body.destroy());
      },
      () => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"bare proxy: upstream failed"}}');
      },
    );
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.requestTimeout = 0;
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
