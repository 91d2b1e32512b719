// Builds the bundles with esbuild: the library for Node and for browsers, the CLI and the
// benchmarks. WGSL files are embedded as strings and the WebAssembly kernels as bytes, so no
// bundle reads files at run time.
import { build } from 'esbuild';
import { browser, shared } from './esbuild-options.mjs';

const node = { ...shared, platform: 'node', external: ['webgpu', '@tensorflow/*'] }; // tfjs-wasm finds its .wasm files beside its own code
const extra = process.argv.slice(2); // more Node entry points, e.g. scratch scripts

await Promise.all([
  build({ ...node, entryPoints: { index: 'src/node.ts' }, outdir: 'dist/node' }),
  build({ ...browser, entryPoints: { index: 'src/browser.ts' }, outdir: 'dist/browser' }),
  ...extra.map((entry) => build({ ...node, entryPoints: [entry], outdir: 'dist/scripts' })),
]);
