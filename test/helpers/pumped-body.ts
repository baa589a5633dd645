import type { ServerResponse } from 'node:http';

/** How a pumped response ended: finished, or its connection closed first; bytes written; whether the socket pushed back. */
export interface PumpOutcome {
  finished: boolean;
  written: number;
  pushedBack: boolean;
}

/**
 * A mock upstream's big body: writes `total` bytes in `chunkBytes` pieces (the first prefixed), as fast as
 * the socket takes them and waiting for 'drain' when it pushes back, until done (`end`: false leaves the
 * response open) or the client goes away. Resolves when the response closes, with what happened.
 */
export function pumpBody(res: ServerResponse, options: { total: number; prefix?: string; chunkBytes?: number; fill?: string; end?: boolean }): Promise<PumpOutcome> {
  const chunk = Buffer.alloc(options.chunkBytes ?? 64 * 1024, options.fill ?? 'x');
  const state: PumpOutcome = { finished: false, written: 0, pushedBack: false };
  return new Promise((resolve) => {
    let closed = false;
    res.on('close', () => {
      closed = true;
      resolve({ ...state, finished: res.writableFinished });
    });
    const pump = () => {
      while (!closed && state.written < options.total) {
        const piece = state.written === 0 && options.prefix ? Buffer.concat([Buffer.from(options.prefix), chunk]) : chunk;
        state.written += piece.length;
        if (!res.write(piece)) {
          state.pushedBack = true;
          return void res.once('drain', pump);
        }
      }
      if (!closed && options.end !== false) res.end();
    };
    pump();
  });
}
