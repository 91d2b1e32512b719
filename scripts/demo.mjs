// `npm run demo`: builds the demo page (demo/) into dist/demo and serves it on localhost,
// with the Fashion-MNIST IDX files under /data/. The page is cross-origin isolated
// (COOP/COEP headers), so the WebAssembly backend can run threads in it.
// `npm run demo -- --build DIR` writes the page and the data to DIR instead, for any static host:
// there the service worker of demo/coi-sw.ts adds those headers (on https or localhost).
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { browser } from './esbuild-options.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.png': 'image/png',
};
const DATA_FILE = /^(train|t10k)-(images-idx3|labels-idx1)-ubyte(\.gz)?$/;

/**
 * Bundles the page's script, its worker and the service worker, and copies the static files;
 * with `dataDir`, also its IDX files into `data/`, so that the folder is the whole site.
 */
export async function buildDemo(outdir = join(root, 'dist/demo'), { dataDir } = {}) {
  mkdirSync(outdir, { recursive: true });
  const entryPoints = { app: 'demo/app.ts', worker: 'demo/worker.ts', 'coi-sw': 'demo/coi-sw.ts' };
  await build({ ...browser, entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([k, v]) => [k, join(root, v)])), outdir });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(root, 'demo', file), join(outdir, file));
  if (dataDir) {
    const files = existsSync(dataDir) ? readdirSync(dataDir).filter((name) => DATA_FILE.test(name)) : [];
    if (files.length === 0) throw new Error(`no Fashion-MNIST IDX files in ${dataDir}: pass --data DIR`);
    mkdirSync(join(outdir, 'data'), { recursive: true });
    for (const name of files) copyFileSync(join(dataDir, name), join(outdir, 'data', name));
  }
  return outdir;
}

/** Serves `site` and `dataDir` (as /data/) on 127.0.0.1; port 0 picks a free one. */
export function serveDemo({ site = join(root, 'dist/demo'), dataDir = DEFAULT_DATA_DIR, port = 0 } = {}) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const name = path.startsWith('/data/') ? path.slice('/data/'.length) : null;
    const file =
      name !== null ? (DATA_FILE.test(name) ? join(dataDir, name) : null) : resolve(site, `.${path === '/' ? '/index.html' : path}`);
    const inside = file && (name !== null || file.startsWith(site + sep));
    if (!inside || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    response.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}/`;
      resolvePromise({ url, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      build: { type: 'string' },
    },
  });
  if (values.build) {
    const outdir = await buildDemo(resolve(values.build), { dataDir: values.data });
    console.log(`sslgpu demo: the static site is in ${outdir} (page, workers, service worker, data/); serve it from any host`);
    console.log('  on https or localhost, for the service worker that gives the page its threads');
    process.exit(0);
  }
  await buildDemo();
  const { url } = await serveDemo({ dataDir: values.data, port: Number(values.port) });
  console.log(`sslgpu demo: ${url}  (Fashion-MNIST from ${values.data}; Ctrl-C stops)`);
  console.log(`  WebGPU in Chromium: --enable-unsafe-webgpu; ${url}?backend=webgpu forces it, ?backend=wasm the CPU`);
}
