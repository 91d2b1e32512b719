// Compiles the AssemblyScript kernels in asm/ into two WebAssembly SIMD modules, only when a
// source is newer: dist/asm/kernels.wasm imports a shared memory (for worker threads), and
// dist/asm/kernels-single.wasm a plain one (pages that are not cross-origin isolated).
import asc from 'assemblyscript/asc';
import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const KERNELS = {
  shared: join(root, 'dist/asm/kernels.wasm'),
  single: join(root, 'dist/asm/kernels-single.wasm'),
};

const ASC_FLAGS = [
  '--enable', 'simd', '--enable', 'threads', '-O3', '--noAssert', '--runtime', 'stub',
  '--importMemory', '--initialMemory', '16', '--maximumMemory', '65536',
];

function newestSource() {
  return Math.max(...readdirSync(join(root, 'asm')).map((f) => statSync(join(root, 'asm', f)).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
}

async function compile(out, flags) {
  let errors = '';
  const { error } = await asc.main([join(root, 'asm/index.ts'), ...ASC_FLAGS, ...flags, '-o', out], {
    stderr: { write: (text) => { errors += text; return true; } },
  });
  if (error) throw new Error(`AssemblyScript compilation failed:\n${errors || error.message}`);
}

/** Builds both modules if either is missing or stale; returns their paths. */
export async function buildKernels({ force = false } = {}) {
  const fresh = Object.values(KERNELS).every((f) => existsSync(f) && statSync(f).mtimeMs >= newestSource());
  if (fresh && !force) return KERNELS;
  mkdirSync(dirname(KERNELS.shared), { recursive: true });
  await compile(KERNELS.shared, ['--sharedMemory']);
  await compile(KERNELS.single, []);
  return KERNELS;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildKernels({ force: process.argv.includes('--force') });
