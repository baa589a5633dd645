import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Listens on 127.0.0.1 (a free port) and returns the server's base URL. */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Closes the server and every connection it still holds. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Upstream deadlines for tests against a local server: generous, so a loaded machine never trips them by accident. */
export const LOCAL_UPSTREAM_TIMEOUTS = { connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 20_000 };

/**
 * A local upstream that reads each request's JSON body and hands it to `answer` (a programmable
 * provider for e2e tests); returns the server and its base URL.
 */
export async function startJsonUpstream(answer: (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => answer(req, res, JSON.parse(text) as Record<string, unknown>));
  });
  return { server, url: await listenLocal(server) };
}
