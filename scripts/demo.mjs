// `npm run demo`: builds the demo page (demo/) into dist/demo and serves it on localhost,
// with the Fashion-MNIST IDX files under /data/. The page is cross-origin isolated
// (COOP/COEP headers), so the WebAssembly backend can run threads in it.
import { copyFileSync, createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
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

/** Bundles the page's script and its worker, and copies the static files. */
export async function buildDemo(outdir = join(root, 'dist/demo')) {
  mkdirSync(outdir, { recursive: true });
  await build({ ...browser, entryPoints: { app: join(root, 'demo/app.ts'), worker: join(root, 'demo/worker.ts') }, outdir });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(root, 'demo', file), join(outdir, file));
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
    options: { port: { type: 'string', default: '8080' }, data: { type: 'string', default: DEFAULT_DATA_DIR } },
  });
  await buildDemo();
  const { url } = await serveDemo({ dataDir: values.data, port: Number(values.port) });
  console.log(`sslgpu demo: ${url}  (Fashion-MNIST from ${values.data}; Ctrl-C stops)`);
  console.log(`  WebGPU in Chromium: --enable-unsafe-webgpu; ${url}?backend=webgpu forces it, ?backend=wasm the CPU`);
}
