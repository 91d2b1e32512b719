// Builds the bundles with esbuild: the library for Node and for browsers, the CLI and the
// benchmarks. WGSL files are embedded as strings and the WebAssembly kernels as bytes, so no
// bundle reads files at run time. Each file is written whole and then renamed into place, so a
// test that runs a bundle (or packs the package) while another rebuilds never reads half of one.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { browser, shared } from './esbuild-options.mjs';

// Packages left to Node's resolver: tfjs-wasm finds its .wasm files beside its own code, and pngjs and
// jpeg-js are CommonJS that require Node's modules, which an ES module bundle cannot (all three of the
// package's dependencies are installed beside it)
const node = { ...shared, platform: 'node', external: ['webgpu', 'pngjs', 'jpeg-js', '@tensorflow/*'] };
const extra = process.argv.slice(2); // more Node entry points, e.g. scratch scripts

async function bundle(options) {
  const { outputFiles } = await build({ ...options, write: false });
  for (const { path, contents } of outputFiles) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.${process.pid}.tmp`, contents);
    renameSync(`${path}.${process.pid}.tmp`, path);
  }
}

await Promise.all([
  bundle({ ...node, entryPoints: { index: 'src/node.ts' }, outdir: 'dist/node' }),
  bundle({ ...browser, entryPoints: { index: 'src/browser.ts' }, outdir: 'dist/browser' }),
  ...extra.map((entry) => bundle({ ...node, entryPoints: [entry], outdir: 'dist/scripts' })),
]);
