/** Sends jobs to the load worker over IPC and awaits the matching answer. */
export function workerClient(child) {
  let next = 0;
  const pending = new Map();
  child.on('message', ({ id, result, error }) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    if (error) entry.reject(new Error(`load worker: ${error}`));
    else entry.resolve(result);
  });
  child.once('exit', (code, signal) => {
    for (const entry of pending.values()) entry.reject(new Error(`load worker exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  return {
    run(kind, params) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, kind, params });
      });
    },
  };
}
