/**
 * Preload (`node --import`) that binds every listening server to 127.0.0.1. The Portkey gateway's
 * start-server.js listens on all interfaces with no host flag; the benchmark keeps everything on
 * loopback, so its `listen(port)` calls are given the host here without touching its code.
 */
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'function') args.splice(1, 0, '127.0.0.1');
    else args[1] = '127.0.0.1';
  }
  return listen.apply(this, args);
};
