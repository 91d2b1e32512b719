// The README's API example, run exactly as written (on the reference backend, for speed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';
import { readmeApiExample } from './helpers/readme.js';

const here = dirname(fileURLToPath(import.meta.url));

it('the README example trains and logs a falling loss', async () => {
  const generated = join(here, '.generated');
  mkdirSync(generated, { recursive: true });
  const file = join(generated, 'readme-example.ts');
  writeFileSync(file, readmeApiExample().replace(`from 'sslgpu'`, `from '../../src/node.js'`));
  const logged: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => void logged.push(args));
  vi.stubEnv('SSLGPU_BACKEND', 'reference');
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
    vi.unstubAllEnvs();
  }
  expect(logged.map(([step]) => step)).toEqual([100, 200, 300]);
  const losses = logged.map(([, loss]) => loss as number);
  expect(losses[2]).toBeLessThan(0.5 * losses[0]!);
});
