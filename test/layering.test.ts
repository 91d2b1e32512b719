// The engine knows nothing of the method, the data readers, the CLI or the experiments: every
// relative import under src/engine stays under src/engine (or reaches the kernel sources).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const ENGINE = join(ROOT, 'src/engine');
const ALLOWED = [ENGINE, join(ROOT, 'shaders'), join(ROOT, 'asm')];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('src/engine imports nothing from outside the engine', () => {
  const strays: string[] = [];
  for (const file of sources(ENGINE)) {
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), spec!);
      if (!ALLOWED.some((dir) => target.startsWith(`${dir}/`))) strays.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  expect(sources(ENGINE).length).toBeGreaterThan(50); // the scan found the engine
  expect(strays).toEqual([]);
});
