// The demo page on a folder of pictures, in Debian's Chromium on WebAssembly: picked as a folder
// (the same colour PNG and JPEG files of different sizes and Debian icons as the command line's
// test), decoded by the browser, trained on, searched (a test picture and its nearest training
// pictures) and downloaded as embeddings, one CSV row a picture with its name; then the same on
// real photographs (test/helpers/photographs.ts), with the screenshot the README shows; and a
// JPEG in each EXIF orientation, turned upright by Chromium and by Node's reader alike.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { buildDemo, serveDemo } from '../scripts/demo.mjs';
import { decodeImage } from '../src/data/image-files.js';
import { resizedImage } from '../src/data/images.js';
import { chromiumMissing, launchChromium } from './helpers/chromium.js';
import { photographFolder, photographsMissing } from './helpers/photographs.js';
import { jpegBytes, pictureFolder, withExifOrientation } from './helpers/pictures.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = join(root, 'test/.artifacts');
const missing = chromiumMissing();
if (missing) console.warn(`skipping the page's pictures: ${missing}`);
let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  if (missing) return;
  mkdirSync(artifacts, { recursive: true });
  await buildDemo();
  server = await serveDemo();
}, 300_000);
afterAll(() => server?.close());

/**
 * Opens the page on WebAssembly in a new Chromium, picks `dir` as the picture folder at `size`,
 * runs `body`, then checks that the page threw nothing and closes the browser.
 */
async function withPicturesPage(dir: string, size: number, body: (page: Page, log: () => Promise<string>) => Promise<void>) {
  const browser = await launchChromium(false);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}?backend=wasm&subset=256&testSubset=200`);
    await page.evaluate(() => window.demo.ready);
    await page.fill('#picture-size', String(size));
    await page.setInputFiles('#picture-folder', dir);
    await body(page, () => page.evaluate(() => window.demo.log.join('\n')));
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
}

it.skipIf(missing !== null)(
  "trains on a folder of pictures, finds a picture's neighbours and downloads the embeddings",
  async () => {
    const folder = pictureFolder();
    await withPicturesPage(folder.dir, 16, async (page, log) => {
      const [count, files] = [folder.names.length, folder.names.length + folder.bad.length];
      await expect.poll(log, { timeout: 60_000 }).toContain(`using ${count} pictures of ${files} files, 16×16`);
      for (const bad of folder.bad) expect(await log()).toContain(`skipped ${bad}`);
      // a fifth of each class (rounded down) held out
      const perClass = new Map<string, number>();
      for (const name of folder.names) perClass.set(name.split('/')[0]!, (perClass.get(name.split('/')[0]!) ?? 0) + 1);
      const held = [...perClass.values()].reduce((sum, n) => sum + Math.floor(n / 5), 0);
      expect(await page.locator('#data-info').textContent()).toBe(`training on ${count - held} images, testing on ${held} (3×16×16)`);

      const config = { epochs: 12, batch: 8, lr: 0.03, width: 0.5, hidden: 64, dim: 32, logEvery: 1, warmup: 0 };
      const { losses, reason } = await page.evaluate((c) => window.demo.train(c), config);
      expect(reason).toBe('finished');
      expect(losses.length).toBeGreaterThan(4);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(await page.evaluate(() => window.demo.charts().knn[0]!.y.length)).toBe(12); // kNN on the held-out pictures, every epoch

      await page.locator('#gallery .thumb').first().click();
      await expect.poll(() => page.locator('#neighbours figure').count()).toBe(9);
      await page.screenshot({ path: join(artifacts, 'demo-pictures.png'), fullPage: true });

      const csv = await page.evaluate(async () => {
        const { bytes, name, count } = await window.demo.client.request('embeddings', { format: '.csv' });
        return { text: new TextDecoder().decode(bytes), name, count };
      });
      const rows = csv.text.trim().split('\n');
      expect([csv.name, csv.count, rows.length]).toEqual(['embeddings.csv', count, count + 1]);
      expect(rows[0]!.split(',')).toHaveLength(1 + 64 + 32); // name, h (4 × 16 channels at width 0.5), v
      expect(
        rows
          .slice(1)
          .map((row) => row.split(',')[0])
          .sort(),
      ).toEqual(folder.names);
    });
  },
  300_000,
);

const photographs = missing ?? photographsMissing();
if (photographs && !missing) console.warn(`skipping the page's photographs: ${photographs}`);

it.skipIf(photographs !== null)(
  "trains on real photographs, and a held-out piece's nearest training pictures are mostly of its photograph",
  async () => {
    const folder = photographFolder();
    await withPicturesPage(folder.dir, 32, async (page, log) => {
      await expect.poll(log, { timeout: 120_000 }).toContain('using 60 pictures of 60 files, 32×32');
      expect(await page.locator('#data-info').textContent()).toBe('training on 48 images, testing on 12 (3×32×32)');
      const config = { epochs: 8, batch: 16, lr: 0.1, width: 0.5, hidden: 512, dim: 128, logEvery: 1, warmup: 1 };
      const { reason } = await page.evaluate((c) => window.demo.train(c), config);
      expect(reason).toBe('finished');
      const knn = await page.evaluate(() => window.demo.charts().knn[0]!.y.at(-1)!);
      expect(knn).toBeGreaterThanOrEqual(0.5); // a fraction of 12 held-out pictures, 12 classes: 0.833 measured
      await page.locator('#gallery .thumb').nth(3).click();
      await expect.poll(() => page.locator('#neighbours figure').count()).toBe(9);
      // its photograph has 4 training pictures: all 4 found
      expect(await page.locator('#neighbours figure.match').count()).toBeGreaterThanOrEqual(3);
      await page.screenshot({ path: join(artifacts, 'demo-photographs.png'), fullPage: true });
    });
  },
  300_000,
);

it.skipIf(missing !== null)("turns a JPEG upright by each EXIF orientation as Chromium's decoder does", async () => {
  // a wide picture of four colours, so each of the eight orientations looks different
  const photo = jpegBytes(32, 16, (x, y) => [x < 0.5 ? 240 : 20, y < 0.5 ? 240 : 20, 90]);
  const browser = await launchChromium(false);
  try {
    const page = await browser.newPage();
    for (let orientation = 1; orientation <= 8; orientation++) {
      const bytes = withExifOrientation(photo, orientation, orientation % 2 === 0);
      const inPage = await page.evaluate(async (data) => {
        const bitmap = await createImageBitmap(new Blob([new Uint8Array(data)]), { imageOrientation: 'from-image' });
        const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
        context.drawImage(bitmap, 0, 0);
        return {
          width: bitmap.width,
          height: bitmap.height,
          rgba: Array.from(context.getImageData(0, 0, bitmap.width, bitmap.height).data),
        };
      }, Array.from(bytes));
      expect([inPage.width, inPage.height], `orientation ${orientation}`).toEqual(orientation >= 5 ? [16, 32] : [32, 16]);
      const chromium = resizedImage('a.jpg', { ...inPage, rgba: Uint8Array.from(inPage.rgba) }, 8).planes;
      const node = resizedImage('a.jpg', decodeImage(bytes), 8).planes;
      const worst = Math.max(...chromium.map((v, i) => Math.abs(v - node[i]!)));
      expect(worst, `orientation ${orientation}`).toBeLessThan(24); // the decoders' rounding; a wrong turn differs by ~200
    }
  } finally {
    await browser.close();
  }
});
