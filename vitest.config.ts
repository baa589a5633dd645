import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two test files at a time even on a 2-core machine (Vitest's default there is one): the files
    // spend much of their time waiting on sockets, spawned gateways, PostgreSQL and Redis, and each
    // uses its own schema, Redis namespace and ports. The whole suite took ~305 s one file at a time
    // and ~115 s two at a time on the same machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
