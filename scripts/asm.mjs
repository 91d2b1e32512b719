// Compiles the AssemblyScript kernels in asm/ into dist/asm/kernels.wasm (SIMD, shared
// memory for worker threads), only when a source is newer than the module.
import asc from 'assemblyscript/asc';
import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const KERNELS_WASM = join(root, 'dist/asm/kernels.wasm');

export const ASC_FLAGS = [
  '--enable', 'simd', '--enable', 'threads', '-O3', '--noAssert', '--runtime', 'stub',
  '--importMemory', '--sharedMemory', '--initialMemory', '16', '--maximumMemory', '65536',
];

function newestSource() {
  return Math.max(...readdirSync(join(root, 'asm')).map((f) => statSync(join(root, 'asm', f)).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
}

/** Builds dist/asm/kernels.wasm if it is missing or stale; returns its path. */
export async function buildKernels({ force = false } = {}) {
  if (!force && existsSync(KERNELS_WASM) && statSync(KERNELS_WASM).mtimeMs >= newestSource()) return KERNELS_WASM;
  mkdirSync(dirname(KERNELS_WASM), { recursive: true });
  let errors = '';
  const { error } = await asc.main([join(root, 'asm/index.ts'), ...ASC_FLAGS, '-o', KERNELS_WASM], {
    stderr: { write: (text) => { errors += text; return true; } },
  });
  if (error) throw new Error(`AssemblyScript compilation failed:\n${errors || error.message}`);
  return KERNELS_WASM;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildKernels({ force: process.argv.includes('--force') });
