// Builds the bundles with esbuild: the library for Node and for browsers, the CLI and the
// benchmarks. WGSL files are embedded as strings, so no bundle reads files at run time.
import { build } from 'esbuild';

const shared = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  loader: { '.wgsl': 'text' },
  logLevel: 'warning',
};

const node = { ...shared, platform: 'node', external: ['webgpu'] };
const extra = process.argv.slice(2); // more Node entry points, e.g. scratch scripts

await Promise.all([
  build({ ...node, entryPoints: { index: 'src/node.ts' }, outdir: 'dist/node' }),
  build({ ...shared, platform: 'browser', entryPoints: { index: 'src/browser.ts' }, outdir: 'dist/browser' }),
  ...extra.map((entry) => build({ ...node, entryPoints: [entry], outdir: 'dist/scripts' })),
]);
