// Builds the bundles with esbuild: the library for Node and for browsers, the CLI and the
// benchmarks. WGSL files are embedded as strings and the WebAssembly kernels as bytes, so no
// bundle reads files at run time.
import { build } from 'esbuild';
import { buildKernels } from './asm.mjs';

/** `import { shared, single } from 'sslgpu:asm-kernels'`: the compiled asm/ modules' bytes. */
const asmKernels = {
  name: 'asm-kernels',
  setup(b) {
    b.onResolve({ filter: /^sslgpu:asm-kernels$/ }, () => ({ path: 'asm-kernels', namespace: 'asm-kernels' }));
    b.onLoad({ filter: /.*/, namespace: 'asm-kernels' }, async () => {
      const { shared, single } = await buildKernels();
      return {
        contents: `import shared from ${JSON.stringify(shared)}; import single from ${JSON.stringify(single)}; export { shared, single };`,
        resolveDir: '.',
      };
    });
  },
};

const shared = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  loader: { '.wgsl': 'text', '.wasm': 'binary' },
  plugins: [asmKernels],
  logLevel: 'warning',
};

const node = { ...shared, platform: 'node', external: ['webgpu', '@tensorflow/*'] }; // tfjs-wasm finds its .wasm files beside its own code
const extra = process.argv.slice(2); // more Node entry points, e.g. scratch scripts

await Promise.all([
  build({ ...node, entryPoints: { index: 'src/node.ts' }, outdir: 'dist/node' }),
  build({ ...shared, platform: 'browser', entryPoints: { index: 'src/browser.ts' }, outdir: 'dist/browser' }),
  ...extra.map((entry) => build({ ...node, entryPoints: [entry], outdir: 'dist/scripts' })),
]);
