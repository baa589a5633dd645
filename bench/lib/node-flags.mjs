/**
 * The node flags Switchyard runs with in production: those of `npm start` (package.json), which the
 * `switchyard` bin's shebang repeats (test/unit/node-flags.test.ts keeps the two equal). The bench
 * starts every replica with them, so it measures the gateway as `npm start` runs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function productionNodeFlags(root) {
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.start ?? '';
  const words = start.trim().split(/\s+/);
  const entry = words.indexOf('dist/cli/main.js');
  if (words[0] !== 'node' || entry < 0) throw new Error(`package.json start script is not "node [flags] dist/cli/main.js serve": ${start}`);
  return words.slice(1, entry);
}
