// The demo as a static site (`npm run demo -- --build DIR`) on a plain static file server, the
// kind GitHub Pages or `python3 -m http.server` is: no COOP/COEP headers. In Debian's Chromium
// the page registers its service worker, reloads once, comes back cross-origin isolated, and
// trains on WebAssembly with more than one thread. Without service workers it starts at once
// (no reload loop) on one thread and says why.
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { buildDemo } from '../scripts/demo.mjs';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { chromiumMissing, launchChromium } from './helpers/chromium.js';

const missing = chromiumMissing() ?? (existsSync(DEFAULT_DATA_DIR) ? null : `${DEFAULT_DATA_DIR} is missing: run \`npm run setup\``);
if (missing) console.warn(`skipping the static demo: ${missing}`);
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
let site = '';
let url = '';
let close = () => {};

/** A plain static file server on 127.0.0.1 (a secure context, as localhost is): files and MIME types, no other headers. */
function serveStatic(dir: string): Promise<void> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = resolve(dir, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  close = () => server.close();
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?backend=wasm&subset=256&testSubset=200`;
      done();
    }),
  );
}

beforeAll(async () => {
  if (missing) return;
  site = await buildDemo(mkdtempSync(join(tmpdir(), 'sslgpu-static-')), { dataDir: DEFAULT_DATA_DIR });
  await serveStatic(site);
}, 120_000);
afterAll(() => {
  close();
  if (site) rmSync(site, { recursive: true, force: true });
});

/** Opens the page and counts its loads; `initScript` runs in each before the page's scripts. */
async function open(page: Page, initScript?: () => void): Promise<{ loads: () => number; errors: string[] }> {
  let loads = 0;
  const errors: string[] = [];
  page.on('load', () => loads++);
  page.on('pageerror', (error) => errors.push(error.message));
  if (initScript) await page.addInitScript(initScript);
  await page.goto(url);
  return { loads: () => loads, errors };
}

it.skipIf(missing !== null)(
  'is cross-origin isolated by its service worker on a plain static server, and trains with threads',
  async () => {
    const browser = await launchChromium(false);
    try {
      const page = await browser.newPage();
      const { loads, errors } = await open(page);
      // the service worker's reload: until then the page is not isolated (or is between documents)
      await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 30_000 }).toBe(true);
      await page.waitForFunction(() => window.demo !== undefined);
      const init = await page.evaluate(() => window.demo.ready);
      expect(loads()).toBe(2);
      expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/coi-sw\.js$/);
      expect(init.kind).toBe('wasm');
      const threads = Number(/(\d+) threads?/.exec(init.backend)?.[1]);
      expect(threads, init.backend).toBeGreaterThan(1);
      expect(await page.locator('#backend').textContent()).toContain(`${threads} threads`);
      const config = { epochs: 1, batch: 16, width: 0.25, hidden: 32, dim: 16, logEvery: 1, warmup: 0, seed: 0 };
      const { losses, reason } = await page.evaluate((c) => window.demo.train(c, 4), config);
      expect(reason).toBe('steps');
      expect(losses).toHaveLength(4);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(errors).toEqual([]);

      // without service workers (as on http from a host other than localhost): no reload, one thread, and why
      const plain = await browser.newPage();
      const without = await open(plain, () => {
        delete (Navigator.prototype as { serviceWorker?: unknown }).serviceWorker;
      });
      const single = await plain.evaluate(() => window.demo.ready);
      expect(without.loads()).toBe(1);
      expect(await plain.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(single.backend).toMatch(/1 thread \(no shared-memory workers here/);
      expect(await plain.evaluate(() => window.demo.log)).toContainEqual(expect.stringContaining('they need https or localhost'));
      expect(without.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  },
  120_000,
);
