// Compiles the AssemblyScript kernels in asm/ into WebAssembly SIMD modules, only when a
// source is newer: kernels.wasm imports a shared memory (for worker threads), kernels-single
// a plain one (pages that are not cross-origin isolated), and the -fma twins of both use
// relaxed SIMD's fused multiply-add, for engines that validate it. First it writes the
// generated parts of the typed calls from their TypeScript declarations (scripts/asm-bindings.ts):
// asm/generated.ts (not committed) and the host's record writers (committed, *.writers.ts).

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const KERNELS = {
  shared: join(root, 'dist/asm/kernels.wasm'),
  single: join(root, 'dist/asm/kernels-single.wasm'),
  sharedFma: join(root, 'dist/asm/kernels-fma.wasm'),
  singleFma: join(root, 'dist/asm/kernels-single-fma.wasm'),
};

const ASC_FLAGS = [
  '--enable',
  'simd',
  '--enable',
  'threads',
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--initialMemory',
  '16',
  '--maximumMemory',
  '65536',
];

function newestSource() {
  return Math.max(
    ...readdirSync(join(root, 'asm')).map((f) => statSync(join(root, 'asm', f)).mtimeMs),
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
  );
}

/** Writes the generated files whose content changed (so that a time stamp means a change). */
async function generate() {
  // The committed writers are among the outputs: the generator must not depend on them (a
  // stale one may not even compile), so they are replaced by empty tables here.
  const withoutWriters = {
    name: 'without-writers',
    setup(b) {
      b.onResolve({ filter: /\.writers\.js$/ }, ({ path }) => ({ path, namespace: 'without-writers' }));
      b.onLoad({ filter: /.*/, namespace: 'without-writers' }, () => ({ contents: 'export const WRITERS = {};' }));
    },
  };
  const { outputFiles } = await build({
    entryPoints: [join(root, 'scripts/asm-bindings.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'warning',
    plugins: [withoutWriters],
  });
  const { asmBindings } = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);
  for (const [path, text] of Object.entries(asmBindings())) {
    const file = join(root, path);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  }
}

async function compile(out, flags) {
  let errors = '';
  const { error } = await asc.main([join(root, 'asm/index.ts'), ...ASC_FLAGS, ...flags, '-o', out], {
    stderr: {
      write: (text) => {
        errors += text;
        return true;
      },
    },
  });
  if (error) throw new Error(`AssemblyScript compilation failed:\n${errors || error.message}`);
}

/** Builds the modules if any is missing or stale; returns their paths. */
export async function buildKernels({ force = false } = {}) {
  await generate();
  const fresh = Object.values(KERNELS).every((f) => existsSync(f) && statSync(f).mtimeMs >= newestSource());
  if (fresh && !force) return KERNELS;
  mkdirSync(dirname(KERNELS.shared), { recursive: true });
  const fma = ['--enable', 'relaxed-simd'];
  await compile(KERNELS.shared, ['--sharedMemory']);
  await compile(KERNELS.single, []);
  await compile(KERNELS.sharedFma, ['--sharedMemory', ...fma]);
  await compile(KERNELS.singleFma, fma);
  return KERNELS;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildKernels({ force: process.argv.includes('--force') });
