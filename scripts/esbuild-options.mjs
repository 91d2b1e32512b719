// esbuild settings every bundle shares: WGSL files embedded as strings and the compiled
// asm/ kernels as bytes (the `sslgpu:asm-kernels` module), so no bundle reads files at run time.
import { buildKernels } from './asm.mjs';

/** `import { shared, single, sharedFma, singleFma } from 'sslgpu:asm-kernels'`: the compiled asm/ modules' bytes. */
const asmKernels = {
  name: 'asm-kernels',
  setup(b) {
    b.onResolve({ filter: /^sslgpu:asm-kernels$/ }, () => ({ path: 'asm-kernels', namespace: 'asm-kernels' }));
    b.onLoad({ filter: /.*/, namespace: 'asm-kernels' }, async () => {
      const files = Object.entries(await buildKernels());
      return {
        contents: files.map(([name, file]) => `export { default as ${name} } from ${JSON.stringify(file)};`).join('\n'),
        resolveDir: '.',
      };
    });
  },
};

export const shared = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  loader: { '.wgsl': 'text', '.wasm': 'binary' },
  plugins: [asmKernels],
  logLevel: 'warning',
};

export const browser = { ...shared, platform: 'browser' };
