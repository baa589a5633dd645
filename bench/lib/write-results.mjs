import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes <stamp>.json/.svg and refreshes latest.json/.svg (or <prefix>-latest for soak runs). */
export function writeResults(dir, { json, svg, prefix = '' }) {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = prefix ? `${prefix}-${stamp}` : stamp;
  const latest = prefix ? `${prefix}-latest` : 'latest';
  const text = `${JSON.stringify(json, null, 2)}\n`;
  const files = [join(dir, `${base}.json`), join(dir, `${latest}.json`)];
  writeFileSync(files[0], text);
  writeFileSync(files[1], text);
  if (svg) {
    files.push(join(dir, `${base}.svg`), join(dir, `${latest}.svg`));
    writeFileSync(files[2], svg);
    writeFileSync(files[3], svg);
  }
  return files;
}
