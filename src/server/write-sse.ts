import type { ServerResponse } from 'node:http';

export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
});

/** Writes a chunk and waits for 'drain' when the socket buffer is full (backpressure). */
export function writeSse(res: ServerResponse, chunk: string | Uint8Array): Promise<void> | void {
  if (res.destroyed) return;
  if (res.write(chunk)) return;
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
